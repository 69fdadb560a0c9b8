package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/packager"
	"github.com/urfave/cli/v2"
)

func init() { commands = append(commands, serveCmd) }

func serveCmd() *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "preview a package with the headers a well-configured host sends",
		ArgsUsage: "[OUT]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "address to listen on; loopback unless you say otherwise"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usageError("serve takes at most one folder, a package: pwagen serve [OUT]")
			}
			out := c.Args().First()
			if out == "" {
				out = "dist"
			}
			if _, err := os.Stat(path.Join(out, packager.LoaderName)); err != nil {
				return usageError("%s holds no package (no %s); run pwagen package first", out, packager.LoaderName)
			}
			h, err := newPreview(out)
			if err != nil {
				return checkFailed(err)
			}
			ln, err := net.Listen("tcp", c.String("addr"))
			if err != nil {
				return checkFailed(fmt.Errorf("listening on %s: %w; choose another with --addr 127.0.0.1:PORT", c.String("addr"), err))
			}
			fmt.Fprintf(c.App.Writer, "serving %s at http://%s/ (Ctrl-C to stop)\n", out, ln.Addr())
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
			done := make(chan struct{})
			go func() {
				defer close(done)
				// On a signal: finish the answers under way for up to half a
				// second, then cut what is left (a long download).
				<-c.Context.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
				defer cancel()
				if srv.Shutdown(ctx) != nil {
					srv.Close()
				}
			}()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return checkFailed(err)
			}
			<-done
			return nil
		},
	}
}

// preview serves a package read-only from an os.Root, so no path, symlink
// or ".." can escape it, with the headers of the package's host rules.
// `pwagen package` replaces OUT with a new folder: the preview notices and
// serves the new one.
type preview struct {
	out string

	mu    sync.Mutex
	dir   os.FileInfo // the folder root and rules were made from
	root  *os.Root
	rules []hosts.Rule
}

func newPreview(out string) (*preview, error) {
	p := &preview{out: out}
	_, _, err := p.current()
	return p, err
}

// current returns the root and rules of the folder now at p.out.
func (p *preview) current() (*os.Root, []hosts.Rule, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fi, err := os.Stat(p.out)
	if err != nil {
		return nil, nil, err
	}
	if p.dir != nil && os.SameFile(fi, p.dir) {
		return p.root, p.rules, nil
	}
	root, err := os.OpenRoot(p.out)
	if err != nil {
		return nil, nil, err
	}
	var files []hosts.File
	err = fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, hosts.File{Name: name, Hashed: packager.IsHashed(name)})
		}
		return err
	})
	if err != nil {
		root.Close()
		return nil, nil, err
	}
	rules, err := hosts.Rules(hosts.Spec{Files: files, Isolation: "headers"})
	if err != nil {
		root.Close()
		return nil, nil, err
	}
	if p.root != nil {
		p.root.Close()
	}
	p.dir, p.root, p.rules = fi, root, rules
	return root, rules, nil
}

func (p *preview) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	if !fs.ValidPath(name) || strings.Contains(name, "\\") {
		http.Error(w, "bad path", http.StatusBadRequest)
		return
	}
	root, rules, err := p.current()
	if err != nil {
		http.Error(w, "the package is gone: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	data, err := root.ReadFile(name)
	if err != nil {
		// Never a fallback page: a missing .wasm must be a 404.
		http.Error(w, "404 not found: "+name, http.StatusNotFound)
		return
	}
	urlPath := "/" + name
	if name == "index.html" && r.URL.Path != "/index.html" {
		urlPath = r.URL.Path
	}
	for k, v := range hosts.HeadersFor(rules, urlPath) {
		w.Header()[k] = v
	}
	// ServeContent, not ServeFile: the file server answers /index.html with
	// a redirect, which a service worker must never cache.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}
