package main

import (
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"

	"github.com/pwagen/pwagen/hosts"

	"github.com/pwagen/pwagen/internal/ci"
)

// startNginx serves out with the nginx server block pwagen wrote beside it,
// on a loopback port, and returns its URL and a stop func.
func startNginx(t *testing.T, out string) (string, func()) {
	t.Helper()
	const bin = "/usr/sbin/nginx"
	if _, err := os.Stat(bin); err != nil {
		ci.Missing(t, "nginx not found; apt-get install -y nginx")
	}
	site, err := os.ReadFile(out + ".hosts/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := strings.Replace(string(site), "listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", port), 1)
	conf = strings.Replace(conf, "root /srv/pwagen/out;", "root "+out+";", 1)
	if conf == string(site) {
		t.Fatal("nginx.conf has no `listen 80;` or `root /srv/pwagen/out;` to point at the test's folder")
	}
	run := t.TempDir()
	os.WriteFile(filepath.Join(run, "site.conf"), []byte(conf), 0o644)
	main := fmt.Sprintf(`worker_processes 1; daemon off; master_process off; pid %[1]s/nginx.pid; error_log %[1]s/error.log;
events { worker_connections 64; }
http { access_log off; client_body_temp_path %[1]s/c; proxy_temp_path %[1]s/p; fastcgi_temp_path %[1]s/f; uwsgi_temp_path %[1]s/u; scgi_temp_path %[1]s/s; include %[1]s/site.conf; }
`, run)
	os.WriteFile(filepath.Join(run, "nginx.conf"), []byte(main), 0o644)
	cmd := exec.Command(bin, "-p", run, "-c", filepath.Join(run, "nginx.conf"), "-e", filepath.Join(run, "error.log"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			cmd.Wait()
		}
	}
	t.Cleanup(stop)
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(run, "error.log"))
			t.Fatalf("nginx did not start:\n%s", log)
		}
	}
	return url, stop
}

// TestNginxIsolatedOffline: the packaged app served by real nginx with the
// config pwagen wrote is cross-origin isolated, streams the .wasm, answers
// like native Go, and keeps answering after nginx stops.
func TestNginxIsolatedOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a model and drives Chromium")
	}
	ctx := browsertest.New(t)
	dir := filepath.Join(t.TempDir(), "iris")
	pwagen(t, "new", dir)
	toml := filepath.Join(dir, "pwagen.toml")
	data, _ := os.ReadFile(toml)
	edited := strings.Replace(string(data), `isolation = "none"`, `isolation = "headers"`, 1)
	if edited == string(data) {
		t.Fatal(`the template's pwagen.toml has no isolation = "none" line`)
	}
	os.WriteFile(toml, []byte(edited), 0o644)
	pwagen(t, "package", dir)
	want, label := nativeIris(t, dir, []string{"5.1", "3.5", "1.4", "0.2"})

	url, stop := startNginx(t, filepath.Join(dir, "dist"))
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.WaitFor(t, ctx, `document.querySelector('#result')?.dataset.values`, diagJS, 60*time.Second)
	checkShown(t, browsertest.Eval[shown](t, ctx, resultJS), want, label)
	if !browsertest.Eval[bool](t, ctx, `self.crossOriginIsolated`) {
		t.Error("the page served by nginx is not cross-origin isolated")
	}
	// The isolated page's default is simd-threads, which patches the module
	// before compiling it (no streaming, by design); simd streams.
	info := browsertest.Eval[map[string]any](t, ctx, `import('./pwagen.js').then(async ({ loadModel }) => {
		const m = await loadModel({ serviceWorker: false, variant: 'simd' }); const i = m.info; m.dispose(); return i; })`)
	if info["streamed"] != true || info["variant"] != "simd" {
		t.Errorf("the .wasm was not compiled while streaming: info %v", info)
	}
	browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, `'no controller'`, 20*time.Second)
	browsertest.WaitFor(t, ctx, wasmCachedJS, `'the .wasm is not in a cache'`, 20*time.Second)
	stop()
	if _, err := http.Get(url); err == nil {
		t.Fatal("nginx still answers")
	}
	browsertest.Do(t, ctx, chromedp.Reload())
	browsertest.WaitFor(t, ctx, `document.querySelector('#result')?.dataset.values`, diagJS, 60*time.Second)
	checkShown(t, browsertest.Eval[shown](t, ctx, resultJS), want, label)
	if !browsertest.Eval[bool](t, ctx, `self.crossOriginIsolated`) {
		t.Error("offline, the page is no longer cross-origin isolated: the service worker's cached shell lost the headers")
	}
}

// TestPreviewMatchesNginx: a real package served by real nginx with the
// configuration pwagen wrote, and by the preview: every file gets the same
// rule headers from both, in each isolation mode, and so does a 404.
// web/photo-deadbeef.png is copied as it is, so it is no-cache on both (a
// regular expression made the preview call it hashed, and immutable).
func TestPreviewMatchesNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a model and runs nginx")
	}
	dir := filepath.Join(t.TempDir(), "iris")
	pwagen(t, "new", dir)
	if err := os.WriteFile(filepath.Join(dir, "web", "photo-deadbeef.png"), []byte("\x89PNG"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, iso := range []string{"none", "headers", "service-worker"} {
		t.Run(iso, func(t *testing.T) {
			toml := filepath.Join(dir, "pwagen.toml")
			data, _ := os.ReadFile(toml)
			data = regexp.MustCompile(`(?m)^isolation = "[^"]*"`).ReplaceAll(data, []byte(`isolation = "`+iso+`"`))
			os.WriteFile(toml, data, 0o644)
			pwagen(t, "package", "-q", dir)
			out := filepath.Join(dir, "dist")
			url, stop := startNginx(t, out)
			defer stop()
			preview, stopPreview := startPreview(t, out)
			defer stopPreview()
			var paths []string
			filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(out, p)
					if rel = filepath.ToSlash(rel); !hosts.IsHostFile(rel) {
						paths = append(paths, rel)
					}
				}
				return err
			})
			if !slices.Contains(paths, "photo-deadbeef.png") {
				t.Fatalf("photo-deadbeef.png is not in the package: %q", paths)
			}
			paths = append(paths, "", "model-ffffffff.wasm") // the root, and a 404
			for _, p := range paths {
				a, b := head(t, url+p), head(t, preview+p)
				if a.StatusCode != b.StatusCode {
					t.Errorf("/%s: nginx %d, preview %d", p, a.StatusCode, b.StatusCode)
					continue
				}
				for _, k := range ruleHeaderNames {
					if a.StatusCode != 200 && (k == "Content-Type" || k == "Cache-Control") {
						continue // error pages: each server's own
					}
					if x, y := a.Header.Values(k), b.Header.Values(k); !slices.Equal(x, y) {
						t.Errorf("/%s: %s: nginx %q, preview %q", p, k, x, y)
					}
				}
			}
		})
	}
}

func head(t *testing.T, url string) *http.Response {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}
