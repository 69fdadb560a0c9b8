package validate_test

import (
	"context"
	"fmt"
	"os"

	"github.com/pwagen/pwagen/validate"
)

// A module that uses SIMD, checked against Safari 15, which lacks it.
func ExampleModule() {
	wasm, err := os.ReadFile("testdata/wat/simd.wasm")
	if err != nil {
		panic(err)
	}
	r, err := validate.Module(context.Background(), "simd.wasm", wasm, validate.Options{
		Targets:  []string{"chrome100", "safari15"},
		CacheDir: "off",
	})
	if err != nil {
		fmt.Println("not a module:", err) // exit status 2
		return
	}
	fmt.Println("features:", r.Features)
	for _, t := range r.Targets {
		fmt.Println(t.Browser, t.Version, t.OK, t.Missing)
	}
	fmt.Println("ok:", r.OK)
	fmt.Println(r.Problems[0].Check+":", r.Problems[0].Message)
	// Output:
	// features: [simd]
	// chrome 100 true []
	// safari 15 false [simd]
	// ok: false
	// browsers: simd needs Safari 16.4 or later, but the targets include safari15; raise the target to safari16.4 in [browsers] targets, or build a variant of the model without simd
}
