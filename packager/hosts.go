package packager

import (
	"context"
	"fmt"

	"github.com/pwagen/pwagen/hosts"
)

// hostSpec describes the package to the host rules.
func (b *Build) hostSpec() hosts.Spec {
	s := hosts.Spec{Isolation: b.Config.Deploy.Isolation, Threads: b.threads, Precompressed: b.Config.Deploy.Precompress}
	if b.Lib { // the page that loads it sets isolation, and nothing is precompressed
		s = hosts.Spec{Isolation: "none", Library: true}
	}
	for _, n := range b.sortedNames() {
		s.Files = append(s.Files, hosts.File{Name: n, Hashed: b.Files[n].Hashed})
	}
	return s
}

// hostConfigs writes every chosen host's configuration from one rule list:
// files a host reads from the site go into OUT, server configs beside it,
// and the spec (hosts.SpecFile) for the preview, pwagen serve.
func hostConfigs(ctx context.Context, b *Build) error {
	spec := b.hostSpec()
	rules, err := hosts.Rules(spec)
	if err != nil {
		return err
	}
	inOut, beside, err := hosts.Write(rules, spec, b.Config.Deploy.Hosts)
	if err != nil {
		return fmt.Errorf("%s: %w", b.Config.File, err)
	}
	for n, data := range inOut {
		if _, taken := b.Files[n]; taken {
			return fmt.Errorf("web/%s clashes with the host configuration pwagen writes; remove it and set the headers through pwagen.toml", n)
		}
		b.add(&File{Name: n, Data: data, Host: true})
	}
	// The spec itself, for pwagen serve: which names carry a hash.
	b.add(&File{Name: hosts.SpecFile, Data: hosts.MarshalSpec(spec), Host: true})
	for n, data := range beside {
		b.Beside[n] = data
	}
	return nil
}

// HostRules is the package's header rule list, as the host configs give
// it (for servers in tests and previews, and the app an edge executable
// serves: hosts.HeadersFor).
func (b *Build) HostRules() ([]hosts.Rule, error) { return hosts.Rules(b.hostSpec()) }
