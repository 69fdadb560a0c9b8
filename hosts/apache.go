package hosts

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// apacheCondition opens the section that limits headers to a pattern.
func apacheSection(p string) (open, close string) {
	switch k, stem := patternKind(p); k {
	case kindPrefix:
		return fmt.Sprintf("<If \"%%{REQUEST_URI} =~ m#^%s#\">", regexp.QuoteMeta(stem)), "</If>"
	case kindSuffix:
		return fmt.Sprintf("<FilesMatch \"%s$\">", regexp.QuoteMeta(stem)), "</FilesMatch>"
	}
	return fmt.Sprintf("<If \"%%{REQUEST_URI} == '%s'\">", p), "</If>"
}

// writeApache renders .htaccess for the OUT folder served as the document
// root: AddType (mod_mime) for Content-Type, "Header always set"
// (mod_headers, "always" so that 404s carry the headers too) at the top for
// "/*", inside <FilesMatch> for extensions and <If> for paths. Apache
// applies every matching section, which is HeadersFor's union. Without
// mod_headers Apache answers 500 instead of silently dropping COOP/COEP.
func writeApache(w *output, rules []Rule, s Spec) error {
	_, types, _ := split(rules)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", generated)
	b.WriteString("# Apache httpd: needs mod_headers and mod_mime (a2enmod headers mime) and\n")
	b.WriteString("# `AllowOverride FileInfo Indexes` for this folder; serve OUT as the document root.\n")
	b.WriteString("DirectoryIndex index.html\n")
	for _, t := range types {
		fmt.Fprintf(&b, "AddType %q %s\n", t.Type, t.Ext)
	}
	var gz []string
	seen := map[string]bool{}
	for _, t := range types {
		if compressible(t.Type) && !seen[t.Type] {
			gz = append(gz, strings.SplitN(t.Type, ";", 2)[0])
			seen[t.Type] = true
		}
	}
	if len(gz) > 0 {
		sort.Strings(gz)
		b.WriteString("<IfModule mod_deflate.c>\n")
		fmt.Fprintf(&b, "  AddOutputFilterByType DEFLATE %s\n", strings.Join(gz, " "))
		b.WriteString("</IfModule>\n")
	}
	for _, r := range rules {
		var hs []Header
		for _, h := range r.Headers {
			if !isContentType(h.Name) {
				hs = append(hs, h)
			}
		}
		if len(hs) == 0 {
			continue
		}
		indent, closeTag := "", ""
		if r.Pattern != "/*" {
			var open string
			open, closeTag = apacheSection(r.Pattern)
			b.WriteString(open + "\n")
			indent = "  "
		}
		for _, h := range hs {
			fmt.Fprintf(&b, "%sHeader always set %s %q\n", indent, h.Name, h.Value)
		}
		if closeTag != "" {
			b.WriteString(closeTag + "\n")
		}
	}
	w.inOut[".htaccess"] = []byte(b.String())
	return nil
}
