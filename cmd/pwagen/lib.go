package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/packager"
	"github.com/urfave/cli/v2"
)

// libFlags refuses the flags that do not go with --lib, and --url without it.
func libFlags(c *cli.Context) error {
	if !c.Bool("lib") {
		if c.IsSet("url") {
			return usageError("--url names where the folder of --lib is served; add --lib")
		}
		return nil
	}
	if c.Bool("edge") {
		return usageError("--lib and --edge write different things (a package for web apps, an executable); run pwagen package twice, once with each")
	}
	if u := c.String("url"); c.IsSet("url") {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			return usageError("--url %q: give the folder's absolute http(s) URL, such as https://cdn.example.com/digits/1.0.0/", u)
		}
	}
	return nil
}

// packageLib writes the library (default OUT: DIR/dist-lib) and prints
// the snippet that loads it.
func packageLib(c *cli.Context, cfg *config.Config) error {
	out := c.String("out")
	if out == "" {
		out = filepath.Join(cfg.Dir, "dist-lib")
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return usageError("%v", err)
	}
	start := time.Now()
	b := packager.NewBuild(cfg, out)
	b.Log = c.App.ErrWriter
	b.LibURL = c.String("url")
	if err := packager.RunLib(c.Context, b); err != nil {
		return checkFailed(err)
	}
	if !c.Bool("quiet") {
		b.WriteReport(c.App.Writer)
		w := c.App.Writer
		fmt.Fprintf(w, "packaged %s@%s as a library in %s in %.1fs; publish it with npm publish %s, or host the folder; preview: pwagen serve %s\n", cfg.Lib.Name, cfg.Lib.Version, relOrAbs(out), time.Since(start).Seconds(), relOrAbs(out), relOrAbs(out))
		fmt.Fprintf(w, "load it from %s with:\n\n%s", b.LibURLOrDefault(), b.Snippet())
	}
	return nil
}
