package modules_test

import (
	"math/rand/v2"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/kernels/modules"
)

// TestBrowserTx runs the transformer primitives of both kernel modules in
// Chromium (V8's SIMD, not wazero's) on random shapes, bit for bit against
// pure Go.
func TestBrowserTx(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium; skipped with -short")
	}
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate("about:blank"))
	for _, v := range modules.Variants {
		t.Run(string(v), func(t *testing.T) {
			h := newBrowserHarness(t, ctx, v)
			r := rand.New(rand.NewPCG(92, uint64(len(v))))
			for i := range 25 {
				checkTx(t, h, v, r, uint32(i%16))
			}
		})
	}
}
