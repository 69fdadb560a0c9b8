package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/edgegen"
	"github.com/pwagen/pwagen/packager"
	"github.com/urfave/cli/v2"
)

// edgePlatforms reads --edge and --platform: nil when no executable is
// asked for.
func edgePlatforms(c *cli.Context) ([]edgegen.Platform, error) {
	if c.IsSet("platform") && !c.Bool("edge") {
		return nil, usageError("--platform chooses the platforms of --edge; add --edge")
	}
	if !c.Bool("edge") {
		return nil, nil
	}
	if !c.IsSet("platform") {
		return []edgegen.Platform{edgegen.Host()}, nil
	}
	p, err := edgegen.ParsePlatforms(c.String("platform"))
	if err != nil {
		return nil, usageError("%v", err)
	}
	return p, nil
}

// edgeName is the executables' base name: the project folder's name, in
// lower case letters, digits and dashes.
func edgeName(cfg *config.Config) string {
	n := strings.ToLower(filepath.Base(cfg.Dir))
	n = regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(n, "-")
	if n = strings.Trim(n, "-"); n == "" {
		return "model"
	}
	return n
}

// writeEdge builds the executables of the package b wrote into OUT.edge.
func writeEdge(c *cli.Context, cfg *config.Config, b *packager.Build, platforms []edgegen.Platform) error {
	rules, err := b.HostRules()
	if err != nil {
		return err
	}
	s := edgegen.Spec{Name: edgeName(cfg), Wasm: b.Wasm, PWA: b.Out, Rules: rules}
	if cfg.Model.Weights != "" {
		s.Weights = cfg.Rel(cfg.Model.Weights)
		for _, sh := range b.Weights.Shards {
			if b.Files[sh.URL] != nil {
				s.Shared = append(s.Shared, edgegen.Shared{Path: sh.URL, Of: "weights", Off: sh.Offset, Size: sh.Size})
			}
		}
	}
	for _, n := range slices.Sorted(maps.Keys(b.Files)) { // the model, embedded once
		if f := b.Files[n]; f.Data != nil && bytes.Equal(f.Data, b.Wasm) {
			s.Shared = append(s.Shared, edgegen.Shared{Path: n, Of: "model", Size: int64(len(b.Wasm))})
		}
	}
	var log io.Writer = c.App.Writer
	if c.Bool("quiet") {
		log = nil
	}
	out := b.Out + ".edge"
	files, err := edgegen.Write(c.Context, s, platforms, out, log)
	if err != nil {
		return checkFailed(err)
	}
	if log != nil {
		for _, f := range files {
			fmt.Fprintf(log, "edge: %s; try: %s info\n", relOrAbs(filepath.Join(out, f)), relOrAbs(filepath.Join(out, f)))
		}
	}
	return nil
}
