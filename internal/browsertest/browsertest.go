// Package browsertest starts Debian's Chromium for tests, headless, through
// chromedp.
package browsertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/ci"
)

// Path finds Chromium. Without it the test is skipped, unless CI=true:
// then it fails, so CI never passes by skipping.
func Path(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("PWAGEN_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if full, err := exec.LookPath(p); err == nil {
			return full
		}
	}
	ci.Missing(t, "Chromium not found; install it with apt-get install -y chromium, or set PWAGEN_CHROMIUM")
	return ""
}

// Server serves a handler on a loopback port for Chromium tests; Stop
// takes the site offline.
type Server struct {
	URL  string // "http://127.0.0.1:PORT/"
	h    http.Handler
	addr string

	mu  sync.Mutex
	srv *http.Server
}

// Start serves h on a loopback port until Stop or the end of the test.
func Start(t testing.TB, h http.Handler) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{h: h, addr: ln.Addr().String()}
	s.URL = "http://" + s.addr + "/"
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) serve(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.srv = &http.Server{Handler: s.h, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
}

// Stop closes the listener and every connection: the site is offline.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.srv.Close()
}

// Serve is Start, for tests that need only the URL and a stop func.
func Serve(t testing.TB, h http.Handler) (url string, stop func()) {
	t.Helper()
	s := Start(t, h)
	return s.URL, s.Stop
}

// ServePackage serves the package in out as pwagen serve does
// (hosts.Preview, with the isolation of its project), on a loopback port.
func ServePackage(t testing.TB, out, isolation string) (url string, stop func()) {
	t.Helper()
	h, err := hosts.NewPreview(out, isolation)
	if err != nil {
		t.Fatal(err)
	}
	return Serve(t, h)
}

// Options are the flags Chromium needs on these machines (as root, headless,
// no background network), with the executable and a fresh profile folder.
// The bench harness starts its browsers with them too.
func Options(exe, profile string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
}

// New starts a fresh headless Chromium with an empty profile and returns a
// context for its first tab. Everything ends with the test. Extra options,
// such as chromedp.Flag("disable-features", "X"), come after the defaults.
func New(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	exe := Path(t)
	opts := Options(exe, t.TempDir())
	opts = append(opts, extra...)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 4*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[int](`1`)); err != nil {
		t.Fatalf("starting Chromium (%s): %v", exe, err)
	}
	return tctx
}

// Do runs actions and fails the test on error.
func Do(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression, awaiting a promise, and decodes
// its value.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", short(expr), err)
	}
	return v
}

// WaitFor polls a JavaScript condition, which may be a promise, until it is
// truthy. On timeout it
// fails with the value of diag, an expression that says what the page shows.
func WaitFor(t testing.TB, ctx context.Context, cond, diag string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf("Promise.resolve(%s).then((v) => !!v)", cond), chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](diag))
			t.Fatalf("waited %s for %s; page: %s (last error %v)", timeout, short(cond), state, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
