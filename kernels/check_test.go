package kernels

import (
	"fmt"
	"testing"
)

func TestSprintfFormatsLikeFmt(t *testing.T) {
	for _, tt := range []struct {
		format string
		args   []any
	}{
		{"len(a) = %d, want len(y)*len(x) = %d*%d = %d", []any{24, 5, 5, 25}},
		{"%s overlaps %s; use separate buffers", []any{"y", "a"}},
		{"size %d is outside 0..2^31-1", []any{-3}},
		{"100%% of %s", []any{"x"}},
	} {
		if got, want := sprintf(tt.format, tt.args...), fmt.Sprintf(tt.format, tt.args...); got != want {
			t.Errorf("sprintf(%q) = %q, fmt gives %q", tt.format, got, want)
		}
	}
}
