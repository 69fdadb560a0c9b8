package edge

import (
	"io"
	"io/fs"
	"net/http"
	"strings"
	"testing/fstest"
	"time"

	"github.com/pwagen/pwagen/hosts"
)

// appFS is the packaged app: the embedded files, and the model and weight
// shards served from the bytes the model runs on.
func appFS(b Bundle) fs.FS {
	extra := fstest.MapFS{}
	for _, f := range b.Shared {
		src := b.Wasm
		if f.Of == "weights" {
			src = b.Weights
		}
		if f.Off < 0 || f.Size < 0 || f.Off+f.Size > int64(len(src)) {
			continue // not built by edgegen; the verified bytes are shorter
		}
		extra[f.Path] = &fstest.MapFile{Data: src[f.Off : f.Off+f.Size], Mode: 0o444}
	}
	return overlay{b.PWA, extra}
}

type overlay struct {
	base  fs.FS
	extra fstest.MapFS
}

func (o overlay) Open(name string) (fs.File, error) {
	if _, ok := o.extra[name]; ok {
		return o.extra.Open(name)
	}
	return o.base.Open(name)
}

// app serves the packaged app with the headers its hosts get (package
// hosts: the same rules as pwagen serve and the host configurations),
// CSP, isolation and cache rules. The "/*" rule's headers go on errors
// too; a missing file is a 404, never a fallback page.
type app struct {
	files  fs.FS
	rules  []hosts.Rule
	global http.Header
}

func newApp(b Bundle) *app {
	a := &app{files: appFS(b), rules: b.Headers, global: http.Header{}}
	for _, r := range b.Headers {
		if r.Pattern == "/*" {
			for _, h := range r.Headers {
				a.global.Set(h.Name, h.Value)
			}
		}
	}
	return a
}

func (a *app) fail(w http.ResponseWriter, code int, msg string) {
	for k, v := range a.global {
		w.Header()[k] = v
	}
	http.Error(w, msg, code)
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	if !fs.ValidPath(name) {
		a.fail(w, http.StatusBadRequest, "bad path")
		return
	}
	f, err := a.files.Open(name)
	if err != nil {
		a.fail(w, http.StatusNotFound, "404 not found: "+name)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	rs, seekable := f.(io.ReadSeeker)
	if err != nil || !fi.Mode().IsRegular() || !seekable {
		a.fail(w, http.StatusNotFound, "404 not found: "+name)
		return
	}
	urlPath := "/" + name
	if name == "index.html" && r.URL.Path != "/index.html" {
		urlPath = r.URL.Path
	}
	for k, v := range hosts.HeadersFor(a.rules, urlPath) {
		w.Header()[k] = v
	}
	// ServeContent, not a file server: that answers /index.html with a
	// redirect, which a service worker must never cache.
	http.ServeContent(w, r, name, time.Time{}, rs)
}
