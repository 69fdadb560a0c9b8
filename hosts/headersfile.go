package hosts

import (
	"fmt"
	"strings"
)

// Cloudflare Pages' documented limits for _headers.
const (
	cloudflareMaxRules    = 100
	cloudflareMaxLineSize = 2000
)

// headersFile renders the _headers file that Netlify and Cloudflare Pages
// read from the published folder: one block per rule, the pattern on its own
// line and "  Name: value" lines under it. Both hosts add the headers of
// every matching block, which is HeadersFor's union.
func headersFile(rules []Rule) []byte {
	var b strings.Builder
	b.WriteString("# " + generated + "\n")
	for _, r := range rules {
		b.WriteString(r.Pattern + "\n")
		for _, h := range r.Headers {
			fmt.Fprintf(&b, "  %s: %s\n", h.Name, h.Value)
		}
	}
	return []byte(b.String())
}

func writeNetlify(w *output, rules []Rule, s Spec) error {
	w.inOut["_headers"] = headersFile(rules)
	return nil
}

func writeCloudflare(w *output, rules []Rule, s Spec) error {
	if n := len(rules); n > cloudflareMaxRules {
		return fmt.Errorf("_headers has %d rules, %d over Cloudflare Pages' limit of %d; %s; or remove cloudflare from [deploy] hosts",
			n, n-cloudflareMaxRules, cloudflareMaxRules, singleFiles(rules))
	}
	data := headersFile(rules)
	for i, line := range strings.Split(string(data), "\n") {
		if n := len(line); n > cloudflareMaxLineSize {
			return fmt.Errorf("_headers:%d is %d characters, %d over Cloudflare Pages' limit of %d a line; shorten the header value or the file name",
				i+1, n, n-cloudflareMaxLineSize, cloudflareMaxLineSize)
		}
	}
	w.inOut["_headers"] = data
	// Without a top-level 404.html, Cloudflare Pages treats the site as a
	// single-page app and answers every missing path with index.html and
	// 200, so a missing .wasm would come back as HTML.
	if !hasFile(s, "404.html") {
		w.inOut["404.html"] = notFoundPage
	}
	return nil
}

// notFoundPage is a 404 page with nothing inline, so it passes the CSP.
var notFoundPage = []byte("<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>Not found</title><h1>Not found</h1><p>This file is not part of the app.</p></html>\n")

func hasFile(s Spec, name string) bool {
	for _, f := range s.Files {
		if f.Name == name {
			return true
		}
	}
	return false
}
