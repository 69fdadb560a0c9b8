package hosts

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParseHeadersFile: the _headers reader never panics, and whatever it
// accepts that is a valid rule list renders back to the same rules.
func FuzzParseHeadersFile(f *testing.F) {
	rules, _ := Rules(Spec{Files: fixtureFiles, Isolation: "headers"})
	f.Add(string(headersFile(rules)))
	f.Add("# comment\n/*\n  X-A: b\n\n/sw.js\n  Cache-Control: no-cache\n")
	f.Add("  X-A: b\n")
	f.Add("/a\n  no colon\n")
	f.Fuzz(func(t *testing.T, data string) {
		got, err := parseHeadersFile(data)
		if err != nil || checkRules(got) != nil {
			return
		}
		again, err := parseHeadersFile(string(headersFile(got)))
		if err != nil {
			t.Fatalf("rendered rules do not parse: %v", err)
		}
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("round trip changed the rules:\n%s\nto\n%s", rulesText(got), rulesText(again))
		}
	})
}

// FuzzWriteReadsBack: for any package file list, every host file Write
// produces reads back to exactly the rule list.
func FuzzWriteReadsBack(f *testing.F) {
	var names []string
	for _, fl := range fixtureFiles {
		names = append(names, fl.Name)
	}
	f.Add(strings.Join(names, "\n"), uint64(0b11111110000), true)
	f.Add("index.html\nsw.js\na.tar.gz\nb.gz\nw/x.bin\nw/y.bin", uint64(0b010101), false)
	f.Add("LICENSE\n.well-known/a.json\nz.JS", uint64(1), true)
	f.Add("index.html\nsw.js\napp-1a2b3c4d.js\nimg/a.png\nimg/b.png\nimg/c.png\nicons/i-1a2b3c4d.png\nd/e/f.json\nd/g-1a2b3c4d.json", uint64(0b101000100), false) // grouped by folder
	f.Fuzz(func(t *testing.T, list string, hashed uint64, threads bool) {
		var s Spec
		s.Isolation, s.Threads = "service-worker", threads
		for i, n := range strings.Split(list, "\n") {
			s.Files = append(s.Files, File{Name: n, Hashed: hashed>>(i%64)&1 == 1})
		}
		rules, err := Rules(s)
		if err != nil {
			return // bad names are rejected with a message, never rendered
		}
		inOut, beside, err := Write(rules, s, nil)
		if err != nil {
			if strings.Contains(err.Error(), "limit") {
				return // a documented host limit
			}
			t.Fatalf("Write: %v", err)
		}
		checkParseBack(t, rules, s, inOut, beside)
	})
}
