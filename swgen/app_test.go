package swgen_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/packager"

	"github.com/pwagen/pwagen/internal/browsertest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// pwagenBin builds the pwagen command once per test run.
func pwagenBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "swgen-test-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "pwagen")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/pwagen/pwagen/cmd/pwagen").CombinedOutput()
		if err != nil {
			binErr = err
			binPath = string(out)
		}
	})
	if binErr != nil {
		t.Fatalf("go build ./cmd/pwagen: %v\n%s", binErr, binPath)
	}
	return binPath
}

// execPwagen runs the pwagen command.
func execPwagen(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	return exec.Command(pwagenBin(t), args...).CombinedOutput()
}

// testApp is the page script of the test projects: it records what the
// loader tells it in window.t, and runs the model once.
const testApp = `import { loadModel } from './pwagen.js';
const t = (window.t = { app: 'APP', events: [], startMs: Math.round(performance.now()) });
localStorage.loads = (+localStorage.loads || 0) + 1;
t.loads = +localStorage.loads;
navigator.serviceWorker?.ready.then(() => { t.swReadyMs = Math.round(performance.now()); });
loadModel({
  onProgress(p) { t.progress = p; },
  onWarning(m) { t.events.push('warning: ' + m); },
  onUpdateReady(apply) { t.events.push('update-ready'); t.apply = apply; },
  onInstallFailed(e) { t.events.push('install-failed'); t.installFailed = e; },
}).then(async (m) => {
  t.info = m.info;
  t.result = Array.from(await m.predict(new Float32Array([5.1, 3.5, 1.4, 0.2]))).join(',');
  document.querySelector('#result').dataset.values = t.result;
}, (e) => {
  t.error = e.message;
  document.querySelector('#error').textContent = e.message;
});
`

// newApp makes a project with pwagen new, the test page script marked
// with app, and the [deploy] keys given (such as `update = "auto"`).
func newApp(t *testing.T, app string, deploy ...string) string {
	t.Helper()
	// The same folder name every time, so go build's cache serves the model.
	dir := filepath.Join(t.TempDir(), "swapp")
	if out, err := execPwagen(t, "new", dir); err != nil {
		t.Fatalf("pwagen new: %v\n%s", err, out)
	}
	setApp(t, dir, app)
	if len(deploy) > 0 {
		p := filepath.Join(dir, "pwagen.toml")
		toml, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var keep []string
		for _, line := range strings.Split(string(toml), "\n") {
			drop := false
			for _, d := range deploy {
				k, _, _ := strings.Cut(d, "=")
				drop = drop || strings.HasPrefix(line, strings.TrimSpace(k)+" ")
			}
			if !drop {
				keep = append(keep, line)
			}
		}
		out := strings.Replace(strings.Join(keep, "\n"), "[deploy]", "[deploy]\n"+strings.Join(deploy, "\n"), 1)
		if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// setApp rewrites the page script with a new marker, a new version of the app.
func setApp(t *testing.T, dir, app string) {
	t.Helper()
	js := strings.Replace(testApp, "'APP'", "'"+app+"'", 1)
	if err := os.WriteFile(filepath.Join(dir, "web", "app.js"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pack packages dir into dir/dist with the packager, as pwagen package does.
func pack(t *testing.T, dir string) string {
	t.Helper()
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "dist")
	if err := packager.Run(context.Background(), packager.NewBuild(cfg, out)); err != nil {
		t.Fatalf("packaging %s: %v", dir, err)
	}
	return out
}

// server serves a package folder as a plain static host would, with the
// headers of pwagen's host rules but no COOP/COEP, reading the folder on
// every request (so a new package in the same folder is live at once). It
// counts requests per path; override may answer a request first.
type server struct {
	dir      string
	URL      string
	ls       *browsertest.Server
	mu       sync.Mutex
	hits     map[string]int
	override func(w http.ResponseWriter, r *http.Request) bool
	// alter may change a file's bytes before they are served, with the
	// file's own headers: a host or proxy that damages what it serves.
	alter func(urlPath string, data []byte) []byte
}

func serve(t *testing.T, dir string) *server {
	t.Helper()
	s := &server{dir: dir, hits: map[string]int{}}
	s.ls = browsertest.Start(t, s)
	s.URL = s.ls.URL
	return s
}

// stop closes the listener and every connection: the user is offline.
func (s *server) stop() { s.ls.Stop() }

func (s *server) setOverride(f func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	s.override = f
	s.mu.Unlock()
}

func (s *server) setAlter(f func(urlPath string, data []byte) []byte) {
	s.mu.Lock()
	s.alter = f
	s.mu.Unlock()
}

// count is how many requests reached the server for the URL path p.
func (s *server) count(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[p]
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	override, alter := s.override, s.alter
	s.mu.Unlock()
	if override != nil && override(w, r) {
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" || name == "." || strings.HasSuffix(r.URL.Path, "/") {
		name = path.Join(name, "index.html")
	}
	data, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(name)))
	if err != nil {
		http.Error(w, "404 not found: "+name, http.StatusNotFound)
		return
	}
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer root.Close()
	spec, err := hosts.PackageSpec(root, hosts.IsolationNone)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	rules, err := hosts.Rules(spec)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	urlPath := r.URL.Path
	if name != "index.html" {
		urlPath = "/" + name
	}
	for k, v := range hosts.HeadersFor(rules, urlPath) {
		w.Header()[k] = v
	}
	if alter != nil {
		data = alter(r.URL.Path, data)
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

// wasmName is the package's model file, model-<hash>.wasm.
func wasmName(t *testing.T, out string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(out, "model-*.wasm"))
	if err != nil || len(m) != 1 {
		t.Fatalf("want one model-*.wasm in %s, have %v", out, m)
	}
	return filepath.Base(m[0])
}
