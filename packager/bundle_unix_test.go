//go:build unix

package packager

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestBundleAppStaysInProject: an import may not reach outside the project,
// nor read a device (issue 12, defects 5 and 9).
func TestBundleAppStaysInProject(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.png")
	os.WriteFile(secret, []byte("\x89PNG secret"), 0o644)
	for _, tt := range []struct{ app, want string }{
		{"import logo from '" + secret + "';\nconsole.log(logo);\n", "secret.png resolves to " + secret + ", outside the project"},
		{"import z from '/dev/zero';\nconsole.log(z);\n", "/dev/zero resolves to /dev/zero, outside the project"},
	} {
		c := newProject(t, map[string]string{"web/app.js": tt.app})
		err := bundleApp(context.Background(), NewBuild(c, ""))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.app, err, tt.want)
		}
	}
	c := newProject(t, map[string]string{"web/app.js": "import p from './pipe.txt';\nconsole.log(p);\n"})
	if err := syscall.Mkfifo(filepath.Join(c.Dir, "web", "pipe.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := bundleApp(context.Background(), NewBuild(c, ""))
	if err == nil || !strings.Contains(err.Error(), "web/app.js:1:15: ") || !strings.Contains(err.Error(), "pipe.txt: the web file is a named pipe, not a regular file") {
		t.Errorf("a named pipe: error %v", err)
	}
}
