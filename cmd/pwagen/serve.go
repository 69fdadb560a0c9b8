package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/precompress"
	"github.com/pwagen/pwagen/packager"
	"github.com/pwagen/pwagen/validate"
	"github.com/urfave/cli/v2"
)

func init() { commands = append(commands, serveCmd) }

func serveCmd() *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "preview a package with the headers its hosts send",
		ArgsUsage: "[OUT]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "address to listen on; loopback unless you say otherwise"},
			&cli.StringFlag{Name: "project", Usage: "the project whose pwagen.toml sets [deploy] isolation (default: the folder holding OUT)", TakesFile: true},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usageError("serve takes at most one folder, a package: pwagen serve [OUT]")
			}
			out := c.Args().First()
			if out == "" {
				out = "dist"
			}
			isolation := "none" // a library's headers do not depend on its project (pwagen package --lib)
			if _, err := os.Stat(path.Join(out, packager.LoaderName)); err != nil {
				if !isLibrary(out) {
					return usageError("%s holds no package (no %s); run pwagen package first, or pwagen package --lib for a library (%s)", out, packager.LoaderName, packager.LibSW)
				}
			} else if isolation, err = projectIsolation(out, c.String("project")); err != nil {
				return usageError("%v", err)
			}
			h, err := newPreview(out, isolation)
			if err != nil {
				return checkFailed(err)
			}
			ln, err := net.Listen("tcp", c.String("addr"))
			if err != nil {
				return checkFailed(fmt.Errorf("listening on %s: %w; choose another with --addr 127.0.0.1:PORT", c.String("addr"), err))
			}
			warnIfExposed(c.App.ErrWriter, ln.Addr())
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

// projectIsolation reads [deploy] isolation from the project's pwagen.toml:
// the project folder given, else the folder holding OUT.
func projectIsolation(out, project string) (string, error) {
	if project == "" {
		abs, err := filepath.Abs(out)
		if err != nil {
			return "", err
		}
		project = filepath.Dir(abs)
		if _, err := os.Stat(filepath.Join(project, config.FileName)); err != nil {
			return "", fmt.Errorf("the headers of %s depend on [deploy] isolation in its project's %s, and %s holds none; name the project with --project DIR", out, config.FileName, project)
		}
	}
	cfg, err := config.Load(project)
	if err != nil {
		return "", err
	}
	return cfg.Deploy.Isolation, nil
}

// warnIfExposed warns when the preview listens beyond this machine.
func warnIfExposed(w io.Writer, addr net.Addr) {
	tcp, ok := addr.(*net.TCPAddr)
	if ok && tcp.IP.IsLoopback() {
		return
	}
	fmt.Fprintf(w, "pwagen: warning: listening on %s, which other machines can reach; the preview is for testing on this machine (--addr 127.0.0.1:PORT)\n", addr)
}

// preview serves a package read-only from an os.Root, so no path, symlink
// or ".." can escape it, with the headers of the package's host rules: the
// same rules, from the same spec, that pwagen package wrote the hosts'
// configurations from. `pwagen package` replaces OUT with a new folder: the
// preview notices and serves the new one.
type preview struct {
	out       string
	isolation string // the project's [deploy] isolation

	mu     sync.Mutex
	dir    os.FileInfo // the folder root and rules were made from
	root   *os.Root
	rules  []hosts.Rule
	global http.Header // the "/*" rule's headers: every response, errors too
}

func newPreview(out, isolation string) (*preview, error) {
	p := &preview{out: out, isolation: isolation}
	_, _, _, err := p.current()
	return p, err
}

// current returns the root and rules of the folder now at p.out.
func (p *preview) current() (*os.Root, []hosts.Rule, http.Header, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fi, err := os.Stat(p.out)
	if err != nil {
		return nil, nil, nil, err
	}
	if p.dir != nil && os.SameFile(fi, p.dir) {
		return p.root, p.rules, p.global, nil
	}
	root, err := os.OpenRoot(p.out)
	if err != nil {
		return nil, nil, nil, err
	}
	spec, err := previewSpec(root, p.isolation)
	if err != nil {
		root.Close()
		return nil, nil, nil, err
	}
	rules, err := hosts.Rules(spec)
	if err != nil {
		root.Close()
		return nil, nil, nil, err
	}
	if p.root != nil {
		p.root.Close()
	}
	p.dir, p.root, p.rules = fi, root, rules
	p.global = http.Header{}
	for _, r := range rules {
		if r.Pattern == "/*" {
			for _, h := range r.Headers {
				p.global.Set(h.Name, h.Value)
			}
		}
	}
	return root, rules, p.global, nil
}

func (p *preview) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	root, rules, global, err := p.current()
	if err != nil {
		p.fail(w, nil, http.StatusServiceUnavailable, "the package is gone: "+err.Error())
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		p.fail(w, global, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	if !fs.ValidPath(name) || strings.Contains(name, "\\") {
		p.fail(w, global, http.StatusBadRequest, "bad path")
		return
	}
	f, err := root.Open(name)
	if err != nil {
		// Never a fallback page: a missing .wasm must be a 404.
		p.fail(w, global, http.StatusNotFound, "404 not found: "+name)
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		p.fail(w, global, http.StatusNotFound, "404 not found: "+name)
		return
	}
	urlPath := "/" + name
	if name == "index.html" && r.URL.Path != "/index.html" {
		urlPath = r.URL.Path
	}
	for k, v := range hosts.HeadersFor(rules, urlPath) {
		w.Header()[k] = v
	}
	// A .br or .gz asked for by its own name is bytes, as nginx's
	// default_type says, not a sniffed application/gzip.
	if isSibling(root, name) && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	// A .br or .gz that pwagen package wrote beside the file goes out as
	// it is, as nginx's gzip_static and Caddy's precompressed send it:
	// the file's own headers, Content-Encoding, its length, and Vary.
	if enc, pre := precompressed(root, name, r.Header.Values("Accept-Encoding")); pre != nil || enc != "" {
		w.Header().Add("Vary", "Accept-Encoding")
		if pre != nil {
			defer pre.Close()
			fi, err := pre.Stat()
			if err != nil {
				p.fail(w, global, http.StatusInternalServerError, err.Error())
				return
			}
			// ServeContent leaves Content-Length to the caller when
			// Content-Encoding is set, and a Range would count the
			// compressed bytes: send the whole file, as nginx does.
			f = pre
			w.Header().Set("Content-Encoding", enc)
			w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
			r = r.Clone(r.Context())
			r.Header.Del("Range")
		}
	}
	// ServeContent, not ServeFile: the file server answers /index.html with
	// a redirect, which a service worker must never cache. It streams the
	// file from disk and answers Range requests; its own errors (416, 412)
	// keep the headers set above.
	http.ServeContent(w, r, name, time.Time{}, f)
}

// precompressed returns the sibling of name that pwagen package wrote for
// the best encoding the request accepts (brotli, then gzip), open, with
// its Content-Encoding. With no sibling fit for the request it returns a
// nil file, and enc "-" when name has siblings (the answer varies with
// Accept-Encoding all the same) or "" when it has none.
func precompressed(root *os.Root, name string, accept []string) (enc string, f *os.File) {
	if !hosts.Compressible(name) {
		return "", nil
	}
	varies := ""
	for _, e := range []struct{ enc, suffix string }{{"br", precompress.BrSuffix}, {"gzip", precompress.GzSuffix}} {
		fi, err := root.Stat(name + e.suffix)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		varies = "-"
		if !acceptsEncoding(accept, e.enc) {
			continue
		}
		if f, err := root.Open(name + e.suffix); err == nil {
			return e.enc, f
		}
	}
	return varies, nil
}

// isSibling says whether name is a .br or .gz beside a compressible file.
func isSibling(root *os.Root, name string) bool {
	for _, suffix := range []string{precompress.BrSuffix, precompress.GzSuffix} {
		if base, ok := strings.CutSuffix(name, suffix); ok && hosts.Compressible(base) {
			if fi, err := root.Stat(base); err == nil && fi.Mode().IsRegular() {
				return true
			}
		}
	}
	return false
}

// acceptsEncoding reads Accept-Encoding (RFC 9110 12.5.3): enc is
// acceptable when it is listed, or "*" is, with a q-value above 0.
func acceptsEncoding(values []string, enc string) bool {
	star := false
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(item, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			ok := true
			for _, p := range strings.Split(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					q, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
					ok = err == nil && q > 0
				}
			}
			switch name {
			case enc:
				return ok
			case "*":
				star = ok
			}
		}
	}
	return star
}

// fail answers an error with the headers every response gets.
func (p *preview) fail(w http.ResponseWriter, global http.Header, code int, msg string) {
	for k, v := range global {
		w.Header()[k] = v
	}
	http.Error(w, msg, code)
}

// hostFiles are the names hosts.Write may put into OUT: host configuration,
// not part of the package the rules describe.
var hostFiles = func() map[string]bool {
	names := map[string]bool{}
	for _, iso := range []string{"none", "service-worker"} {
		inOut, _, err := hosts.Write(nil, hosts.Spec{Isolation: iso}, nil)
		if err != nil {
			continue
		}
		for n := range inOut {
			names[n] = true
		}
	}
	return names
}()

// previewSpec is the spec pwagen package gave hosts.Rules for the package
// in root: its files (less the host files), the project's isolation, and
// threads when the model declares a shared memory.
func previewSpec(root *os.Root, isolation string) (hosts.Spec, error) {
	spec := hosts.Spec{Isolation: isolation}
	if isLibrary(root.Name()) {
		spec = hosts.Spec{Isolation: "none", Library: true}
	}
	err := fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || hostFiles[name] {
			return err
		}
		// A .br or .gz beside a file is that file, precompressed: not in
		// the rules, as pwagen package did not give them to the rules.
		if isSibling(root, name) {
			spec.Precompressed = true
			return nil
		}
		spec.Files = append(spec.Files, hosts.File{Name: name, Hashed: packager.IsHashed(name)})
		if path.Dir(name) == "." && path.Ext(name) == ".wasm" && !spec.Threads {
			spec.Threads, err = wasmThreads(root, name)
		}
		return err
	})
	return spec, err
}

// isLibrary tells whether out is a library (pwagen package --lib): it
// holds pwagen-sw.js and no pwagen.js. It is served with the library's
// headers: CORS and Cross-Origin-Resource-Policy: cross-origin.
func isLibrary(out string) bool {
	_, app := os.Stat(filepath.Join(out, packager.LoaderName))
	fi, err := os.Lstat(filepath.Join(out, packager.LibSW))
	return app != nil && err == nil && fi.Mode().IsRegular()
}

// maxWasm bounds the module previewSpec reads: far above any model a
// browser loads.
const maxWasm = 1 << 30

// wasmThreads reports whether the module name in root declares a shared
// memory, as the packager's validation does.
func wasmThreads(root *os.Root, name string) (bool, error) {
	f, err := root.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxWasm+1))
	if err != nil {
		return false, err
	}
	if len(data) > maxWasm {
		return false, fmt.Errorf("%s: over %d MiB, more than any browser loads; is it the package's model?", name, maxWasm>>20)
	}
	shared, err := validate.SharedMemory(data)
	if err != nil {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	return shared, nil
}
