package browser

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Target
		err  string
	}{
		{in: "chrome100", want: Target{"chrome", "100"}},
		{in: "safari16.4", want: Target{"safari", "16.4"}},
		{in: "ios14.5.1", want: Target{"ios", "14.5.1"}},
		{in: "opera90", err: `pwagen does not know the WebAssembly support of "opera"`},
		{in: "Chrome100", err: `"Chrome"`},
		{in: "chrome", err: "is not a browser target"},
		{in: "100", err: "is not a browser target"},
		{in: "", err: "is not a browser target"},
		{in: "chrome1000", err: "version 1000 is over 999"},
		{in: "chrome1.2.3.4", err: "not up to three numbers"},
		{in: "chrome1..2", err: "not up to three numbers"},
		{in: "chrome1.", err: "not up to three numbers"},
		{in: "chrome1+1", err: "not up to three numbers"},
		{in: "chrome99999999999999999999999", err: "is over 999"},
	} {
		got, err := Parse(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Parse(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestLess(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"16.4", "16.10", true}, {"16.10", "17", true}, {"17", "16.4", false}, {"79", "79", false}, {"79", "79.0", false},
	} {
		if got := Less(tt.a, tt.b); got != tt.want {
			t.Errorf("Less(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}

// FuzzParse: a parsed target prints back as its input, and every browser it
// names has a title.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := Parse(s)
		if err != nil {
			return
		}
		if tg.String() != s || titles[tg.Browser] == "" {
			t.Fatalf("Parse(%q) = %+v", s, tg)
		}
	})
}
