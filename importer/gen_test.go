package importer

import (
	"reflect"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// TestEveryEnumPrints: every kernel enum the lowering can pass has a name
// for the generated code, so no model fails to print (a panic found by
// importing a transformer with a mask).
func TestEveryEnumPrints(t *testing.T) {
	for _, v := range []any{
		kernels.ActNone, kernels.ActScale, kernels.BinAdd, kernels.BinPRelu,
		kernels.ReduceSum, kernels.ReduceLogSumExp, kernels.PadConstant, kernels.PadEdge,
		kernels.CmpEqual, kernels.CmpNotEqual,
	} {
		s, _ := literal(reflect.ValueOf(v))
		if s == "" || s[:8] != "kernels." || len(s) > 8 && s[len(s)-1] == ')' {
			t.Errorf("%T(%v) prints as %q", v, v, s)
		}
	}
}
