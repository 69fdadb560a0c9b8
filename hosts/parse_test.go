package hosts

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Parsers that read each generated file back into rules, to prove that the
// file expresses exactly the rule list.

// parseHeadersFile reads a Netlify/Cloudflare _headers file.
func parseHeadersFile(data string) ([]Rule, error) {
	var rules []Rule
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			continue
		case line[0] != ' ' && line[0] != '\t':
			if !strings.HasPrefix(trimmed, "/") && !strings.HasPrefix(trimmed, "https://") {
				return nil, fmt.Errorf("_headers:%d: a path must start with / or https://, got %q", n, trimmed)
			}
			if strings.Count(trimmed, "*") > 1 {
				return nil, fmt.Errorf("_headers:%d: more than one * in %q", n, trimmed)
			}
			rules = append(rules, Rule{Pattern: trimmed})
		default:
			if len(rules) == 0 {
				return nil, fmt.Errorf("_headers:%d: header before any path", n)
			}
			name, value, ok := strings.Cut(trimmed, ":")
			name, value = strings.TrimSpace(name), strings.TrimSpace(value)
			if !ok || name == "" || strings.ContainsAny(name, " \t") {
				return nil, fmt.Errorf("_headers:%d: want \"Name: value\", got %q", n, trimmed)
			}
			r := &rules[len(rules)-1]
			r.Headers = append(r.Headers, Header{name, value})
		}
	}
	return rules, sc.Err()
}

// canonical is a rule list as pattern → headers, merging rules with the
// same pattern, so that lists that mean the same compare equal.
func canonical(rules []Rule) map[string]http.Header {
	m := map[string]http.Header{}
	for _, r := range rules {
		if m[r.Pattern] == nil {
			m[r.Pattern] = http.Header{}
		}
		for _, h := range r.Headers {
			m[r.Pattern].Add(h.Name, h.Value)
		}
	}
	return m
}

func sameRules(t *testing.T, host string, got, want []Rule) {
	t.Helper()
	g, w := canonical(got), canonical(want)
	if reflect.DeepEqual(g, w) {
		return
	}
	var keys []string
	for k := range g {
		keys = append(keys, k)
	}
	for k := range w {
		if _, ok := g[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !reflect.DeepEqual(g[k], w[k]) {
			t.Errorf("%s: rule %s: file says %v, rule list says %v", host, k, g[k], w[k])
		}
	}
}

func fromVercelSource(src string) string {
	switch {
	case src == "/(.*)":
		return "/*"
	case strings.HasPrefix(src, "/(.*)"):
		return "/*" + unescape(strings.TrimPrefix(src, "/(.*)"))
	case strings.HasSuffix(src, "/(.*)"):
		return unescape(strings.TrimSuffix(src, "(.*)")) + "*"
	}
	return unescape(src)
}

func unescape(s string) string { return strings.ReplaceAll(s, `\`, "") }

// vercelRegexp translates a path-to-regexp source as Vercel uses it: groups
// are regular expressions, \x is a literal x, anything else literal.
func vercelRegexp(src string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '\\':
			if i+1 == len(src) {
				return nil, fmt.Errorf("trailing backslash in %q", src)
			}
			i++
			b.WriteString(regexp.QuoteMeta(src[i : i+1]))
		case '(':
			end := strings.IndexByte(src[i:], ')')
			if end < 0 {
				return nil, fmt.Errorf("unclosed group in %q", src)
			}
			b.WriteString("(" + src[i+1:i+end] + ")")
			i += end
		case ':', '*', '+', '?', ')':
			return nil, fmt.Errorf("unescaped %q in %q", c, src)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

type jsonRule struct {
	Source  string `json:"source"`
	Headers []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"headers"`
}

func (j jsonRule) headers() []Header {
	var hs []Header
	for _, h := range j.Headers {
		hs = append(hs, Header{h.Key, h.Value})
	}
	return hs
}

func parseVercel(data []byte) ([]Rule, []jsonRule, error) {
	var v struct {
		Headers []jsonRule `json:"headers"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, nil, err
	}
	var rules []Rule
	for _, j := range v.Headers {
		rules = append(rules, Rule{fromVercelSource(j.Source), j.headers()})
	}
	return rules, v.Headers, nil
}

func fromFirebaseGlob(g string) string {
	switch {
	case g == "**":
		return "/*"
	case strings.HasPrefix(g, "**/*."):
		return "/*" + strings.TrimPrefix(g, "**/*")
	case strings.HasSuffix(g, "/**"):
		return strings.TrimSuffix(g, "*")
	}
	return g
}

// firebaseRegexp translates a Firebase Hosting glob: ** any characters,
// * any but /.
func firebaseRegexp(g string) *regexp.Regexp {
	q := regexp.QuoteMeta(strings.TrimPrefix(g, "/"))
	q = strings.ReplaceAll(q, `\*\*/`, "(?:.*/)?")
	q = strings.ReplaceAll(q, `\*\*`, ".*")
	q = strings.ReplaceAll(q, `\*`, "[^/]*")
	return regexp.MustCompile("^/" + q + "$")
}

func parseFirebase(data []byte) ([]Rule, []jsonRule, error) {
	var f struct {
		Hosting struct {
			Headers []jsonRule `json:"headers"`
		} `json:"hosting"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, nil, err
	}
	var rules []Rule
	for _, j := range f.Hosting.Headers {
		rules = append(rules, Rule{fromFirebaseGlob(j.Source), j.headers()})
	}
	return rules, f.Hosting.Headers, nil
}

type azureConfig struct {
	GlobalHeaders map[string]string `json:"globalHeaders"`
	MimeTypes     map[string]string `json:"mimeTypes"`
	Routes        []struct {
		Route   string            `json:"route"`
		Headers map[string]string `json:"headers"`
	} `json:"routes"`
}

func parseAzure(data []byte) ([]Rule, error) {
	var a azureConfig
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, err
	}
	var rules []Rule
	add := func(p string, m map[string]string) {
		var hs []Header
		for k, v := range m {
			hs = append(hs, Header{k, v})
		}
		rules = append(rules, Rule{p, hs})
	}
	add("/*", a.GlobalHeaders)
	for ext, typ := range a.MimeTypes {
		add("/*"+ext, map[string]string{"Content-Type": typ})
	}
	for _, r := range a.Routes {
		add(r.Route, r.Headers)
	}
	return rules, nil
}

var (
	caddyMatcher = regexp.MustCompile(`^@(\w+) path (\S+)$`)
	caddyHeader  = regexp.MustCompile(`^header(?: @(\w+))? \{$`)
	caddyField   = regexp.MustCompile(`^([A-Za-z0-9-]+) "([^"]*)"$`)
	apacheType   = regexp.MustCompile(`^AddType "([^"]+)" (\.\w+)$`)
	apacheHeader = regexp.MustCompile(`^Header always set ([A-Za-z0-9-]+) "([^"]*)"$`)
	apacheFiles  = regexp.MustCompile(`^<FilesMatch "(.*)\$">$`)
	apacheExact  = regexp.MustCompile(`^<If "%\{REQUEST_URI\} == '([^']+)'">$`)
	apachePrefix = regexp.MustCompile(`^<If "%\{REQUEST_URI\} =~ m#\^(.*)#">$`)
)

func parseCaddyfile(data string) ([]Rule, error) {
	matchers := map[string]string{}
	var rules []Rule
	var cur *Rule
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if m := caddyMatcher.FindStringSubmatch(line); m != nil {
			p := m[2]
			switch {
			case p == "*":
				p = "/*"
			case strings.HasPrefix(p, "*."):
				p = "/" + p
			}
			matchers[m[1]] = p
			continue
		}
		if m := caddyHeader.FindStringSubmatch(line); m != nil {
			p := "/*"
			if m[1] != "" {
				var ok bool
				if p, ok = matchers[m[1]]; !ok {
					return nil, fmt.Errorf("Caddyfile:%d: matcher @%s is not defined", n+1, m[1])
				}
			}
			rules = append(rules, Rule{Pattern: p})
			cur = &rules[len(rules)-1]
			continue
		}
		if cur != nil {
			if line == "}" {
				cur = nil
			} else if m := caddyField.FindStringSubmatch(line); m != nil {
				cur.Headers = append(cur.Headers, Header{m[1], m[2]})
			} else {
				return nil, fmt.Errorf("Caddyfile:%d: unexpected %q in a header block", n+1, line)
			}
		}
	}
	return rules, nil
}

func parseHtaccess(data string) ([]Rule, error) {
	var rules []Rule
	pattern := "/*"
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		var m []string
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "</"):
			pattern = "/*"
		case apacheType.MatchString(line):
			m = apacheType.FindStringSubmatch(line)
			rules = append(rules, Rule{"/*" + m[2], []Header{{"Content-Type", m[1]}}})
		case apacheHeader.MatchString(line):
			m = apacheHeader.FindStringSubmatch(line)
			rules = append(rules, Rule{pattern, []Header{{m[1], m[2]}}})
		case apacheFiles.MatchString(line):
			pattern = "/*" + unescape(apacheFiles.FindStringSubmatch(line)[1])
		case apacheExact.MatchString(line):
			pattern = apacheExact.FindStringSubmatch(line)[1]
		case apachePrefix.MatchString(line):
			pattern = unescape(apachePrefix.FindStringSubmatch(line)[1]) + "*"
		case line == "DirectoryIndex index.html", strings.HasPrefix(line, "<IfModule"), strings.HasPrefix(line, "AddOutputFilterByType"):
		default:
			return nil, fmt.Errorf(".htaccess:%d: unexpected %q", n+1, line)
		}
	}
	return rules, nil
}

var (
	nginxLoc   = regexp.MustCompile(`^location (= \S+|~ \S+|/) \{$`)
	nginxAdd   = regexp.MustCompile(`^add_header ([A-Za-z0-9-]+) "([^"]*)" always;$`)
	nginxType  = regexp.MustCompile(`^"([^"]+)" (\w+);$`)
	nginxTry   = regexp.MustCompile(`^try_files (.+);$`)
	nginxTypes = "types {"
)

// parseNginx reads the server block into its locations and types.
func parseNginx(data string) ([]nginxLocation, map[string]string, error) {
	var locs []nginxLocation
	types := map[string]string{}
	inTypes := false
	var cur *nginxLocation
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == nginxTypes:
			inTypes = true
		case inTypes && line == "}":
			inTypes = false
		case inTypes:
			m := nginxType.FindStringSubmatch(line)
			if m == nil {
				return nil, nil, fmt.Errorf("nginx.conf:%d: bad types line %q", n+1, line)
			}
			types["."+m[2]] = m[1]
		case nginxLoc.MatchString(line):
			locs = append(locs, nginxLocation{Match: nginxLoc.FindStringSubmatch(line)[1]})
			cur = &locs[len(locs)-1]
		case cur != nil && line == "}":
			cur = nil
		case cur != nil && nginxAdd.MatchString(line):
			m := nginxAdd.FindStringSubmatch(line)
			cur.Headers = append(cur.Headers, Header{m[1], m[2]})
		case cur != nil && nginxTry.MatchString(line):
			cur.TryFiles = nginxTry.FindStringSubmatch(line)[1]
		case cur != nil:
			return nil, nil, fmt.Errorf("nginx.conf:%d: unexpected %q in a location", n+1, line)
		}
	}
	return locs, types, nil
}

// probes are the paths on which hosts' semantics are compared: every file,
// "/", and an example of each pattern at the root and deeper.
func probes(rules []Rule, files []File) []string {
	ps := []string{"/"}
	for _, f := range files {
		ps = append(ps, "/"+f.Name)
	}
	for _, r := range rules {
		ps = append(ps, example(r.Pattern))
		if k, stem := patternKind(r.Pattern); k == kindSuffix {
			ps = append(ps, "/a/b/c"+stem)
		}
	}
	return ps
}

func TestParseBack(t *testing.T) {
	for _, fx := range fixtureSpecs {
		t.Run(fx.name, func(t *testing.T) {
			rules, err := Rules(fx.spec)
			if err != nil {
				t.Fatal(err)
			}
			inOut, beside, err := Write(rules, fx.spec, fx.hosts)
			if err != nil {
				t.Fatal(err)
			}
			checkParseBack(t, rules, fx.spec, inOut, beside)
		})
	}
}

// checkParseBack reads every generated file back and compares it with the
// rule list.
func checkParseBack(t *testing.T, rules []Rule, spec Spec, inOut, beside map[string][]byte) {
	t.Helper()
	// _headers (Netlify, Cloudflare): blocks are the rules.
	got, err := parseHeadersFile(string(inOut["_headers"]))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rules) {
		t.Errorf("_headers reads back as\n%s\nwant\n%s", rulesText(got), rulesText(rules))
	}
	// vercel.json and firebase.json: entries are the rules, and each
	// source, read with the host's matching, matches exactly the
	// paths its pattern matches.
	got, vsrc, err := parseVercel(inOut["vercel.json"])
	if err != nil {
		t.Fatal(err)
	}
	sameRules(t, "vercel.json", got, rules)
	got, fsrc, err := parseFirebase(inOut["firebase.json"])
	if err != nil {
		t.Fatal(err)
	}
	sameRules(t, "firebase.json", got, rules)
	for i, r := range rules {
		re, err := vercelRegexp(vsrc[i].Source)
		if err != nil {
			t.Fatalf("vercel.json source %q: %v", vsrc[i].Source, err)
		}
		fre := firebaseRegexp(fsrc[i].Source)
		for _, p := range probes(rules, spec.Files) {
			if re.MatchString(p) != Match(r.Pattern, p) {
				t.Errorf("vercel.json source %q matches %s: %v, pattern %s: %v", vsrc[i].Source, p, re.MatchString(p), r.Pattern, Match(r.Pattern, p))
			}
			if fre.MatchString(p) != Match(r.Pattern, p) {
				t.Errorf("firebase.json source %q matches %s: %v, pattern %s: %v", fsrc[i].Source, p, fre.MatchString(p), r.Pattern, Match(r.Pattern, p))
			}
		}
	}
	got, err = parseAzure(inOut["staticwebapp.config.json"])
	if err != nil {
		t.Fatal(err)
	}
	sameRules(t, "staticwebapp.config.json", got, rules)
	got, err = parseCaddyfile(string(beside["Caddyfile"]))
	if err != nil {
		t.Fatal(err)
	}
	sameRules(t, "Caddyfile", got, rules)
	got, err = parseHtaccess(string(inOut[".htaccess"]))
	if err != nil {
		t.Fatal(err)
	}
	sameRules(t, ".htaccess", got, rules)

	// nginx picks one location per request: compare what it sends
	// on every probe path with HeadersFor.
	locs, types, err := parseNginx(string(beside["nginx.conf"]))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probes(rules, spec.Files) {
		l := nginxSelect(locs, p)
		got := http.Header{}
		for _, h := range l.Headers {
			got.Add(h.Name, h.Value)
		}
		served := p
		if strings.HasPrefix(l.TryFiles, "/") { // try_files /index.html
			served = strings.Fields(l.TryFiles)[0]
		}
		if ct, ok := types[extOf(served)]; ok {
			got.Set("Content-Type", ct)
		}
		if want := HeadersFor(rules, p); !reflect.DeepEqual(got, want) {
			t.Errorf("nginx.conf: %s gets %v, want %v", p, got, want)
		}
	}

	// S3 + CloudFront: object metadata plus the one policy.
	checkS3(t, rules, spec, beside)
}

func checkS3(t *testing.T, rules []Rule, s Spec, beside map[string][]byte) {
	t.Helper()
	var plan struct {
		Objects []s3Object `json:"objects"`
		Policy  cfPolicy   `json:"responseHeadersPolicyConfig"`
	}
	if err := json.Unmarshal(beside["s3-cloudfront.json"], &plan); err != nil {
		t.Fatal(err)
	}
	var alone cfPolicy
	if err := json.Unmarshal(beside["cloudfront-policy.json"], &alone); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(alone, plan.Policy) {
		t.Errorf("cloudfront-policy.json differs from s3-cloudfront.json's policy")
	}
	global := http.Header{}
	if sec := plan.Policy.SecurityHeadersConfig; sec != nil {
		if sec.ContentTypeOptions != nil {
			global.Set("X-Content-Type-Options", "nosniff")
		}
		if sec.ReferrerPolicy != nil {
			global.Set("Referrer-Policy", sec.ReferrerPolicy.ReferrerPolicy)
		}
		if sec.ContentSecurityPolicy != nil {
			global.Set("Content-Security-Policy", sec.ContentSecurityPolicy.ContentSecurityPolicy)
		}
	}
	if c := plan.Policy.CustomHeadersConfig; c != nil {
		for _, h := range c.Items {
			global.Set(h.Header, h.Value)
		}
	}
	if len(plan.Objects) != len(s.Files) {
		t.Errorf("s3-cloudfront.json lists %d objects, the package has %d files", len(plan.Objects), len(s.Files))
	}
	for _, o := range plan.Objects {
		got := global.Clone()
		if o.ContentType != "" {
			got.Set("Content-Type", o.ContentType)
		}
		if o.CacheControl != "" {
			got.Set("Cache-Control", o.CacheControl)
		}
		if want := HeadersFor(rules, "/"+o.Key); !reflect.DeepEqual(got, want) {
			t.Errorf("s3-cloudfront.json: %s gets %v, want %v", o.Key, got, want)
		}
	}
}
