package hosts

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/golden"
)

// rulesText is a readable dump of a rule list.
func rulesText(rules []Rule) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.Pattern + "\n")
		for _, h := range r.Headers {
			fmt.Fprintf(&b, "  %s: %s\n", h.Name, h.Value)
		}
	}
	return b.String()
}

func TestWriteGolden(t *testing.T) {
	for _, fx := range fixtureSpecs {
		t.Run(fx.name, func(t *testing.T) {
			rules, err := Rules(fx.spec)
			if err != nil {
				t.Fatal(err)
			}
			golden.AssertFile(t, filepath.Join("testdata", "TestWriteGolden", fx.name, "rules.golden"), []byte(rulesText(rules)))
			inOut, beside, err := Write(rules, fx.spec, fx.hosts)
			if err != nil {
				t.Fatal(err)
			}
			for dir, files := range map[string]map[string][]byte{"out": inOut, "beside": beside} {
				var names []string
				for n := range files {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					golden.AssertFile(t, filepath.Join("testdata", "TestWriteGolden", fx.name, dir, n+".golden"), files[n])
				}
				golden.AssertFile(t, filepath.Join("testdata", "TestWriteGolden", fx.name, dir+".list.golden"), []byte(strings.Join(names, "\n")+"\n"))
			}
		})
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	for _, fx := range fixtureSpecs {
		rules, _ := Rules(fx.spec)
		a1, b1, err := Write(rules, fx.spec, fx.hosts)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			// Shuffled file order must not change the output.
			spec := fx.spec
			spec.Files = append([]File(nil), fx.spec.Files...)
			for i, j := 0, len(spec.Files)-1; i < j; i, j = i+1, j-1 {
				spec.Files[i], spec.Files[j] = spec.Files[j], spec.Files[i]
			}
			rules2, _ := Rules(spec)
			a2, b2, err := Write(rules2, spec, fx.hosts)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(a1) != fmt.Sprint(a2) || fmt.Sprint(b1) != fmt.Sprint(b2) {
				t.Fatalf("%s: output changed between runs", fx.name)
			}
		}
	}
}
