package importer

import (
	"reflect"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// TestLiteralPrintsEveryKernelArgument prints, as Go source, one argument
// of each type the generated code passes to a kernel. A type missing from
// enumNames made `pwagen new --from` of any model with a Compare node (a
// torch encoder with a padding mask) fail with "cannot print a
// kernels.CmpOp argument".
func TestLiteralPrintsEveryKernelArgument(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{
		{kernels.CmpEqual, "kernels.CmpEqual"},
		{kernels.CmpNotEqual, "kernels.CmpNotEqual"},
		{kernels.CmpGreaterEq, "kernels.CmpGreaterEq"},
		{kernels.CmpOp(200), "kernels.CmpOp(200)"},
		{kernels.BinAdd, "kernels.BinAdd"},
		{kernels.ActGelu, "kernels.ActGelu"},
		{kernels.ReduceMean, "kernels.ReduceMean"},
		{kernels.PadEdge, "kernels.PadEdge"},
		{[]int{1, 24}, "[]int{1, 24}"},
		{true, "true"},
	} {
		got, _ := literal(reflect.ValueOf(tt.v))
		if got != tt.want {
			t.Errorf("literal(%#v) = %s, want %s", tt.v, got, tt.want)
		}
	}
}
