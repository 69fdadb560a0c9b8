package templates_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/templates"
)

// modulePath is the module path syntax golang.org/x/mod/module.CheckPath
// accepts for an example.com path: lower-case ASCII letters, digits and
// "-._~", no element starting with a dash or dot or ending with a dot.
var modulePath = regexp.MustCompile(`^example\.com/[a-z0-9_~][a-z0-9._~-]*[a-z0-9_~-]$|^example\.com/[a-z0-9_~]$`)

func TestDataFor(t *testing.T) {
	for _, tc := range []struct {
		dir  string
		want templates.Data
	}{
		{"demo", templates.Data{"Demo", "Demo", "example.com/demo"}},
		{"my app", templates.Data{"My app", "My app", "example.com/my-app"}},
		{"/tmp/x/ünïcødé", templates.Data{"Ünïcødé", "Ünïcødé", "example.com/unicode"}},
		{"数字", templates.Data{"数字", "数字", "example.com/app"}},
		{"数字 v2", templates.Data{"数字 v2", "数字 v2", "example.com/v2"}},
		{"élan-vital_2", templates.Data{"Élan vital 2", "Élan vital 2", "example.com/elan-vital-2"}},
		{"a very long project name", templates.Data{"A very long project name", "A very long", "example.com/a-very-long-project-name"}},
		{"---", templates.Data{"Model", "Model", "example.com/model"}},
	} {
		got := templates.DataFor(tc.dir)
		if got != tc.want {
			t.Errorf("DataFor(%q) = %+v, want %+v", tc.dir, got, tc.want)
		}
		if !modulePath.MatchString(got.Module) {
			t.Errorf("DataFor(%q).Module = %q: not a valid module path", tc.dir, got.Module)
		}
	}
}

// TestScaffoldNames scaffolds each template into a folder with a
// non-ASCII name: pwagen.toml parses, with the name unbroken, and the
// page's title is the app's name.
func TestScaffoldNames(t *testing.T) {
	for _, name := range templates.Names() {
		t.Run(name, func(t *testing.T) {
			tmpl, _ := templates.Project(name)
			dir := filepath.Join(t.TempDir(), "ünïcødé")
			if err := templates.Scaffold(dir, tmpl); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.App.Name != "Ünïcødé" || cfg.App.ShortName != "Ünïcødé" {
				t.Errorf("name %q, short_name %q; want Ünïcødé", cfg.App.Name, cfg.App.ShortName)
			}
			page, err := os.ReadFile(filepath.Join(dir, "web", "index.html"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(page), "<title>Ünïcødé</title>") {
				t.Errorf("web/index.html's title is not the app's name:\n%s", page[:min(len(page), 300)])
			}
		})
	}
}

// TestScaffoldExists: a folder with files is refused and left as it was.
func TestScaffoldExists(t *testing.T) {
	dir := t.TempDir()
	note := filepath.Join(dir, "notes.txt")
	os.WriteFile(note, []byte("mine"), 0o644)
	tmpl, _ := templates.Project("default")
	err := templates.Scaffold(dir, tmpl)
	var exists *templates.ExistsError
	if !errors.As(err, &exists) {
		t.Fatalf("got %v, want *ExistsError", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries after a refused scaffold, want 1", len(entries))
	}
	if siblings, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".pwagen-new-*")); len(siblings) > 0 {
		t.Errorf("left behind: %v", siblings)
	}
}
