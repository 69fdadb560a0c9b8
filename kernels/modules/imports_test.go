package modules_test

import (
	"strings"
	"testing"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/validate"
)

func TestImportsOfTestBinary(t *testing.T) {
	im, err := validate.KernelImports(goWasm(t, "test", "-c", "../"))
	if err != nil {
		t.Fatal(err)
	}
	if len(im) != len(modules.Funcs) {
		t.Errorf("package kernels' tests import %d kernels, want all %d: %v", len(im), len(modules.Funcs), im)
	}
	if err := modules.Check(im); err != nil {
		t.Error(err)
	}
	none, err := validate.KernelImports(goWasm(t, "test", "-c", "-tags", "pwagen_nokernels", "../"))
	if err != nil || len(none) != 0 {
		t.Errorf("with pwagen_nokernels: imports %v, %v; want none", none, err)
	}
}

func TestCheckNamesUnknownAndMistyped(t *testing.T) {
	err := modules.Check([]modules.Import{
		{Name: "dot", Params: []string{"i32", "i32", "i32"}, Results: []string{"f32"}},
		{Name: "conv3d", Params: []string{"i32"}},
		{Name: "relu", Params: []string{"i32", "i32"}},
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"imports kernels.conv3d, which pwagen's kernels do not supply", "imports kernels.relu as [i32 i32] -> [], but pwagen's kernel is [i32 i32 i32] -> []"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\nlacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "kernels.dot") {
		t.Errorf("dot is fine, but named: %v", err)
	}
}
