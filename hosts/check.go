package hosts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pwagen/pwagen/internal/suggest"
)

// ConfigError is a bad [deploy] setting: which key, which value, what is
// wrong and what to do. The caller adds the file and line.
type ConfigError struct {
	Key     string // "deploy.hosts" or "deploy.isolation"
	Value   string
	Problem string
	Hint    string // what to do, may be empty
}

func (e *ConfigError) Error() string {
	msg := fmt.Sprintf("%s: %q %s", e.Key, e.Value, e.Problem)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// aliases are other names users type for a host.
var aliases = map[string]string{
	"cloudflare-pages": "cloudflare", "pages": "cloudflare",
	"firebase-hosting": "firebase", "azure-static-web-apps": "azure", "swa": "azure",
	"httpd": "apache", "apache2": "apache", "ghpages": "github-pages", "gh-pages": "github-pages",
	"github": "github-pages", "s3": "s3-cloudfront", "cloudfront": "s3-cloudfront", "aws": "s3-cloudfront",
}

// Names is every supported host name, in documentation order.
func Names() []string {
	names := make([]string, len(table))
	for i, h := range table {
		names[i] = h.name
	}
	return names
}

// Check validates [deploy] hosts and isolation before anything is written:
// an unknown or repeated host name, an unknown isolation mode, or an
// isolation mode that a chosen host cannot provide.
func Check(hosts []string, isolation string) error {
	if !slices.Contains(Isolations, isolation) {
		return &ConfigError{Key: "deploy.isolation", Value: isolation,
			Problem: "is not a valid isolation mode", Hint: hintOneOf(isolation, Isolations)}
	}
	seen := map[string]bool{}
	names := Names()
	for _, h := range hosts {
		if !slices.Contains(names, h) {
			hint := hintOneOf(h, names)
			if a, ok := aliases[strings.ToLower(h)]; ok {
				hint = fmt.Sprintf("did you mean %q? (one of %s)", a, strings.Join(quoteAll(names), ", "))
			}
			return &ConfigError{Key: "deploy.hosts", Value: h, Problem: "is not a host pwagen knows", Hint: hint}
		}
		if seen[h] {
			return &ConfigError{Key: "deploy.hosts", Value: h, Problem: "is listed twice", Hint: "remove one"}
		}
		seen[h] = true
		if isolation == IsolationHeaders && !CanSetHeaders(h) {
			return &ConfigError{Key: "deploy.hosts", Value: h,
				Problem: `cannot set response headers, so isolation = "headers" (COOP/COEP) cannot work there`,
				Hint:    `set isolation = "service-worker" in [deploy] (sw.js then adds COOP/COEP), or remove "` + h + `" from hosts`}
		}
	}
	return nil
}

// hintOneOf suggests the closest valid value and lists them all.
func hintOneOf(got string, valid []string) string {
	list := "one of " + strings.Join(quoteAll(valid), ", ")
	if s := closest(got, valid); s != "" {
		return fmt.Sprintf("did you mean %q? (%s)", s, list)
	}
	return "use " + list
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// closest is the valid value nearest to got by edit distance, if it is
// near enough to be a typo, or one that contains got or is contained in it.
func closest(got string, valid []string) string {
	g := strings.ToLower(got)
	best, bestD := "", 1<<30
	for _, v := range valid {
		d := suggest.Distance(g, v)
		if d < bestD {
			best, bestD = v, d
		}
	}
	if g != "" && bestD <= max(2, len(g)/3) {
		return best
	}
	for _, v := range valid {
		if len(g) >= 3 && (strings.Contains(v, g) || strings.Contains(g, v)) {
			return v
		}
	}
	return ""
}

// checkRules rejects rule lists that some host would read differently from
// HeadersFor (see the package doc).
func checkRules(rules []Rule) error {
	seen := map[string]int{}
	for i, r := range rules {
		where := fmt.Sprintf("hosts: rule %d (%s)", i+1, r.Pattern)
		if k, _ := patternKind(r.Pattern); k == kindBad {
			return fmt.Errorf("%s: the pattern is not /*, /dir/*, /*.ext or an exact path; write it as one of those", where)
		}
		if err := checkFileName(strings.ReplaceAll(strings.Trim(r.Pattern, "/*"), "*", "x") + "x"); r.Pattern != "/" && err != nil {
			return fmt.Errorf("%s: the pattern may use only letters, digits, . _ - ~ @ / and the * of its form", where)
		}
		if k, ext := patternKind(r.Pattern); k == kindSuffix && strings.ToLower(ext) != ext {
			return fmt.Errorf("%s: write the extension in lower case; hosts differ on whether .PNG is .png", where)
		}
		if j, dup := seen[r.Pattern]; dup {
			return fmt.Errorf("%s: the pattern is already rule %d; merge the two rules", where, j+1)
		}
		seen[r.Pattern] = i
		if len(r.Headers) == 0 {
			return fmt.Errorf("%s: no headers; remove the rule", where)
		}
		names := map[string]bool{}
		for _, h := range r.Headers {
			if err := checkHeader(h); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if names[strings.ToLower(h.Name)] {
				return fmt.Errorf("%s: header %s is set twice; keep one", where, h.Name)
			}
			names[strings.ToLower(h.Name)] = true
			if strings.EqualFold(h.Name, "Content-Type") {
				if k, _ := patternKind(r.Pattern); k != kindSuffix {
					return fmt.Errorf("%s: Content-Type is set by extension only, with a /*.ext rule; hosts map types by extension", where)
				}
			}
		}
	}
	for i, a := range rules {
		for j := i + 1; j < len(rules); j++ {
			b := rules[j]
			ex, ok := overlap(a.Pattern, b.Pattern)
			if !ok {
				continue
			}
			for _, ha := range a.Headers {
				for _, hb := range b.Headers {
					if strings.EqualFold(ha.Name, hb.Name) {
						return fmt.Errorf("hosts: rules %d (%s) and %d (%s) both set %s for paths such as %s; hosts disagree on which wins (Netlify joins both, Vercel keeps the last, Azure the first), so give each path at most one rule per header",
							i+1, a.Pattern, j+1, b.Pattern, ha.Name, ex)
					}
				}
			}
		}
	}
	return nil
}

func checkHeader(h Header) error {
	if h.Name == "" {
		return fmt.Errorf("a header has no name")
	}
	for _, c := range h.Name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("header name %q has %q; use letters, digits and -", h.Name, c)
		}
	}
	if strings.TrimSpace(h.Value) != h.Value || h.Value == "" {
		return fmt.Errorf("header %s has an empty value or one with leading or trailing spaces", h.Name)
	}
	for _, c := range h.Value {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '`' {
			return fmt.Errorf("header %s has %q in its value; host configs quote values, so use printable ASCII without \" \\ or `", h.Name, c)
		}
	}
	return nil
}
