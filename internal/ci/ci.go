// Package ci is the one "skip unless CI" rule of pwagen's tests: a test
// whose tool (Chromium, nginx, a Rust toolchain, ONNX test data) is
// missing is skipped on a developer's machine and fails when CI=true, so
// that CI never passes by skipping.
package ci

import (
	"fmt"
	"os"
	"testing"
)

// On reports whether the tests run in CI (CI=true).
func On() bool { return os.Getenv("CI") == "true" }

// Missing ends the test because what it needs is not there: a skip, or a
// failure in CI. The message should say what is missing and how to
// install it.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if On() {
		t.Fatal(msg + " (CI=true: a missing tool fails the test)")
		return
	}
	t.Skip(msg + " (CI=true makes this a failure)")
}
