package hosts

import (
	"fmt"
	"regexp"
	"strings"
)

type kv struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type sourceHeaders struct {
	Source  string `json:"source"`
	Headers []kv   `json:"headers"`
}

func kvs(hs []Header) []kv {
	out := make([]kv, len(hs))
	for i, h := range hs {
		out[i] = kv{h.Name, h.Value}
	}
	return out
}

// vercelSource writes a pattern in Vercel's path-to-regexp syntax.
func vercelSource(p string) string {
	switch k, stem := patternKind(p); k {
	case kindAll:
		return "/(.*)"
	case kindPrefix:
		return pathToRegexpEscape(stem) + "(.*)"
	case kindSuffix:
		return "/(.*)" + pathToRegexpEscape(stem)
	}
	return pathToRegexpEscape(p)
}

// pathToRegexpEscape escapes path-to-regexp's special characters; "." is
// escaped too so that "\\.wasm" reads as a literal dot in every version.
func pathToRegexpEscape(s string) string {
	return regexp.MustCompile(`[.:*()?+{}\[\]\\]`).ReplaceAllString(s, `\$0`)
}

// writeVercel renders vercel.json: one "headers" entry per rule. Vercel
// applies every matching entry.
func writeVercel(w *output, rules []Rule, s Spec) error {
	type vercel struct {
		Schema  string          `json:"$schema"`
		Headers []sourceHeaders `json:"headers"`
	}
	v := vercel{Schema: "https://openapi.vercel.sh/vercel.json"}
	for _, r := range rules {
		v.Headers = append(v.Headers, sourceHeaders{vercelSource(r.Pattern), kvs(r.Headers)})
	}
	data, err := marshal(v)
	w.inOut["vercel.json"] = data
	return err
}

// firebaseGlob writes a pattern as a Firebase Hosting glob.
func firebaseGlob(p string) string {
	switch k, stem := patternKind(p); k {
	case kindAll:
		return "**"
	case kindPrefix:
		return stem + "**"
	case kindSuffix:
		return "**/*" + stem
	}
	return p
}

// writeFirebase renders firebase.json for `firebase deploy` run inside OUT
// ("public": "."), ignoring the other hosts' files.
func writeFirebase(w *output, rules []Rule, s Spec) error {
	type hosting struct {
		Public  string          `json:"public"`
		Ignore  []string        `json:"ignore"`
		Headers []sourceHeaders `json:"headers"`
	}
	h := hosting{Public: ".", Ignore: []string{"firebase.json", "**/.*", "_headers", "vercel.json", "staticwebapp.config.json"}}
	for _, r := range rules {
		h.Headers = append(h.Headers, sourceHeaders{firebaseGlob(r.Pattern), kvs(r.Headers)})
	}
	data, err := marshal(map[string]any{"hosting": h})
	w.inOut["firebase.json"] = data
	return err
}

// Azure Static Web Apps' documented limit for staticwebapp.config.json.
const azureMaxConfig = 20 * 1024

// azureRoute writes a pattern as an Azure route: wildcards at the end only,
// optionally filtered by extension.
func azureRoute(p string) string { return p }

// writeAzure renders staticwebapp.config.json: "/*" as globalHeaders,
// Content-Type by extension as mimeTypes, the rest as routes. Azure applies
// only the first matching route, so the routes must not overlap; no
// navigationFallback, so a missing file is a 404.
func writeAzure(w *output, rules []Rule, s Spec) error {
	global, types, rest := split(rules)
	type route struct {
		Route   string            `json:"route"`
		Headers map[string]string `json:"headers"`
	}
	cfg := struct {
		GlobalHeaders map[string]string `json:"globalHeaders"`
		MimeTypes     map[string]string `json:"mimeTypes"`
		Routes        []route           `json:"routes"`
	}{GlobalHeaders: map[string]string{}, MimeTypes: map[string]string{}}
	for _, h := range global {
		cfg.GlobalHeaders[h.Name] = h.Value
	}
	for _, t := range types {
		cfg.MimeTypes[t.Ext] = t.Type
	}
	for i, r := range rest {
		for _, q := range rest[:i] {
			if ex, ok := overlap(r.Pattern, q.Pattern); ok {
				return fmt.Errorf("routes %s and %s both match paths such as %s, and Azure applies only the first matching route; make the rules disjoint", q.Pattern, r.Pattern, ex)
			}
		}
		hs := map[string]string{}
		for _, h := range r.Headers {
			hs[h.Name] = h.Value
		}
		cfg.Routes = append(cfg.Routes, route{azureRoute(r.Pattern), hs})
	}
	data, err := marshal(cfg)
	if err != nil {
		return err
	}
	if n := len(data); n > azureMaxConfig {
		return fmt.Errorf("staticwebapp.config.json is %d bytes, %d over Azure Static Web Apps' limit of %d bytes (20 KB); %s; or remove azure from [deploy] hosts",
			n, n-azureMaxConfig, azureMaxConfig, singleFiles(rules))
	}
	w.inOut["staticwebapp.config.json"] = data
	return nil
}

func writeGitHubPages(w *output, rules []Rule, s Spec) error {
	// GitHub Pages sets its own headers (Cache-Control max-age=600, types
	// by extension) and cannot be told otherwise; .nojekyll stops Jekyll
	// from dropping files and folders whose names start with "_".
	w.inOut[".nojekyll"] = []byte{}
	return nil
}

var _ = strings.TrimSpace
