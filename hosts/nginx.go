package hosts

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// nginxLocation is one location block: Match is "= /path", "~ regex" or
// "/" (the catch-all prefix), Headers its full header set.
type nginxLocation struct {
	Match    string
	Headers  []Header
	TryFiles string
}

// nginxLocations turns the rules into locations. nginx picks one location
// per request, and an add_header inside a location drops every add_header
// of the server level (the inheritance trap), so each location carries the
// full header set of the paths it serves: exact paths as "= /path", then a
// regex per (prefix, suffix) pair, longest first, then "location /".
func nginxLocations(rules []Rule) []nginxLocation {
	_, _, rest := split(rules)
	var global []Header
	var prefixes, suffixes, exacts []string
	for _, r := range rest {
		switch k, stem := patternKind(r.Pattern); k {
		case kindPrefix:
			prefixes = append(prefixes, stem)
		case kindSuffix:
			suffixes = append(suffixes, stem)
		case kindExact:
			exacts = append(exacts, r.Pattern)
		}
	}
	for _, r := range rules {
		if r.Pattern == "/*" {
			global = r.Headers
		}
	}
	// headersOf is the full set for a path, Content-Type excluded (types
	// does that), exact rules included only when exact is true.
	headersOf := func(p string, exact bool) []Header {
		hs := append([]Header(nil), global...)
		for _, r := range rest {
			if k, _ := patternKind(r.Pattern); k == kindExact && !exact {
				continue
			}
			if Match(r.Pattern, p) {
				hs = append(hs, r.Headers...)
			}
		}
		return hs
	}
	var locs []nginxLocation
	sort.Strings(exacts)
	for _, e := range exacts {
		try := "$uri =404"
		if strings.HasSuffix(e, "/") {
			try = e + "index.html =404"
		}
		locs = append(locs, nginxLocation{"= " + e, headersOf(e, true), try})
	}
	byLen := func(s []string) []string {
		sort.Slice(s, func(i, j int) bool {
			if len(s[i]) != len(s[j]) {
				return len(s[i]) > len(s[j])
			}
			return s[i] < s[j]
		})
		return append(s, "")
	}
	var combos []nginxLocation
	for _, p := range byLen(prefixes) {
		for _, s := range byLen(suffixes) {
			if p == "" && s == "" {
				continue
			}
			re := "^" + regexp.QuoteMeta(p) + ".*" + regexp.QuoteMeta(s) + "$"
			switch {
			case p == "":
				re = regexp.QuoteMeta(s) + "$"
			case s == "":
				re = "^" + regexp.QuoteMeta(p)
			}
			rep := "/x" + s
			if p != "" {
				rep = p + "x" + s
			}
			combos = append(combos, nginxLocation{"~ " + re, headersOf(rep, false), "$uri =404"})
		}
	}
	all := nginxLocation{"/", global, "$uri $uri/ =404"}
	// Drop a regex location when the request would get the same headers
	// from the location nginx would pick without it.
	for i := len(combos) - 1; i >= 0; i-- {
		rep := nginxRep(combos[i].Match)
		without := append(append(append([]nginxLocation(nil), locs...), combos[:i]...), combos[i+1:]...)
		without = append(without, all)
		if sameHeaders(nginxSelect(without, rep).Headers, combos[i].Headers) {
			combos = append(combos[:i], combos[i+1:]...)
		}
	}
	return append(append(locs, combos...), all)
}

// nginxRep is a path that a regex location made by nginxLocations matches.
func nginxRep(match string) string {
	re := strings.TrimPrefix(match, "~ ")
	re = strings.TrimSuffix(strings.TrimPrefix(re, "^"), "$")
	re = strings.Replace(re, ".*", "x", 1)
	re = strings.ReplaceAll(re, `\`, "")
	if !strings.HasPrefix(re, "/") {
		re = "/x" + re
	}
	if strings.HasSuffix(re, "/") {
		re += "x"
	}
	return re
}

// nginxSelect picks the location nginx uses for path: an exact match, else
// the first matching regex, else the longest prefix (here only "/").
func nginxSelect(locs []nginxLocation, path string) nginxLocation {
	for _, l := range locs {
		if l.Match == "= "+path {
			return l
		}
	}
	for _, l := range locs {
		if re, ok := strings.CutPrefix(l.Match, "~ "); ok && compiled(re).MatchString(path) {
			return l
		}
	}
	for _, l := range locs {
		if l.Match == "/" {
			return l
		}
	}
	return nginxLocation{}
}

var regexps sync.Map // string → *regexp.Regexp

// compiled caches the location regexes, which nginxLocations and the
// tests evaluate many times.
func compiled(re string) *regexp.Regexp {
	if r, ok := regexps.Load(re); ok {
		return r.(*regexp.Regexp)
	}
	r := regexp.MustCompile(re)
	regexps.Store(re, r)
	return r
}

func sameHeaders(a, b []Header) bool {
	ha, hb := http.Header{}, http.Header{}
	for _, h := range a {
		ha.Add(h.Name, h.Value)
	}
	for _, h := range b {
		hb.Add(h.Name, h.Value)
	}
	return fmt.Sprint(ha) == fmt.Sprint(hb)
}

// compressible says which types are worth gzip.
func compressible(t string) bool {
	base, _, _ := strings.Cut(t, ";")
	return strings.HasPrefix(base, "text/") || strings.HasSuffix(base, "+json") || strings.HasSuffix(base, "+xml") ||
		base == "application/wasm" || base == "application/json" || base == "application/javascript"
}

// nginxBrotliFile is the file the server block includes, relative to
// nginx's configuration folder, for brotli_static. nginx stops on an
// unknown directive, so brotli_static is never in the server block itself:
// the include names it through a pattern (nginxBrotliInclude), and nginx
// skips a pattern that matches no file, so the block starts with and
// without the module.
const (
	nginxBrotliFile    = "pwagen-brotli.conf"
	nginxBrotliInclude = "pwagen-brotli[.]conf"
)

// nginxBrotli is nginx-brotli.conf, the snippet the user copies to
// nginxBrotliFile once the brotli module is loaded.
const nginxBrotli = "# " + generated + "\n" +
	"# Copy to /etc/nginx/" + nginxBrotliFile + " once nginx loads the brotli module\n" +
	"# (Debian: apt-get install libnginx-mod-http-brotli-static), then `nginx -t && nginx -s reload`:\n" +
	"# pwagen.conf includes it, and nginx sends the .br beside each file to\n" +
	"# browsers that accept brotli, with Vary: Accept-Encoding (gzip_vary).\n" +
	"brotli_static on;\n"

// writeNginx renders a server block to put in /etc/nginx/conf.d/: types
// for Content-Type, gzip for the compressible ones, and locations that each
// repeat the full header set with "always" (so 404s carry them too) and
// "try_files $uri =404" (never an SPA fallback that would answer a missing
// .wasm with index.html).
func writeNginx(w *output, rules []Rule, s Spec) error {
	_, types, _ := split(rules)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", generated)
	b.WriteString("# nginx server block: copy to /etc/nginx/conf.d/pwagen.conf, set listen, server_name\n")
	b.WriteString("# (and TLS: isolation and service workers need HTTPS) and root, then `nginx -t && nginx -s reload`.\n")
	b.WriteString("# Each location repeats every add_header: a location with its own add_header\n")
	b.WriteString("# drops those of the server level, so never move them up.\n")
	b.WriteString("server {\n")
	b.WriteString("    listen 80;\n")
	b.WriteString("    server_name _;\n")
	b.WriteString("    root /srv/pwagen/out;\n")
	b.WriteString("    index index.html;\n\n")
	b.WriteString("    types {\n")
	var gz []string
	seen := map[string]bool{}
	for _, t := range types {
		fmt.Fprintf(&b, "        %q %s;\n", t.Type, strings.TrimPrefix(t.Ext, "."))
		if compressible(t.Type) && !seen[t.Type] {
			gz = append(gz, fmt.Sprintf("%q", t.Type))
			seen[t.Type] = true
		}
	}
	b.WriteString("    }\n")
	b.WriteString("    default_type application/octet-stream;\n")
	if len(gz) > 0 {
		sort.Strings(gz)
		b.WriteString("    gzip on;\n")
		fmt.Fprintf(&b, "    gzip_types %s;\n", strings.Join(gz, " "))
	}
	if s.Precompressed {
		b.WriteString("    # pwagen package wrote a .gz (and a .br) beside each compressible file:\n")
		b.WriteString("    # send them as they are, with Vary: Accept-Encoding.\n")
		b.WriteString("    gzip_static on;\n")
		b.WriteString("    gzip_vary on;\n")
		b.WriteString("    # To send the .br files too, load the brotli module (Debian: apt-get install\n")
		b.WriteString("    # libnginx-mod-http-brotli-static) and copy nginx-brotli.conf, written beside\n")
		b.WriteString("    # this file, to " + nginxBrotliFile + " in nginx's folder (/etc/nginx/). The [.] makes the\n")
		b.WriteString("    # include a pattern, which matches nothing until then: nginx starts without it.\n")
		b.WriteString("    include " + nginxBrotliInclude + ";\n")
		w.beside["nginx-brotli.conf"] = []byte(nginxBrotli)
	}
	for _, l := range nginxLocations(rules) {
		fmt.Fprintf(&b, "\n    location %s {\n", l.Match)
		for _, h := range l.Headers {
			fmt.Fprintf(&b, "        add_header %s %q always;\n", h.Name, h.Value)
		}
		fmt.Fprintf(&b, "        try_files %s;\n", l.TryFiles)
		b.WriteString("    }\n")
	}
	b.WriteString("}\n")
	w.beside["nginx.conf"] = []byte(b.String())
	return nil
}
