package validate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pwagen/pwagen/hosts"
)

func (v *check) features(ctx context.Context) error {
	if len(v.m.unknown) > 0 {
		for _, u := range v.m.unknown {
			v.r.uses = append(v.r.uses, Feature{Name: u.Feature, Where: u.Where})
			v.problem("features", "cannot validate: uses %s (%s), which wazero v1.12 cannot compile, so the ABI and memory were not checked by running it; build the model without %s",
				u.Feature, u.Where, u.Feature)
		}
		v.noRun = "wazero cannot compile the module"
		v.r.setFeatures()
		return nil
	}
	if v.r.invalidMemory {
		v.noRun = "the declared memory is invalid"
		return nil
	}
	f, ok := v.loadFacts()
	if !ok {
		found, flags, err := detectFeatures(ctx, v.wasm)
		if err != nil {
			return &InvalidError{fmt.Errorf("wazero cannot compile it: %v (it is not valid WebAssembly, or it uses a proposal wazero v1.12 does not implement, such as relaxed-simd)", err)}
		}
		f = facts{Features: append([]Feature{}, found...), Flags: flags, WasmGzip: gzipSize(v.wasm)}
		v.saveFacts(f)
	}
	v.r.uses, v.flags, v.compiled, v.wasmGzip = f.Features, f.Flags, true, f.WasmGzip
	v.r.setFeatures()
	return nil
}

func (v *check) browsers(context.Context) error {
	for _, t := range v.targets {
		tr := TargetReport{Browser: t.Browser, Version: t.Version, Missing: []string{}}
		for _, f := range v.r.Features {
			ok, first := supports(t, f)
			if ok {
				continue
			}
			tr.Missing = append(tr.Missing, f)
			if first == "" {
				v.problem("browsers", "%s is not supported by any %s release yet; remove %s from [browsers] targets, or build a variant of the model without %s",
					f, t.Name(), t, f)
			} else {
				v.problem("browsers", "%s needs %s %s or later, but the targets include %s; raise the target to %s%s in [browsers] targets, or build a variant of the model without %s",
					f, t.Name(), first, t, t.Browser, first, f)
			}
		}
		tr.OK = len(tr.Missing) == 0
		v.r.Targets = append(v.r.Targets, tr)
	}
	return nil
}

func (v *check) isolation(context.Context) error {
	if !v.r.needs("threads") {
		return nil
	}
	const why = "threads need SharedArrayBuffer, which browsers give only to cross-origin isolated pages (Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)"
	var noHeaders []string
	for _, h := range v.o.Hosts {
		if slices.Contains(hosts.Names(), h) && !hosts.CanSetHeaders(h) {
			noHeaders = append(noHeaders, h)
		}
	}
	switch v.o.Isolation {
	case hosts.IsolationHeaders:
		if len(noHeaders) > 0 {
			v.problem("isolation", "%s; [deploy] isolation = \"headers\", but %s cannot set response headers: use isolation = \"service-worker\"",
				why, strings.Join(noHeaders, ", "))
		}
	case hosts.IsolationServiceWorker:
		// The service worker adds the headers to every response.
	default:
		advice := "set [deploy] isolation = \"headers\" if every host can send those headers, or \"service-worker\" otherwise"
		if len(noHeaders) > 0 {
			advice = fmt.Sprintf("set [deploy] isolation = \"service-worker\", since %s cannot set response headers", strings.Join(noHeaders, ", "))
		} else if len(v.o.Hosts) > 0 {
			advice = fmt.Sprintf("set [deploy] isolation = \"headers\" (pwagen writes the header files for %s)", strings.Join(v.o.Hosts, ", "))
		}
		v.problem("isolation", "%s, and [deploy] isolation is %q; %s", why, cmp.Or(v.o.Isolation, "none"), advice)
	}
	return nil
}
