package validate

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// wazeroFeatures maps validate's feature names to wazero's flags, in the
// order the report lists them. Mutable globals are part of wazero's V1 and
// of every browser this table knows, so they are always on.
var wazeroFeatures = []struct {
	name string
	flag api.CoreFeatures
}{
	{"simd", api.CoreFeatureSIMD},
	{"threads", experimental.CoreFeaturesThreads},
	{"bulk-memory", api.CoreFeatureBulkMemoryOperations},
	{"sign-extension", api.CoreFeatureSignExtensionOps},
	{"nontrapping-float-to-int", api.CoreFeatureNonTrappingFloatToIntConversion},
	{"multi-value", api.CoreFeatureMultiValue},
	{"reference-types", api.CoreFeatureReferenceTypes},
	{"tail-call", experimental.CoreFeaturesTailCall},
	{"extended-const", experimental.CoreFeaturesExtendedConst},
	{"exception-handling", experimental.CoreFeaturesExceptionHandling},
	{"typed-function-references", experimental.CoreFeaturesTypedFunctionReferences},
}

// wazeroName turns a name in a wazero error into validate's name.
var wazeroName = map[string]string{
	"bulk-memory-operations":              "bulk-memory",
	"sign-extension-ops":                  "sign-extension",
	"nontrapping-float-to-int-conversion": "nontrapping-float-to-int",
}

func flagOf(name string) api.CoreFeatures {
	for _, w := range wazeroFeatures {
		if w.name == name {
			return w.flag
		}
	}
	return 0
}

// Feature is a post-MVP feature the module cannot do without.
type Feature struct {
	Name  string // "simd"
	Where string // the first use wazero found: `function[3]: v128.load`
}

// featureErr matches the way wazero names a disabled feature, e.g.
// `invalid function[0] export["sum4"]: v128.load invalid as feature "simd" is disabled`.
var featureErr = regexp.MustCompile(`feature "([a-z|-]+)" is disabled|(shared memory) requested but threads`)

// detectFeatures finds the smallest feature set wazero compiles the module
// with: start from the MVP and add each feature wazero's error names, until
// the module compiles. Each added feature is needed: the module failed
// without it. It returns the features, the flags, and wazero's error when no
// set works.
func detectFeatures(ctx context.Context, wasm []byte) ([]Feature, api.CoreFeatures, error) {
	enabled := api.CoreFeaturesV1
	var found []Feature
	for range len(wazeroFeatures) + 1 {
		err := compileOnly(ctx, wasm, enabled)
		if err == nil {
			sortFeatures(found)
			return found, enabled, nil
		}
		added := false
		for _, m := range featureErr.FindAllStringSubmatch(err.Error(), -1) {
			names := strings.Split(m[1], "|")
			if m[2] != "" {
				names = []string{"threads"}
			}
			for _, n := range names {
				if w, ok := wazeroName[n]; ok {
					n = w
				}
				f := flagOf(n)
				if f == 0 || enabled&f != 0 {
					continue
				}
				enabled |= f
				added = true
				found = append(found, Feature{Name: n, Where: where(err.Error())})
			}
		}
		if !added {
			return found, enabled, err
		}
	}
	return found, enabled, fmt.Errorf("feature detection did not settle") // unreachable: each round adds one
}

// where trims wazero's error to the part that says where: everything before
// " invalid as feature" or ": feature".
func where(msg string) string {
	for _, cut := range []string{" invalid as feature", ": feature", " as feature", " requested but"} {
		if i := strings.Index(msg, cut); i >= 0 {
			return strings.TrimPrefix(msg[:i], "invalid ")
		}
	}
	return msg
}

func sortFeatures(fs []Feature) {
	order := func(n string) int {
		return slices.IndexFunc(wazeroFeatures, func(w struct {
			name string
			flag api.CoreFeatures
		}) bool {
			return w.name == n
		})
	}
	slices.SortFunc(fs, func(a, b Feature) int { return order(a.Name) - order(b.Name) })
}

// compileOnly decodes and validates the module under the interpreter, which
// compiles in a fraction of the optimizing compiler's time: only validation
// matters here.
func compileOnly(ctx context.Context, wasm []byte, f api.CoreFeatures) error {
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(f))
	defer r.Close(ctx)
	cm, err := r.CompileModule(ctx, wasm)
	if err != nil {
		return err
	}
	return cm.Close(ctx)
}
