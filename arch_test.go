package pwagen

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/pwagen/pwagen"

// arrow is a forbidden import: no package matching from may depend on a
// package matching to, even through others.
type arrow struct{ from, to, line string }

// forbiddenArrows reads the list under "## Architecture" in docs/design.md:
// lines "- `A` ↛ `B`...". A and B are packages, relative to the module
// unless they hold a dot; "X/..." is X and every package below it.
func forbiddenArrows(t *testing.T) []arrow {
	doc, err := os.ReadFile("docs/design.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(doc), "\n## Architecture\n")
	if !ok {
		t.Fatal("docs/design.md has no ## Architecture section")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var arrows []arrow
	re := regexp.MustCompile("(?m)^- `([^`]+)` ↛ `([^`]+)`")
	for _, m := range re.FindAllStringSubmatch(sec, -1) {
		arrows = append(arrows, arrow{full(m[1]), full(m[2]), m[0]})
	}
	if len(arrows) < 10 {
		t.Fatalf("docs/design.md lists %d forbidden arrows; the list is gone or its syntax changed", len(arrows))
	}
	return arrows
}

func full(p string) string {
	first, _, _ := strings.Cut(p, "/")
	if strings.Contains(first, ".") {
		return p
	}
	return module + "/" + p
}

// matches tells whether pkg is pattern, or below it for "X/...".
func matches(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

// TestForbiddenArrows checks the architecture's forbidden arrows against
// the packages' dependencies (not their tests').
func TestForbiddenArrows(t *testing.T) {
	out, err := exec.Command("go", "list", "-e", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		deps[f[0]] = f[1:]
	}
	for _, a := range forbiddenArrows(t) {
		from := 0
		for pkg, ds := range deps {
			if !matches(a.from, pkg) {
				continue
			}
			from++
			for _, d := range ds {
				if matches(a.to, d) {
					t.Errorf("%s depends on %s, which docs/design.md forbids:\n\t%s", pkg, d, a.line)
					break
				}
			}
		}
		if from == 0 {
			t.Errorf("no package matches %s: fix the arrow in docs/design.md:\n\t%s", a.from, a.line)
		}
	}
}
