package hosts

import (
	"fmt"
	"sort"
	"strings"
)

// caddyPath writes a pattern as a Caddy path matcher: exact, "/dir/*"
// prefix or "*.ext" suffix.
func caddyPath(p string) string {
	switch k, stem := patternKind(p); k {
	case kindAll:
		return "*"
	case kindSuffix:
		return "*" + stem
	}
	return p
}

// writeCaddy renders a Caddyfile site block. The site address and root come
// from the environment (PWAGEN_SITE, PWAGEN_ROOT) with defaults, so the file
// runs as written. Every `header` directive whose matcher matches applies,
// which is HeadersFor's union; Content-Type is a header too, set before
// file_server, which keeps it.
func writeCaddy(w *output, rules []Rule, s Spec) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", generated)
	b.WriteString("# Caddy: `PWAGEN_SITE=example.com PWAGEN_ROOT=/srv/pwagen/out caddy run --config Caddyfile`\n")
	b.WriteString("# (Caddy gets the HTTPS certificate itself for a domain name).\n")
	b.WriteString("{$PWAGEN_SITE:localhost} {\n")
	b.WriteString("\troot * {$PWAGEN_ROOT:.}\n")
	_, types, _ := split(rules)
	var gz []string
	seen := map[string]bool{}
	for _, t := range types {
		base := strings.SplitN(t.Type, ";", 2)[0]
		if compressible(t.Type) && !seen[base] {
			gz = append(gz, base)
			seen[base] = true
		}
	}
	sort.Strings(gz)
	if len(gz) > 0 {
		// Caddy's default list leaves out application/wasm: name the types.
		b.WriteString("\tencode zstd gzip {\n\t\tmatch {\n")
		for _, t := range gz {
			fmt.Fprintf(&b, "\t\t\theader Content-Type %s*\n", t)
		}
		b.WriteString("\t\t}\n\t}\n")
	}
	for i, r := range rules {
		if r.Pattern == "/*" {
			b.WriteString("\theader {\n")
		} else {
			fmt.Fprintf(&b, "\t@rule%d path %s\n", i+1, caddyPath(r.Pattern))
			fmt.Fprintf(&b, "\theader @rule%d {\n", i+1)
		}
		for _, h := range r.Headers {
			fmt.Fprintf(&b, "\t\t%s %q\n", h.Name, h.Value)
		}
		b.WriteString("\t}\n")
	}
	if s.Precompressed {
		// The .br and .gz pwagen package wrote, sent as they are, with
		// Vary: Accept-Encoding; encode compresses the rest.
		b.WriteString("\tfile_server {\n\t\tprecompressed br gzip\n\t}\n")
	} else {
		b.WriteString("\tfile_server\n")
	}
	b.WriteString("}\n")
	w.beside["Caddyfile"] = []byte(b.String())
	return nil
}
