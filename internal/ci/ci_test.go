package ci

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMissing runs itself as a child test, which calls Missing: with
// CI=true the child fails, without it the child is skipped.
func TestMissing(t *testing.T) {
	if os.Getenv("PWAGEN_CI_CHILD") == "1" {
		Missing(t, "frobnicator not found; apt-get install -y %s", "frobnicator")
		t.Fatal("Missing returned")
	}
	for _, tt := range []struct{ ci, want string }{{"true", "--- FAIL"}, {"", "--- SKIP"}} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissing$", "-test.v")
		cmd.Env = append(os.Environ(), "PWAGEN_CI_CHILD=1", "CI="+tt.ci)
		out, err := cmd.CombinedOutput()
		if !strings.Contains(string(out), tt.want) || !strings.Contains(string(out), "apt-get install -y frobnicator") || (err != nil) != (tt.ci == "true") {
			t.Errorf("CI=%q: %v, want %s:\n%s", tt.ci, err, tt.want, out)
		}
	}
}
