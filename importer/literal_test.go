package importer

import (
	"reflect"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// TestLiteralPrintsEveryEnum: each kernel argument prints as Go source. A
// CmpOp (Equal, Less, Where's masks) once made the generator panic, so a
// model with a mask could not be imported.
func TestLiteralPrintsEveryEnum(t *testing.T) {
	type flags uint8 // stands for an enum of package kernels without names
	for _, tt := range []struct {
		v    any
		want string
	}{
		{kernels.CmpEqual, "kernels.CmpEqual"},
		{kernels.CmpNotEqual, "kernels.CmpNotEqual"},
		{kernels.CmpOp(200), "kernels.CmpOp(200)"},
		{kernels.BinAdd, "kernels.BinAdd"},
		{flags(3), "kernels.flags(3)"},
		{uint8(7), "7"},
		{[]int{1, 2}, "[]int{1, 2}"},
	} {
		got, _ := literal(reflect.ValueOf(tt.v))
		if got != tt.want {
			t.Errorf("literal(%#v) = %s, want %s", tt.v, got, tt.want)
		}
	}
}
