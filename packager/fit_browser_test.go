package packager_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// Issue 12, "will it fit on this device, before the download": the model's
// peak memory, measured when it was packaged, is more than the device
// allows. loadModel fails at once with the bytes needed and the bytes
// allowed, and neither a weights shard nor the .wasm reaches the server.
// The device's limit is lowered two real ways: the app's own maxMemory,
// and V8's cap on a WebAssembly.Memory (--wasm-max-mem-pages), which the
// loader meets when it tries to reserve the memory.
func TestWillNotFitFailsBeforeDownload(t *testing.T) {
	skipShort(t)
	a := buildApp(t, t.TempDir(), weightsSize, 10, 0)
	if a.Peak < weightsSize {
		t.Fatalf("measured peak %d bytes, below the %d bytes of weights: the package did not measure the model", a.Peak, weightsSize)
	}
	pages := (a.Peak + 65535) / 65536
	for _, tt := range []struct {
		name  string
		flags []chromedp.ExecAllocatorOption
		query string
		want  []string
	}{
		{"maxMemory", nil, fmt.Sprintf("&maxMemory=%d", a.Peak-1),
			[]string{fmt.Sprintf("the app allows at most %.1f MiB (%d bytes) (loadModel's maxMemory)", float64(a.Peak-1)/(1<<20), a.Peak-1), "Raise maxMemory"}},
		{"reserve", []chromedp.ExecAllocatorOption{chromedp.Flag("js-flags", fmt.Sprintf("--wasm-max-mem-pages=%d", pages/2))}, "",
			[]string{fmt.Sprintf("this browser could not reserve it as a WebAssembly.Memory of %d pages; it gave %d pages, %.1f MiB (%d bytes)", pages, pages/2, float64(pages/2*65536)/(1<<20), pages/2*65536)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, a.Out)
			ctx := browsertest.New(t, tt.flags...)
			st := load(t, ctx, srv.URL()+"?sw=0"+tt.query)
			t.Logf("the loader says: %s", st.Error)
			need := fmt.Sprintf("this model needs %.1f MiB (%d bytes) of memory", float64(a.Peak)/(1<<20), a.Peak)
			for _, w := range append(tt.want, need, "nothing was downloaded") {
				if !strings.Contains(st.Error, w) {
					t.Errorf("error %q; want it to contain %q", st.Error, w)
				}
			}
			if r := srv.requests(); len(r) != 0 {
				t.Errorf("%d weights requests reached the server (%v); want none", len(r), r)
			}
			if n := srv.wasmRequests(); n != 0 {
				t.Errorf("the .wasm was requested %d times; want never", n)
			}
			// The same device, with the limit lifted: the model loads.
			if tt.query != "" {
				srv.set(a.Out, -1)
				loadOK(t, ctx, srv.URL()+"?sw=0", a.Answer)
			}
		})
	}
}
