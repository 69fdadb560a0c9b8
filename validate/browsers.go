package validate

import "github.com/pwagen/pwagen/internal/browser"

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
type Target = browser.Target

// ParseTarget parses a target such as "firefox115".
func ParseTarget(s string) (Target, error) { return browser.Parse(s) }

// firstVersion returns the first version of t's browser with feature f, or "".
func firstVersion(name, feature string) string {
	s, ok := browserSupport[feature]
	if !ok {
		return "" // a feature nobody listed: assume no browser has it
	}
	switch name {
	case "chrome":
		return s.Chrome
	case "edge":
		if s.Chrome == "" {
			return ""
		}
		if browser.Less(s.Chrome, "79") {
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
func supports(t Target, f string) (bool, string) {
	v := firstVersion(t.Browser, f)
	return v != "" && !browser.Less(t.Version, v), v
}
