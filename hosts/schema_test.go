package hosts

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Structural checks of each JSON file against its host's documented format
// (Vercel's vercel.json schema in @vercel/routing-utils, Firebase Hosting's
// full-config page, Azure Static Web Apps' configuration page, CloudFront's
// ResponseHeadersPolicyConfig), hand-coded so that tests need no network.

var headerName = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+.^_|~-]+$`)

// object decodes JSON into a map and rejects keys outside allowed.
func object(v any, where string, allowed ...string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: want an object, got %T", where, v)
	}
	for k := range m {
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("%s: unknown key %q (allowed: %v)", where, k, allowed)
		}
	}
	return m, nil
}

func str(v any, where string, maxLen int) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: want a string, got %T", where, v)
	}
	if len(s) == 0 || len(s) > maxLen {
		return "", fmt.Errorf("%s: length %d, want 1..%d", where, len(s), maxLen)
	}
	return s, nil
}

func array(v any, where string, maxItems int) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want an array, got %T", where, v)
	}
	if len(a) > maxItems {
		return nil, fmt.Errorf("%s: %d items, limit %d", where, len(a), maxItems)
	}
	return a, nil
}

// keyValues checks [{"key": ..., "value": ...}] as Vercel and Firebase take.
func keyValues(v any, where string, maxItems, maxValue int) error {
	items, err := array(v, where, maxItems)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return fmt.Errorf("%s: empty", where)
	}
	for i, it := range items {
		w := fmt.Sprintf("%s[%d]", where, i)
		m, err := object(it, w, "key", "value")
		if err != nil {
			return err
		}
		k, err := str(m["key"], w+".key", 4096)
		if err != nil {
			return err
		}
		if !headerName.MatchString(k) {
			return fmt.Errorf("%s.key %q is not a header name", w, k)
		}
		if _, err := str(m["value"], w+".value", maxValue); err != nil {
			return err
		}
	}
	return nil
}

func checkVercelJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	top, err := object(v, "vercel.json", "$schema", "headers", "cleanUrls", "trailingSlash", "redirects", "rewrites")
	if err != nil {
		return err
	}
	items, err := array(top["headers"], "headers", 2048)
	if err != nil {
		return err
	}
	for i, it := range items {
		w := fmt.Sprintf("headers[%d]", i)
		m, err := object(it, w, "source", "headers", "has", "missing")
		if err != nil {
			return err
		}
		src, err := str(m["source"], w+".source", 4096)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(src, "/") {
			return fmt.Errorf("%s.source %q must start with /", w, src)
		}
		if _, err := vercelRegexp(src); err != nil {
			return fmt.Errorf("%s.source: %v", w, err)
		}
		if err := keyValues(m["headers"], w+".headers", 1024, 32768); err != nil {
			return err
		}
	}
	return nil
}

func checkFirebaseJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	top, err := object(v, "firebase.json", "hosting")
	if err != nil {
		return err
	}
	h, err := object(top["hosting"], "hosting", "public", "ignore", "headers", "redirects", "rewrites", "cleanUrls", "trailingSlash", "site", "target")
	if err != nil {
		return err
	}
	if _, err := str(h["public"], "hosting.public", 4096); err != nil {
		return err
	}
	ignore, err := array(h["ignore"], "hosting.ignore", 1000)
	if err != nil {
		return err
	}
	for i, g := range ignore {
		if _, err := str(g, fmt.Sprintf("hosting.ignore[%d]", i), 4096); err != nil {
			return err
		}
	}
	items, err := array(h["headers"], "hosting.headers", 1000)
	if err != nil {
		return err
	}
	for i, it := range items {
		w := fmt.Sprintf("hosting.headers[%d]", i)
		m, err := object(it, w, "source", "glob", "regex", "headers")
		if err != nil {
			return err
		}
		n := 0
		for _, k := range []string{"source", "glob", "regex"} {
			if _, ok := m[k]; ok {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%s: want exactly one of source, glob, regex", w)
		}
		if err := keyValues(m["headers"], w+".headers", 1000, 32768); err != nil {
			return err
		}
	}
	return nil
}

// azureRoutePattern is a route as Azure documents it: an exact path, or a
// wildcard at the end, optionally filtered by extension(s).
var azureRoutePattern = regexp.MustCompile(`^/([A-Za-z0-9._~@/-]*)(\*(\.[A-Za-z0-9]+|\.\{[A-Za-z0-9,]+\})?)?$`)

func checkAzureJSON(data []byte) error {
	if len(data) > azureMaxConfig {
		return fmt.Errorf("staticwebapp.config.json: %d bytes, limit %d", len(data), azureMaxConfig)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	top, err := object(v, "staticwebapp.config.json", "routes", "navigationFallback", "responseOverrides", "globalHeaders", "mimeTypes", "networking", "forwardingGateway", "auth", "platform", "trailingSlash")
	if err != nil {
		return err
	}
	if _, ok := top["navigationFallback"]; ok {
		return fmt.Errorf("navigationFallback would answer a missing .wasm with index.html")
	}
	stringMap := func(v any, where string) (map[string]any, error) {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: want an object, got %T", where, v)
		}
		for k, val := range m {
			if _, err := str(val, where+"."+k, 8192); err != nil {
				return nil, err
			}
		}
		return m, nil
	}
	g, err := stringMap(top["globalHeaders"], "globalHeaders")
	if err != nil {
		return err
	}
	for k := range g {
		if !headerName.MatchString(k) {
			return fmt.Errorf("globalHeaders: %q is not a header name", k)
		}
	}
	mt, err := stringMap(top["mimeTypes"], "mimeTypes")
	if err != nil {
		return err
	}
	for k, val := range mt {
		if !strings.HasPrefix(k, ".") || !strings.Contains(val.(string), "/") {
			return fmt.Errorf("mimeTypes: %q: %q is not .ext: type/subtype", k, val)
		}
	}
	routes, err := array(top["routes"], "routes", 1000)
	if err != nil {
		return err
	}
	for i, it := range routes {
		w := fmt.Sprintf("routes[%d]", i)
		m, err := object(it, w, "route", "methods", "rewrite", "redirect", "statusCode", "headers", "allowedRoles")
		if err != nil {
			return err
		}
		r, err := str(m["route"], w+".route", 4096)
		if err != nil {
			return err
		}
		if !azureRoutePattern.MatchString(r) {
			return fmt.Errorf("%s.route %q: wildcards only at the end, optionally *.ext", w, r)
		}
		if _, err := stringMap(m["headers"], w+".headers"); err != nil {
			return err
		}
	}
	return nil
}

var referrerPolicies = []string{"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"}

func checkCloudFrontPolicy(data []byte) error {
	var p cfPolicy
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`).MatchString(p.Name) {
		return fmt.Errorf("Name %q: letters, digits, - and _, at most 128", p.Name)
	}
	if len(p.Comment) > 128 {
		return fmt.Errorf("Comment: %d characters, limit 128", len(p.Comment))
	}
	if s := p.SecurityHeadersConfig; s != nil {
		if s.ReferrerPolicy != nil && !slices.Contains(referrerPolicies, s.ReferrerPolicy.ReferrerPolicy) {
			return fmt.Errorf("ReferrerPolicy %q is not one CloudFront takes", s.ReferrerPolicy.ReferrerPolicy)
		}
		if s.ContentSecurityPolicy != nil && len(s.ContentSecurityPolicy.ContentSecurityPolicy) > cloudFrontMaxCSP {
			return fmt.Errorf("ContentSecurityPolicy over %d characters", cloudFrontMaxCSP)
		}
	}
	if c := p.CustomHeadersConfig; c != nil {
		if c.Quantity != len(c.Items) {
			return fmt.Errorf("CustomHeadersConfig.Quantity %d, but %d items", c.Quantity, len(c.Items))
		}
		for _, h := range c.Items {
			switch strings.ToLower(h.Header) {
			case "x-content-type-options", "referrer-policy", "content-security-policy", "x-frame-options", "strict-transport-security", "x-xss-protection":
				return fmt.Errorf("custom header %s belongs in SecurityHeadersConfig", h.Header)
			}
		}
	}
	return nil
}

// checkHeadersFileFormat checks _headers against Cloudflare's documented
// rules (the stricter of the two hosts).
func checkHeadersFileFormat(data []byte) error {
	rules, err := parseHeadersFile(string(data))
	if err != nil {
		return err
	}
	if len(rules) > cloudflareMaxRules {
		return fmt.Errorf("%d rules, limit %d", len(rules), cloudflareMaxRules)
	}
	for i, line := range strings.Split(string(data), "\n") {
		if len(line) > cloudflareMaxLineSize {
			return fmt.Errorf("line %d: %d characters, limit %d", i+1, len(line), cloudflareMaxLineSize)
		}
	}
	for _, r := range rules {
		if len(r.Headers) == 0 {
			return fmt.Errorf("%s: no headers", r.Pattern)
		}
	}
	return nil
}

func TestHostFilesFollowDocumentedFormats(t *testing.T) {
	for _, fx := range fixtureSpecs {
		t.Run(fx.name, func(t *testing.T) {
			rules, _ := Rules(fx.spec)
			inOut, beside, err := Write(rules, fx.spec, fx.hosts)
			if err != nil {
				t.Fatal(err)
			}
			for name, check := range map[string]func([]byte) error{
				"_headers":                 checkHeadersFileFormat,
				"vercel.json":              checkVercelJSON,
				"firebase.json":            checkFirebaseJSON,
				"staticwebapp.config.json": checkAzureJSON,
			} {
				if err := check(inOut[name]); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
			if err := checkCloudFrontPolicy(beside["cloudfront-policy.json"]); err != nil {
				t.Errorf("cloudfront-policy.json: %v", err)
			}
		})
	}
}

// TestFormatChecksCatchMistakes shows the format checks above can fail.
func TestFormatChecksCatchMistakes(t *testing.T) {
	for _, tt := range []struct {
		name  string
		check func([]byte) error
		data  string
	}{
		{"vercel unknown key", checkVercelJSON, `{"headers":[{"source":"/","headers":[{"key":"A","value":"b"}],"src":"/"}]}`},
		{"vercel unescaped colon", checkVercelJSON, `{"headers":[{"source":"/a:b","headers":[{"key":"A","value":"b"}]}]}`},
		{"vercel bad header name", checkVercelJSON, `{"headers":[{"source":"/","headers":[{"key":"A B","value":"b"}]}]}`},
		{"firebase no public", checkFirebaseJSON, `{"hosting":{"ignore":[],"headers":[]}}`},
		{"firebase two matchers", checkFirebaseJSON, `{"hosting":{"public":".","ignore":[],"headers":[{"source":"**","glob":"**","headers":[{"key":"A","value":"b"}]}]}}`},
		{"azure fallback", checkAzureJSON, `{"navigationFallback":{"rewrite":"/index.html"},"globalHeaders":{},"mimeTypes":{},"routes":[]}`},
		{"azure mid wildcard", checkAzureJSON, `{"globalHeaders":{},"mimeTypes":{},"routes":[{"route":"/*/x.js","headers":{}}]}`},
		{"azure too big", checkAzureJSON, `{"globalHeaders":{"A":"` + strings.Repeat("x", azureMaxConfig) + `"},"mimeTypes":{},"routes":[]}`},
		{"cloudfront quantity", checkCloudFrontPolicy, `{"Name":"a","Comment":"","CustomHeadersConfig":{"Quantity":2,"Items":[{"Header":"A","Value":"b","Override":true}]}}`},
		{"cloudfront referrer", checkCloudFrontPolicy, `{"Name":"a","Comment":"","SecurityHeadersConfig":{"ReferrerPolicy":{"ReferrerPolicy":"never","Override":true}}}`},
		{"headers two splats", checkHeadersFileFormat, "/*/x/*\n  A: b\n"},
		{"headers long line", checkHeadersFileFormat, "/*\n  A: " + strings.Repeat("x", 2000) + "\n"},
		{"headers too many rules", checkHeadersFileFormat, strings.Repeat("/x\n  A: b\n", 101)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.check([]byte(tt.data)); err == nil {
				t.Error("accepted")
			}
		})
	}
}
