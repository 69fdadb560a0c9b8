package validate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/kernels/modules"
)

// TestKernelImports: the validator's own decoder lists a module's kernel
// imports with their signatures (kernels/modules had a second reader).
func TestKernelImports(t *testing.T) {
	// (import "kernels" "relu" (func (param i32 i32)))
	// (import "env" "x" (func (param f64) (result f32)))
	// (import "kernels" "dot" (func (param i32 i32 i32) (result f32)))
	mod := []byte("\x00asm\x01\x00\x00\x00" +
		"\x01\x12\x03" + "\x60\x02\x7f\x7f\x00" + "\x60\x01\x7c\x01\x7d" + "\x60\x03\x7f\x7f\x7f\x01\x7d" +
		"\x02\x26\x03" + "\x07kernels\x04relu\x00\x00" + "\x03env\x01x\x00\x01" + "\x07kernels\x03dot\x00\x02")
	im, err := KernelImports(mod)
	if err != nil {
		t.Fatal(err)
	}
	want := []modules.Import{
		{Name: "relu", Params: []string{"i32", "i32"}},
		{Name: "dot", Params: []string{"i32", "i32", "i32"}, Results: []string{"f32"}},
	}
	if fmt.Sprint(im) != fmt.Sprint(want) {
		t.Errorf("KernelImports = %v, want %v", im, want)
	}
	bad := append([]byte(nil), mod...)
	bad[len(bad)-1] = 9 // type 9 of 3
	if _, err := KernelImports(bad); err == nil || !strings.Contains(err.Error(), "type 9") {
		t.Errorf("an import of type 9: %v", err)
	}
}
