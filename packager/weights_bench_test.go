package packager_test

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/pwagen/pwagen/internal/browsertest"
)

// TestWeightsFigures measures, in Debian's Chromium, warm load throughput
// from IndexedDB and cold against warm time to first inference, for 64 and
// 256 MiB of weights served from loopback. It runs only with
// PWAGEN_BENCH=1, as its numbers are figures, not assertions:
//
//	PWAGEN_BENCH=1 go test ./packager -run TestWeightsFigures -v
func TestWeightsFigures(t *testing.T) {
	if os.Getenv("PWAGEN_BENCH") != "1" {
		t.Skip("set PWAGEN_BENCH=1 to measure")
	}
	const warmRuns = 5
	for _, mib := range []int64{64, 256} {
		t.Run(fmt.Sprintf("%dMiB", mib), func(t *testing.T) {
			a := buildApp(t, t.TempDir(), mib<<20, 7, 0)
			srv := startServer(t, a.Out)
			ctx := browsertest.New(t)
			mem := loadOK(t, ctx, srv.URL()+"?sw=0&storage=memory", a.Answer)
			cold := loadOK(t, ctx, srv.URL()+"?sw=0", a.Answer)
			var warm []pageState
			for range warmRuns {
				st := loadOK(t, ctx, srv.URL()+"?sw=0", a.Answer)
				if st.Info.BytesFromIndexedDB != mib<<20 {
					t.Fatalf("warm load info %+v", *st.Info)
				}
				warm = append(warm, st)
			}
			slices.SortFunc(warm, func(x, y pageState) int { return int(x.Info.WeightsMs - y.Info.WeightsMs) })
			med := warm[len(warm)/2]
			mb := float64(mib<<20) / 1e6
			t.Logf("weights %d MiB in %d shards of 4 MiB", mib, len(a.Index.Shards))
			t.Logf("memory mode (loopback network, nothing stored): weights %.0f ms (%.0f MB/s), first inference at %.0f ms",
				mem.Info.WeightsMs, mb/(mem.Info.WeightsMs/1e3), mem.FirstAnswerMs)
			t.Logf("cold (loopback network): weights %.0f ms (%.0f MB/s), load %.0f ms, first inference at %.0f ms after navigation start",
				cold.Info.WeightsMs, mb/(cold.Info.WeightsMs/1e3), cold.Info.LoadMs, cold.FirstAnswerMs)
			t.Logf("warm (IndexedDB), median of %d: weights %.0f ms (%.0f MB/s; range %.0f..%.0f ms), load %.0f ms, first inference at %.0f ms after navigation start",
				warmRuns, med.Info.WeightsMs, mb/(med.Info.WeightsMs/1e3), warm[0].Info.WeightsMs, warm[len(warm)-1].Info.WeightsMs, med.Info.LoadMs, med.FirstAnswerMs)
		})
	}
}
