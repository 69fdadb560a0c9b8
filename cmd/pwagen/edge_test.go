package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"debug/pe"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pwagen/pwagen/edgegen"
	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/npy"
)

// edgeProject packages the tiny ONNX model with --edge for this machine and
// returns the project, OUT and the executable.
func edgeProject(t *testing.T) (proj, out, exe string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds an executable with the Go toolchain")
	}
	dir := t.TempDir()
	proj, out = filepath.Join(dir, "tiny"), filepath.Join(dir, "out")
	mustRun(t, "new", "--from", filepath.Join("..", "..", "testdata", "onnx", "made", "tiny.onnx"), proj)
	mustRun(t, "package", "-q", "--edge", "--out", out, proj)
	exe = filepath.Join(out+".edge", "tiny-"+runtime.GOOS+"-"+runtime.GOARCH)
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	return proj, out, exe
}

// edgeKernels is the kernel variant the host's executable must report:
// native-avx2 on amd64 Linux with AVX2 when the Go toolchain knows
// GOEXPERIMENT=simd (edgegen builds with it then), else simd.
func edgeKernels(t *testing.T) string {
	if _, ok := edgegen.SIMDExperiment(context.Background(), edgegen.Host()); !ok || runtime.GOOS != "linux" {
		return "simd"
	}
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "flags") {
			if slices.Contains(strings.Fields(line), "avx2") {
				return "native-avx2"
			}
			break
		}
	}
	return "simd"
}

func mustRun(t testing.TB, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"pwagen"}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("pwagen %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// exeRun runs the executable and returns its output and exit code.
func exeRun(t *testing.T, exe string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errorsAs(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func errorsAs(err error, ee **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	*ee = e
	return ok
}

// TestEdge builds the executable for this machine once and checks its
// commands and its server against pwagen's own answers.
func TestEdge(t *testing.T) {
	proj, out, exe := edgeProject(t)
	cache := t.TempDir()
	tmp := t.TempDir()
	inJSON := filepath.Join(tmp, "in.json")
	os.WriteFile(inJSON, []byte("[[0.5, -1, 2, 3.25]]"), 0o644)
	inNpy := filepath.Join(tmp, "in.npy")
	var nb bytes.Buffer
	npy.Write(&nb, &npy.Array{DType: "float32", Shape: []int{1, 4}, F32: []float32{0.5, -1, 2, 3.25}})
	os.WriteFile(inNpy, nb.Bytes(), 0o644)
	want := mustRun(t, "predict", proj, "--input", inJSON)

	t.Run("predict equals pwagen predict", func(t *testing.T) {
		for _, in := range []string{inJSON, inNpy} {
			got, stderr, code := exeRun(t, exe, "predict", "--cache", cache, "--input", in)
			if code != 0 || got != want {
				t.Errorf("%s: exit %d, stdout %q, stderr %q; pwagen predict printed %q", in, code, got, stderr, want)
			}
		}
		o := filepath.Join(tmp, "o.npy")
		if _, stderr, code := exeRun(t, exe, "predict", "--cache", cache, "--input", inNpy, "--output", o); code != 0 {
			t.Fatalf("--output: exit %d: %s", code, stderr)
		}
		a, err := npy.ReadFile(o, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		var res struct{ Outputs []struct{ Values []float32 } }
		json.Unmarshal([]byte(want), &res)
		if fmt.Sprint(a.F32) != fmt.Sprint(res.Outputs[0].Values) {
			t.Errorf("--output wrote %v; pwagen predict printed %v", a.F32, res.Outputs[0].Values)
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			code int
			msg  string
		}{
			{[]string{"predict"}, 2, "predict needs --input FILE"},
			{[]string{"predict", "--input", filepath.Join(tmp, "none.json")}, 2, "none.json"},
			{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
			{[]string{"serve", "--instances", "0"}, 2, "--instances 0: give 1 to 1024"},
			{[]string{"info", "extra"}, 2, `"extra" is not one`},
			{[]string{"serve", "--time-limit", "-1s"}, 2, "--time-limit -1s: give a positive duration"},
		} {
			_, stderr, code := exeRun(t, exe, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) || strings.Contains(stderr, "goroutine") {
				t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.msg)
			}
		}
	})

	t.Run("info", func(t *testing.T) {
		stdout, stderr, code := exeRun(t, exe, "info", "--cache", cache)
		if code != 0 || !strings.Contains(stdout, "start-up:") || !strings.Contains(stdout, "input:     features float32 [1 4]") {
			t.Errorf("exit %d\n%s%s", code, stdout, stderr)
		}
		if want := "kernels:   " + edgeKernels(t) + " ("; !strings.Contains(stdout, want) {
			t.Errorf("info does not say %q:\n%s", want, stdout)
		}
	})

	t.Run("serve", func(t *testing.T) {
		srv := startServe(t, exe, "--cache", cache, "--instances", "2", "--queue", "16", "--max-body", "2000")
		post := func(ctype, body string) (int, string) {
			resp, err := http.Post(srv.url+"/v1/predict", ctype, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		for _, tc := range []struct {
			name, ctype, body string
			code              int
			want              string
		}{
			{"bare array", "application/json", "[[0.5, -1, 2, 3.25]]", 200, want},
			{"inputs by name", "application/json", `{"inputs": {"features": [[0.5, -1, 2, 3.25]]}}`, 200, want},
			{"npy", "application/x-npy", nb.String(), 200, want},
			{"wrong shape", "application/json", "[1, 2]", 400, `has shape [2] (2 values); the model takes float32 [1 4]`},
			{"unknown input", "application/json", `{"inputs": {"nope": [1]}}`, 400, `\"nope\", which is not an input of the model (features)`},
			{"not JSON", "application/json", `{"inputs": `, 400, "the JSON body"},
			{"empty", "application/json", "", 400, "the body is empty"},
			{"over the cap", "application/json", "[" + strings.Repeat("0, ", 700) + "0]", 413, "over the limit of 2000 bytes"},
		} {
			code, body := post(tc.ctype, tc.body)
			if code != tc.code || !strings.Contains(body, strings.TrimSpace(tc.want)) {
				t.Errorf("%s: %d %s; want %d with %s", tc.name, code, body, tc.code, tc.want)
			}
		}
		// Concurrent requests all get the answer.
		var wg sync.WaitGroup
		errs := make(chan string, 64)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 8 {
					resp, err := http.Post(srv.url+"/v1/predict", "application/json", strings.NewReader("[[0.5, -1, 2, 3.25]]"))
					if err != nil {
						errs <- err.Error()
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || string(b) != want {
						errs <- fmt.Sprintf("%d %s", resp.StatusCode, b)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Errorf("concurrent request: %s", e)
		}
		for path, want := range map[string]string{"/v1/model": `"inputs":[{"name":"features","dtype":"float32","shape":[1,4]}]`, "/v1/model ": `"variant":"` + edgeKernels(t) + `"`, "/healthz": `"ok"`, "/": "<html"} {
			resp, err := http.Get(srv.url + strings.TrimSpace(path))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(strings.ToLower(string(b)), strings.ToLower(want)) {
				t.Errorf("GET %s: %d %.300s; want %s", path, resp.StatusCode, b, want)
			}
		}
		// The model and the weight shards, embedded once, are served as
		// the package has them.
		shared, _ := filepath.Glob(filepath.Join(out, "model-*.wasm"))
		shards, _ := filepath.Glob(filepath.Join(out, "weights", "*.bin"))
		if len(shared) != 1 || len(shards) == 0 {
			t.Fatalf("OUT has models %v and shards %v", shared, shards)
		}
		for _, f := range append(shared, shards...) {
			wantB, _ := os.ReadFile(f)
			rel, _ := filepath.Rel(out, f)
			resp, err := http.Get(srv.url + "/" + filepath.ToSlash(rel))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !bytes.Equal(b, wantB) {
				t.Errorf("GET /%s: %d, %d bytes; OUT has %d bytes", rel, resp.StatusCode, len(b), len(wantB))
			}
		}
		// The app goes out with the headers pwagen serve (and every host)
		// gives it: one rule list, from package hosts.
		iso, err := projectIsolation(out, proj)
		if err != nil {
			t.Fatal(err)
		}
		prev, err := hosts.NewPreview(out, iso)
		if err != nil {
			t.Fatal(err)
		}
		ref := httptest.NewServer(prev)
		defer ref.Close()
		modelRel, _ := filepath.Rel(out, shared[0])
		shardRel, _ := filepath.Rel(out, shards[0])
		for _, p := range []string{"/", "/index.html", "/" + filepath.ToSlash(modelRel), "/" + filepath.ToSlash(shardRel), "/manifest.webmanifest", "/nope.wasm"} {
			got, want := headersOf(t, srv.url+p), headersOf(t, ref.URL+p)
			if got != want {
				t.Errorf("GET %s: the edge executable answers\n%s\npwagen serve answers\n%s", p, got, want)
			}
		}
		if !strings.Contains(srv.log(), "started in") {
			t.Errorf("serve did not report its start-up time:\n%s", srv.log())
		}
	})

	t.Run("serve with a time limit", func(t *testing.T) {
		srv := startServe(t, exe, "--cache", cache, "--instances", "1", "--time-limit", "30s")
		resp, err := http.Post(srv.url+"/v1/predict", "application/json", strings.NewReader("[[0.5, -1, 2, 3.25]]"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != want {
			t.Errorf("%d %s; want %s", resp.StatusCode, b, want)
		}
	})

	t.Run("queue full answers 503", func(t *testing.T) {
		srv := startServe(t, exe, "--cache", cache, "--instances", "1", "--queue", "0")
		// The first request holds the one slot while its body arrives.
		c := srv.partial(t, "[[0.5, -1, 2, 3.25]]")
		resp, err := http.Post(srv.url+"/v1/predict", "application/json", strings.NewReader("[[0.5, -1, 2, 3.25]]"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "busy") {
			t.Errorf("with the slot taken: %d Retry-After %q %s; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), b)
		}
		if code, body := c.finish(t); code != 200 || body != want {
			t.Errorf("the first request: %d %s", code, body)
		}
	})

	t.Run("SIGTERM finishes the request in flight", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no SIGTERM")
		}
		srv := startServe(t, exe, "--cache", cache, "--instances", "1")
		c := srv.partial(t, "[[0.5, -1, 2, 3.25]]")
		if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // the server is stopping, the request not done
		if code, body := c.finish(t); code != 200 || body != want {
			t.Errorf("the request in flight at SIGTERM: %d %s", code, body)
		}
		if err := srv.wait(); err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, srv.log())
		}
		if !strings.Contains(srv.log(), "stopped") {
			t.Errorf("serve did not report stopping:\n%s", srv.log())
		}
	})

	t.Run("tampered executable refuses to start", func(t *testing.T) {
		models, _ := filepath.Glob(filepath.Join(out, "model-*.wasm"))
		if len(models) != 1 {
			t.Fatalf("OUT has models %v", models)
		}
		for _, tc := range []struct{ part, file string }{
			{"weights", filepath.Join(proj, "weights", "model.bin")},
			{"model", models[0]},
		} {
			bin, err := os.ReadFile(exe)
			if err != nil {
				t.Fatal(err)
			}
			part, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			i := bytes.Index(bin, part)
			if i < 0 || bytes.Contains(bin[i+1:], part) {
				t.Fatalf("the %s is not in the executable once", tc.part)
			}
			bin[i+len(part)/2] ^= 0xff
			bad := filepath.Join(t.TempDir(), filepath.Base(exe))
			if err := os.WriteFile(bad, bin, 0o755); err != nil {
				t.Fatal(err)
			}
			msg := regexp.MustCompile(`embedded ` + tc.part + ` \(\d+ bytes\) hash to SHA-256 [0-9a-f]{64}, and pwagen built this executable with [0-9a-f]{64}`)
			for _, cmd := range [][]string{{"info"}, {"predict", "--input", inJSON}, {"serve", "--addr", "127.0.0.1:0"}} {
				_, stderr, code := exeRun(t, bad, cmd...)
				if code != 1 || !strings.Contains(stderr, bad) || !msg.MatchString(stderr) {
					t.Errorf("%s changed, %v: exit %d, stderr %q; want exit 1 naming %s and both hashes", tc.part, cmd, code, stderr, bad)
				}
			}
		}
	})

	t.Run("byte-identical rebuild", func(t *testing.T) {
		out2 := filepath.Join(t.TempDir(), "again")
		mustRun(t, "package", "-q", "--edge", "--out", out2, proj)
		a, _ := os.ReadFile(exe)
		b, err := os.ReadFile(filepath.Join(out2+".edge", filepath.Base(exe)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("two builds of the same project differ: %d and %d bytes", len(a), len(b))
		}
	})
}

// headersOf is the status and the headers of GET url that the host rules
// set, as text.
func headersOf(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", resp.StatusCode)
	for _, h := range []string{"Content-Type", "Cache-Control", "Content-Security-Policy", "Cross-Origin-Opener-Policy",
		"Cross-Origin-Embedder-Policy", "Cross-Origin-Resource-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
		fmt.Fprintf(&b, "%s: %s\n", h, resp.Header.Get(h))
	}
	return b.String()
}

type served struct {
	cmd  *exec.Cmd
	url  string
	out  *syncBuf
	done chan struct{} // closed when the process has exited, err set
	err  error
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func (s *served) log() string { return s.out.String() }
func (s *served) wait() error {
	select {
	case <-s.done:
		return s.err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("still running 30 s after SIGTERM")
	}
}

// startServe runs `exe serve` on a free port and waits for its address.
func startServe(t testing.TB, exe string, args ...string) *served {
	t.Helper()
	cmd := exec.Command(exe, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	pr, pw := io.Pipe()
	s := &served{cmd: cmd, out: &syncBuf{}, done: make(chan struct{})}
	cmd.Stdout = io.MultiWriter(pw, s.out)
	cmd.Stderr = s.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = cmd.Wait(); pw.Close(); close(s.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-s.done })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := regexp.MustCompile(`serving (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case s.url = <-addr:
	case <-s.done:
		t.Fatalf("serve exited: %v\n%s", s.err, s.log())
	case <-time.After(2 * time.Minute):
		t.Fatalf("serve did not start:\n%s", s.log())
	}
	return s
}

// partialReq is a request whose body is half sent.
type partialReq struct {
	conn net.Conn
	rest string
}

// partial sends the headers and half the body of a predict request, and
// waits until the server has read them.
func (s *served) partial(t *testing.T, body string) *partialReq {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	h := len(body) / 2
	fmt.Fprintf(conn, "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:h])
	time.Sleep(300 * time.Millisecond) // let the server take its slot
	return &partialReq{conn, body[h:]}
}

func (p *partialReq) finish(t *testing.T) (int, string) {
	t.Helper()
	if _, err := io.WriteString(p.conn, p.rest); err != nil {
		t.Fatal(err)
	}
	p.conn.SetDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(p.conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestEdgeCrossBuild builds linux/arm64 and windows/amd64 executables and
// checks their headers; with qemu-aarch64 installed, the arm64 one runs.
func TestEdgeCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds executables with the Go toolchain")
	}
	dir := t.TempDir()
	proj, out := filepath.Join(dir, "tiny"), filepath.Join(dir, "out")
	mustRun(t, "new", "--from", filepath.Join("..", "..", "testdata", "onnx", "made", "tiny.onnx"), proj)
	mustRun(t, "package", "-q", "--edge", "--platform", "linux/arm64,windows/amd64", "--out", out, proj)
	arm := filepath.Join(out+".edge", "tiny-linux-arm64")
	f, err := elf.Open(arm)
	if err != nil {
		t.Fatal(err)
	}
	if f.Machine != elf.EM_AARCH64 {
		t.Errorf("%s is for %v", arm, f.Machine)
	}
	f.Close()
	win := filepath.Join(out+".edge", "tiny-windows-amd64.exe")
	p, err := pe.Open(win)
	if err != nil {
		t.Fatal(err)
	}
	if p.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		t.Errorf("%s is for machine %#x", win, p.Machine)
	}
	p.Close()
	qemu, err := exec.LookPath("qemu-aarch64")
	if err != nil {
		t.Log("no qemu-aarch64 (Debian qemu-user): the arm64 executable is not run")
		return
	}
	in := filepath.Join(dir, "in.json")
	os.WriteFile(in, []byte("[[0.5, -1, 2, 3.25]]"), 0o644)
	want := mustRun(t, "predict", proj, "--input", in)
	cmd := exec.Command(qemu, arm, "predict", "--cache", "off", "--input", in)
	got, err := cmd.Output()
	if err != nil || string(got) != want {
		t.Errorf("under qemu: %v, %q; pwagen predict printed %q", err, got, want)
	}
}
