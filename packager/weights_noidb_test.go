package packager_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// blockSiteData is a Chromium profile whose user chose "Don't allow sites to
// save data": IndexedDB refuses every site, as in some private modes.
func blockSiteData(t *testing.T) chromedp.ExecAllocatorOption {
	t.Helper()
	dir := t.TempDir()
	prefs := `{"profile":{"default_content_setting_values":{"cookies":2}}}`
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), []byte(prefs), 0o644); err != nil {
		t.Fatal(err)
	}
	return chromedp.UserDataDir(dir)
}

// 7. Without IndexedDB the model runs from memory, with a warning.
func TestWeightsWithoutIndexedDB(t *testing.T) {
	skipShort(t)
	a := buildApp(t, t.TempDir(), weightsSize, 8, 0)
	srv := startServer(t, a.Out)
	ctx := browsertest.New(t, blockSiteData(t))
	st := loadOK(t, ctx, srv.URL()+"?sw=0", a.Answer)
	checkProgress(t, st.Progress)
	if i := st.Info; i.Storage != "memory" || i.Stored || i.BytesFromNetwork != weightsSize {
		t.Fatalf("info %+v; want storage memory, nothing stored, all from the network", *i)
	}
	if w := strings.Join(st.Warnings, "\n"); !strings.Contains(w, "IndexedDB is unavailable") {
		t.Fatalf("warnings %q; want one saying IndexedDB is unavailable", w)
	}
	t.Logf("warning: %s", st.Warnings[0])
}
