package shellquote

import (
	"os/exec"
	"testing"
)

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"demo", "demo"},
		{"demo/dist", "demo/dist"},
		{"ünïcødé", "ünïcødé"},
		{"数字/dist", "数字/dist"},
		{"my app", "'my app'"},
		{"my app/dist", "'my app/dist'"},
		{"it's", `'it'\''s'`},
		{"$HOME", "'$HOME'"},
		{"a;rm -rf", "'a;rm -rf'"},
		{"", "''"},
		{"-x", "-x"},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestQuoteShell gives the quoted words to a real shell and reads them back.
func TestQuoteShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, w := range []string{"my app", "it's", "$HOME `x` \"q\"", "a\\b", "ünï cødé", "*"} {
		out, err := exec.Command(sh, "-c", "printf %s "+Quote(w)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != w {
			t.Errorf("sh read %q back as %q", w, out)
		}
	}
}
