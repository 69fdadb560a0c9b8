// Package browser parses the browser targets of pwagen.toml ("chrome100",
// "safari16.4"): the one parser that config, validate and the packager use.
package browser

import (
	"fmt"
	"strconv"
	"strings"
)

// Target is one browser and the oldest version to support.
type Target struct {
	Browser string // one of Names
	Version string // dotted numbers: "100", "16.4"
}

func (t Target) String() string { return t.Browser + t.Version }

// Name is the browser's display name: "iOS Safari".
func (t Target) Name() string { return titles[t.Browser] }

// Title is the browser's display name with its version: "Safari 16.4".
func (t Target) Title() string { return titles[t.Browser] + " " + t.Version }

// names lists the browsers pwagen knows the WebAssembly support of, in
// documentation order; titles are their display names.
var (
	names  = []string{"chrome", "edge", "firefox", "safari", "ios"}
	titles = map[string]string{"chrome": "Chrome", "edge": "Edge", "firefox": "Firefox", "safari": "Safari", "ios": "iOS Safari"}
)

// Names is every browser a target may name.
func Names() []string { return append([]string(nil), names...) }

// MaxVersion bounds each part of a version: a typo such as "chrome1000"
// would otherwise pass every check.
const MaxVersion = 999

// Parse reads a target such as "firefox115" or "safari16.4".
func Parse(s string) (Target, error) {
	i := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	if i <= 0 {
		return Target{}, fmt.Errorf("%q is not a browser target; write a browser and its version, such as \"chrome100\", \"edge100\", \"firefox115\" or \"safari16.4\"", s)
	}
	t := Target{Browser: s[:i], Version: s[i:]}
	if _, ok := titles[t.Browser]; !ok {
		return Target{}, fmt.Errorf("%q: pwagen does not know the WebAssembly support of %q; use one of %s", s, t.Browser, strings.Join(names, ", "))
	}
	if _, err := Version(t.Version); err != nil {
		return Target{}, fmt.Errorf("%q: %v", s, err)
	}
	return t, nil
}

// Version reads a dotted version, each part at most MaxVersion.
func Version(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ".") {
		if p == "" || strings.TrimLeft(p, "0123456789") != "" || len(out) == 3 {
			return nil, fmt.Errorf("version %q is not up to three numbers separated by dots", s)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n > MaxVersion {
			return nil, fmt.Errorf("version %s is over %d, which no browser has reached; give the oldest version to support, such as \"chrome100\" or \"safari16.4\"", p, MaxVersion)
		}
		out = append(out, n)
	}
	return out, nil
}

// Less compares dotted versions numerically: 16.4 < 16.10 < 17. Versions
// that do not parse compare as 0.
func Less(a, b string) bool {
	x, _ := Version(a)
	y, _ := Version(b)
	for i := range max(len(x), len(y)) {
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
