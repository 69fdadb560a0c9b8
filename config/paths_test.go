package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadPathsInsideProject: every path of pwagen.toml must resolve
// inside the project after symlinks (issue 12, defect 9).
func TestLoadPathsInsideProject(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "shadow")
	os.WriteFile(secret, []byte("root:x"), 0o600)
	for _, tt := range []struct {
		name  string
		setup func(dir string) // beside the good config
		old   string           // replaced in good by new
		new   string
		opts  []Option
		want  string // "" means it loads
	}{
		{"the good config", nil, "", "", nil, ""},
		{"absolute weights outside", nil, `weights = "weights/iris.bin"`, `weights = "/etc/shadow"`, nil,
			`pwagen.toml:8: model.weights: "/etc/shadow" resolves to /etc/shadow, outside the project folder`},
		{"the flag's hint", nil, `weights = "weights/iris.bin"`, `weights = "/etc/shadow"`, nil, "--weights PATH"},
		{"relative escape", nil, `weights = "weights/iris.bin"`, `weights = "../../shadow"`, nil, "outside the project folder"},
		{"symlinked weights", func(dir string) {
			os.MkdirAll(filepath.Join(dir, "weights"), 0o755)
			os.Symlink(secret, filepath.Join(dir, "weights", "iris.bin"))
		}, "", "", nil, "model.weights: \"weights/iris.bin\" resolves to " + secret},
		{"symlinked web folder", func(dir string) { os.Symlink(outside, filepath.Join(dir, "web")) }, "", "", nil,
			`app.web: "web" resolves to ` + outside},
		{"icon", nil, `theme_color = "#2f6f4e"`, "theme_color = \"#2f6f4e\"\nicon = \"/etc/passwd\"", nil, `pwagen.toml:5: app.icon: "/etc/passwd" resolves to /etc/passwd`},
		{"web", nil, `theme_color = "#2f6f4e"`, "theme_color = \"#2f6f4e\"\nweb = \"/etc\"", nil, `pwagen.toml:5: app.web: "/etc" resolves to /etc`},
		{"package", nil, `package = "./model"`, `package = "../../elsewhere"`, nil, `pwagen.toml:7: model.package: "../../elsewhere" resolves to`},
		{"wasm outside", nil, `package = "./model"`, `wasm = "../../elsewhere/model.wasm"`, nil, `pwagen.toml:7: model.wasm: "../../elsewhere/model.wasm" resolves to`},
		{"wasm absolute outside", nil, `package = "./model"`, "wasm = \"/tmp/model.wasm\"\nbuild = [\"cargo\", \"build\"]", nil, `model.wasm: "/tmp/model.wasm" resolves to /tmp/model.wasm, outside the project folder`},
		{"wasm inside, not built yet", nil, `package = "./model"`, "wasm = \"target/wasm32-wasi/release/model.wasm\"\nbuild = [\"/opt/any/toolchain\", \"--flag\"]", nil, ""},
		{"dangling symlink pointing out", func(dir string) {
			os.MkdirAll(filepath.Join(dir, "weights"), 0o755)
			os.Symlink(filepath.Join(outside, "not-yet"), filepath.Join(dir, "weights", "iris.bin"))
		}, "", "", nil, "resolves to " + filepath.Join(outside, "not-yet")},
		{"weights outside named by the flag", nil, `weights = "weights/iris.bin"`, `weights = "/etc/shadow"`, []Option{WithWeights(secret)}, ""},
		{"a symlink that stays inside is fine", func(dir string) {
			os.MkdirAll(filepath.Join(dir, "data"), 0o755)
			os.Symlink("data", filepath.Join(dir, "weights"))
		}, "", "", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.setup != nil {
				tt.setup(dir)
			}
			os.WriteFile(filepath.Join(dir, FileName), []byte(strings.Replace(good, tt.old, tt.new, 1)), 0o644)
			c, err := Load(dir, tt.opts...)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tt.opts != nil && c.Model.Weights != secret {
					t.Errorf("weights %s, want the flag's %s", c.Model.Weights, secret)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadDevice(t *testing.T) {
	_, err := Load("/dev/zero")
	if err == nil || !strings.Contains(err.Error(), "/dev/zero: the config file is a device, not a regular file") {
		t.Fatalf("got %v", err)
	}
}
