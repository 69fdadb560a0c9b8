package validate

import (
	"fmt"
	"strconv"
	"strings"
)

// support is the first browser version that runs a feature without a flag;
// "" means no release supports it yet.
type support struct {
	Chrome, Firefox, Safari string
	IOS                     string // iOS Safari, when it differs from desktop Safari
}

// browserSupport is the first Chrome, Firefox and Safari release with each
// WebAssembly feature, keyed by the feature names validate reports. Edge is
// Chrome's engine from Edge 79 on, so its version is max(Chrome, 79).
//
// Sources (read November 2026):
//   - webassembly.org/features, whose data is features.json in
//     github.com/WebAssembly/website (the "browsers" block);
//   - MDN browser-compat-data, webassembly.* entries, for the iOS notes
//     (sign-extension and threads: desktop Safari 14.1, iOS Safari 14.5).
//
// Where they differ from older notes (some list sign-extension in Chrome 69,
// behind an origin trial), the webassembly.org table wins.
var browserSupport = map[string]support{
	"bulk-memory":               {Chrome: "75", Firefox: "79", Safari: "15"},
	"exception-handling":        {Chrome: "95", Firefox: "100", Safari: "15.2"}, // legacy try/catch; exnref: 137, 131, 18.4
	"extended-const":            {Chrome: "114", Firefox: "112", Safari: "17.4"},
	"gc":                        {Chrome: "119", Firefox: "120", Safari: "18.2"},
	"memory64":                  {Chrome: "133", Firefox: "134"},
	"multi-memory":              {Chrome: "120", Firefox: "125"},
	"multi-value":               {Chrome: "85", Firefox: "78", Safari: "13.1"},
	"nontrapping-float-to-int":  {Chrome: "75", Firefox: "64", Safari: "15"},
	"reference-types":           {Chrome: "96", Firefox: "79", Safari: "15"},
	"sign-extension":            {Chrome: "74", Firefox: "62", Safari: "14.1", IOS: "14.5"},
	"simd":                      {Chrome: "91", Firefox: "89", Safari: "16.4"},
	"tail-call":                 {Chrome: "112", Firefox: "121", Safari: "18.2"},
	"threads":                   {Chrome: "74", Firefox: "79", Safari: "14.1", IOS: "14.5"},
	"typed-function-references": {Chrome: "119", Firefox: "120", Safari: "18"},
	"custom-page-sizes":         {},
}

// Target is one browser and version, parsed from esbuild's syntax
// ("chrome100", "safari16.4").
type Target struct {
	Browser string // chrome, edge, firefox, safari, ios
	Version string
}

var browserTitles = map[string]string{"chrome": "Chrome", "edge": "Edge", "firefox": "Firefox", "safari": "Safari", "ios": "iOS Safari"}

// ParseTarget parses an esbuild-style target such as "firefox115".
func ParseTarget(s string) (Target, error) {
	i := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	if i <= 0 {
		return Target{}, fmt.Errorf("browser target %q: want a browser and a version, like \"chrome100\" or \"safari16.4\"", s)
	}
	t := Target{Browser: strings.ToLower(s[:i]), Version: s[i:]}
	if _, ok := browserTitles[t.Browser]; !ok {
		return Target{}, fmt.Errorf("browser target %q: unknown browser %q (want chrome, edge, firefox, safari or ios)", s, s[:i])
	}
	if _, err := parseVersion(t.Version); err != nil {
		return Target{}, fmt.Errorf("browser target %q: %v", s, err)
	}
	return t, nil
}

func (t Target) String() string { return t.Browser + t.Version }

// title is the browser's display name with its version: "Safari 16.4".
func (t Target) title() string { return browserTitles[t.Browser] + " " + t.Version }

// firstVersion returns the first version of t's browser with feature f, or "".
func firstVersion(browser, feature string) string {
	s, ok := browserSupport[feature]
	if !ok {
		return "" // a feature nobody listed: assume no browser has it
	}
	switch browser {
	case "chrome":
		return s.Chrome
	case "edge":
		if s.Chrome == "" {
			return ""
		}
		if versionLess(s.Chrome, "79") {
			return "79"
		}
		return s.Chrome
	case "firefox":
		return s.Firefox
	case "ios":
		if s.IOS != "" {
			return s.IOS
		}
	}
	return s.Safari
}

// supports reports whether t runs feature f, and the first version that does.
func (t Target) supports(f string) (bool, string) {
	v := firstVersion(t.Browser, f)
	return v != "" && !versionLess(t.Version, v), v
}

func parseVersion(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("version %q is not numbers separated by dots", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// versionLess compares dotted versions numerically: 16.4 < 16.10 < 17.
func versionLess(a, b string) bool {
	x, _ := parseVersion(a)
	y, _ := parseVersion(b)
	for i := 0; i < max(len(x), len(y)); i++ {
		var p, q int
		if i < len(x) {
			p = x[i]
		}
		if i < len(y) {
			q = y[i]
		}
		if p != q {
			return p < q
		}
	}
	return false
}
