package hosts

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pwagen/pwagen/internal/precompress"

	"github.com/pwagen/pwagen/internal/ci"
)

// These tests start real nginx, Apache httpd and Caddy on loopback with the
// generated configuration over a fixture OUT folder and check every header
// of every class of asset over HTTP.

// needBinary skips when a server is not installed, unless CI=true.
func needBinary(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		ci.Missing(t, "%s is missing; apt-get install -y nginx apache2 caddy", path)
	}
}

// fixtureContent is what each fixture file holds: real magic numbers, so
// that a server sniffing content would be caught by the type checks.
func fixtureContent(name string) []byte {
	switch extOf(name) {
	case ".html":
		return []byte("<!doctype html><title>pwagen fixture</title><script type=module src=app-1a2b3c4d.js></script>\n")
	case ".wasm":
		return append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte{0}, 4096)...)
	case ".png":
		return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + name)
	case ".bin":
		return bytes.Repeat([]byte(name), 64)
	case ".webmanifest":
		return []byte(`{"name":"fixture","start_url":"./"}`)
	case ".css":
		return []byte("body{margin:0}\n")
	}
	return []byte("// " + name + "\n" + strings.Repeat("export const x = 1;\n", 100))
}

// served prepares a fixture OUT folder with the host files of Write for
// the given spec, and a folder beside it; both readable by a server that
// drops root privileges.
func served(t *testing.T, fx Spec, hosts []string) (rules []Rule, out, beside string) {
	t.Helper()
	rules, err := Rules(fx)
	if err != nil {
		t.Fatal(err)
	}
	inOut, besideFiles, err := Write(rules, fx, hosts)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	out, beside = filepath.Join(root, "out"), filepath.Join(root, "out.hosts")
	write := func(dir, name string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range fx.Files {
		data := fixtureContent(f.Name)
		write(out, f.Name, data)
		if fx.Precompressed && Compressible(f.Name) {
			write(out, f.Name+precompress.BrSuffix, precompress.Brotli(data))
			write(out, f.Name+precompress.GzSuffix, precompress.Gzip(data))
		}
	}
	for n, d := range inOut {
		write(out, n, d)
	}
	for n, d := range besideFiles {
		write(beside, n, d)
	}
	// t.TempDir is 0700: open the chain for Apache's unprivileged children.
	for d := root; d != "/" && d != "."; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o005 != 0o005 {
			if err := os.Chmod(d, st.Mode().Perm()|0o755); err != nil {
				t.Fatal(err)
			}
		}
		if d == os.TempDir() {
			break
		}
	}
	return rules, out, beside
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs a server as a child of the test and waits until it accepts
// connections; the server's output is shown if it fails.
func start(t *testing.T, port int, logs []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	output := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = output, output
	// Its own process group, so that cleanup also ends Apache's children.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// SIGTERM first: Apache's parent then ends and reaps its children.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	showLogs := func() string {
		s := output.String()
		for _, l := range logs {
			if b, err := os.ReadFile(l); err == nil {
				s += "\n" + l + ":\n" + string(b)
			}
		}
		return s
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(20 * time.Second); ; {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("%s exited: %v\n%s", name, err, showLogs())
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s\n%s", name, addr, showLogs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s output:\n%s", name, showLogs())
		}
	})
	return "http://" + addr
}

// checkServed fetches every file and "/" and checks each header of
// HeadersFor, the body, and that missing assets are 404s, not index.html.
func checkServed(t *testing.T, base string, rules []Rule, files []File, out string) {
	t.Helper()
	for _, p := range servedProblems(t, base, rules, files, out) {
		t.Error(p)
	}
}

func servedProblems(t *testing.T, base string, rules []Rule, files []File, out string) (problems []string) {
	t.Helper()
	errorf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(p string) (*http.Response, []byte) {
		t.Helper()
		resp, err := client.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	var paths []string
	if slices.ContainsFunc(files, func(f File) bool { return f.Name == "index.html" }) {
		paths = append(paths, "/")
	}
	for _, f := range files {
		paths = append(paths, "/"+f.Name)
	}
	for _, p := range paths {
		resp, body := get(p)
		if resp.StatusCode != 200 {
			errorf("GET %s: status %d, want 200", p, resp.StatusCode)
			continue
		}
		file := strings.TrimPrefix(p, "/")
		if file == "" {
			file = "index.html"
		}
		want, _ := os.ReadFile(filepath.Join(out, filepath.FromSlash(file)))
		if !bytes.Equal(body, want) {
			errorf("GET %s: body is not %s (%d bytes, want %d)", p, file, len(body), len(want))
		}
		for name, vals := range HeadersFor(rules, p) {
			got := resp.Header.Values(name)
			if len(got) != 1 || got[0] != vals[0] {
				errorf("GET %s: %s = %q, want [%q]", p, name, got, vals[0])
			}
		}
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	for _, p := range []string{"/model-00000000.wasm", "/weights/ffffffffffffffff.bin", "/no/such/page"} {
		resp, body := get(p)
		if resp.StatusCode != 404 {
			errorf("GET %s (missing): status %d, want 404", p, resp.StatusCode)
		}
		if (len(index) > 0 && bytes.Contains(body, index)) || bytes.Contains(body, []byte("pwagen fixture")) {
			errorf("GET %s (missing): body is index.html (an SPA fallback)", p)
		}
	}
	// The big compressible assets must be compressed when asked.
	req, _ := http.NewRequest("GET", base+"/model-9c0d1e2f.wasm", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
		errorf("GET .wasm with Accept-Encoding: gzip: Content-Encoding %q, want gzip", ce)
	}
	return problems
}

// nginxBrotliModule is where Debian's libnginx-mod-http-brotli-static puts
// the module.
const nginxBrotliModule = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"

// TestNginxServesRules serves each fixture with the generated server block
// as it is, on an nginx without the brotli module (the include of
// pwagen-brotli.conf must match nothing and gzip_static send the .gz), and
// the precompressed fixtures again with the module loaded: with
// nginx-brotli.conf copied where the include looks, the .br goes to
// browsers that accept brotli; without it, still only the .gz, so the
// snippet is what turns brotli on.
func TestNginxServesRules(t *testing.T) {
	needBinary(t, "/usr/sbin/nginx")
	for _, fx := range fixtureSpecs {
		rules, out, beside := served(t, fx.spec, []string{"nginx"})
		site, err := os.ReadFile(filepath.Join(beside, "nginx.conf"))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fx.name, func(t *testing.T) {
			base := startNginx(t, site, out, nginxOptions{})
			checkServed(t, base, rules, fx.spec.Files, out)
			checkPrecompressed(t, base, rules, fx.spec, out, false)
		})
		if !fx.spec.Precompressed {
			continue
		}
		snippet, err := os.ReadFile(filepath.Join(beside, "nginx-brotli.conf"))
		if err != nil {
			t.Fatalf("%s: precompressed output without nginx-brotli.conf: %v", fx.name, err)
		}
		for _, tt := range []struct {
			name string
			opts nginxOptions
			br   bool
		}{
			{"brotli module, snippet copied", nginxOptions{brotliModule: true, brotliSnippet: snippet}, true},
			{"brotli module, no snippet", nginxOptions{brotliModule: true}, false},
		} {
			t.Run(fx.name+"/"+tt.name, func(t *testing.T) {
				if _, err := os.Stat(nginxBrotliModule); err != nil {
					ci.Missing(t, "%s is missing; apt-get install -y libnginx-mod-http-brotli-static", nginxBrotliModule)
				}
				base := startNginx(t, site, out, tt.opts)
				checkServed(t, base, rules, fx.spec.Files, out)
				checkPrecompressed(t, base, rules, fx.spec, out, tt.br)
			})
		}
	}
}

// nginxOptions are the parts of nginx.conf that are the user's, not
// pwagen's: whether the brotli module is loaded, and the content of
// pwagen-brotli.conf in nginx's folder (none when nil).
type nginxOptions struct {
	brotliModule  bool
	brotliSnippet []byte
}

// startNginx runs the generated server block with only listen and root
// set, inside a minimal nginx.conf whose paths are all in a temp folder,
// which is also nginx's configuration folder (where includes are looked
// up).
func startNginx(t *testing.T, site []byte, out string, opts nginxOptions) string {
	t.Helper()
	port := freePort(t)
	site = replaceOnce(t, site, "listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", port))
	site = replaceOnce(t, site, "root /srv/pwagen/out;", "root "+out+";")
	run := t.TempDir()
	if err := os.WriteFile(filepath.Join(run, "site.conf"), site, 0o644); err != nil {
		t.Fatal(err)
	}
	if opts.brotliSnippet != nil {
		if err := os.WriteFile(filepath.Join(run, nginxBrotliFile), opts.brotliSnippet, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	load := ""
	if opts.brotliModule {
		load = "load_module " + nginxBrotliModule + ";\n"
	}
	conf := fmt.Sprintf(`%[2]sworker_processes 1;
daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/client;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/site.conf;
}
`, run, load)
	if err := os.WriteFile(filepath.Join(run, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return start(t, port, []string{filepath.Join(run, "error.log")}, "/usr/sbin/nginx", "-p", run, "-c", filepath.Join(run, "nginx.conf"), "-e", filepath.Join(run, "error.log"))
}

// TestServerChecksCatchBrokenConfigs proves that the checks above fail on
// the mistakes they exist for, by serving broken variants of the nginx
// config.
func TestServerChecksCatchBrokenConfigs(t *testing.T) {
	needBinary(t, "/usr/sbin/nginx")
	headers := Spec{Files: fixtureFiles, Isolation: "headers"}
	many := Spec{Files: manyFiles, Isolation: "headers"} // grouped by folder
	for _, tt := range []struct {
		name, want string
		spec       Spec
		breakIt    func(string) string
	}{
		{"inheritance trap", "Cross-Origin-Embedder-Policy", headers, func(c string) string {
			// Global headers once at server level, as people write it:
			// every location with its own add_header drops them.
			var kept []string
			for _, l := range strings.Split(c, "\n") {
				if strings.Contains(l, "add_header") && !strings.Contains(l, "Cache-Control") {
					continue
				}
				kept = append(kept, l)
			}
			c = strings.Join(kept, "\n")
			return strings.Replace(c, "index index.html;", "index index.html;\n    add_header Cross-Origin-Embedder-Policy \"require-corp\" always;", 1)
		}},
		{"SPA fallback", "SPA fallback", headers, func(c string) string {
			return strings.ReplaceAll(c, "try_files $uri =404;", "try_files $uri /index.html;")
		}},
		{"no wasm type", "application/wasm", headers, func(c string) string {
			return strings.Replace(c, "\"application/wasm\" wasm;", "", 1)
		}},
		{"folder rule lost", "GET /img/p000.png: Cache-Control", many, func(c string) string {
			// The stable images fall through to "location /", which
			// has no Cache-Control.
			return strings.Replace(c, "location ~ ^/img/ {", "location ~ ^/img-moved/ {", 1)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rules, out, beside := served(t, tt.spec, []string{"nginx"})
			site, err := os.ReadFile(filepath.Join(beside, "nginx.conf"))
			if err != nil {
				t.Fatal(err)
			}
			broken := tt.breakIt(string(site))
			if broken == string(site) {
				t.Fatal("the mutation changed nothing")
			}
			base := startNginx(t, []byte(broken), out, nginxOptions{})
			problems := servedProblems(t, base, rules, tt.spec.Files, out)
			if !strings.Contains(strings.Join(problems, "\n"), tt.want) {
				t.Errorf("broken config passed the checks; problems: %q", problems)
			}
		})
	}
}

func TestApacheServesRules(t *testing.T) {
	needBinary(t, "/usr/sbin/apache2")
	mods := "/usr/lib/apache2/modules"
	for _, fx := range fixtureSpecs {
		t.Run(fx.name, func(t *testing.T) {
			rules, out, _ := served(t, fx.spec, []string{"apache"})
			port := freePort(t)
			run := t.TempDir()
			var load strings.Builder
			for _, m := range []string{"mpm_event", "authz_core", "dir", "mime", "headers", "filter", "deflate"} {
				fmt.Fprintf(&load, "LoadModule %s_module %s/mod_%s.so\n", m, mods, m)
			}
			conf := fmt.Sprintf(`ServerRoot %[1]s
%[2]sListen 127.0.0.1:%[3]d
ServerName 127.0.0.1
PidFile %[1]s/httpd.pid
DefaultRuntimeDir %[1]s
Mutex file:%[1]s default
ErrorLog %[1]s/error.log
LogLevel warn
TypesConfig /dev/null
DocumentRoot %[4]s
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory %[4]s>
    AllowOverride FileInfo Indexes
    Require all granted
</Directory>
`, run, load.String(), port, out)
			if err := os.WriteFile(filepath.Join(run, "httpd.conf"), []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			base := start(t, port, []string{filepath.Join(run, "error.log")}, "/usr/sbin/apache2", "-f", filepath.Join(run, "httpd.conf"), "-DFOREGROUND")
			checkServed(t, base, rules, fx.spec.Files, out)
		})
	}
}

func TestCaddyServesRules(t *testing.T) {
	needBinary(t, "/usr/bin/caddy")
	for _, fx := range fixtureSpecs {
		t.Run(fx.name, func(t *testing.T) {
			rules, out, beside := served(t, fx.spec, []string{"caddy"})
			port := freePort(t)
			run := t.TempDir()
			// Global options for a test run, then the generated file as is.
			conf := fmt.Sprintf("{\n\tadmin off\n\tauto_https off\n\tstorage file_system %s\n}\nimport %s\n", filepath.Join(run, "data"), filepath.Join(beside, "Caddyfile"))
			if err := os.WriteFile(filepath.Join(run, "Caddyfile"), []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PWAGEN_SITE", fmt.Sprintf("http://127.0.0.1:%d", port))
			t.Setenv("PWAGEN_ROOT", out)
			t.Setenv("XDG_DATA_HOME", filepath.Join(run, "xdg-data"))
			t.Setenv("XDG_CONFIG_HOME", filepath.Join(run, "xdg-config"))
			base := start(t, port, nil, "/usr/bin/caddy", "run", "--config", filepath.Join(run, "Caddyfile"), "--adapter", "caddyfile")
			checkServed(t, base, rules, fx.spec.Files, out)
			checkPrecompressed(t, base, rules, fx.spec, out, true)
		})
	}
}

func replaceOnce(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	if n := bytes.Count(data, []byte(old)); n != 1 {
		t.Fatalf("generated config has %q %d times, want once", old, n)
	}
	return bytes.Replace(data, []byte(old), []byte(new), 1)
}

// lockedBuffer collects a server's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// checkPrecompressed asks for every file with Accept-Encoding br and gzip,
// br alone and gzip alone: a spec with precompressed files must get the .br (when
// the server can send it) or the .gz byte for byte, with Content-Encoding,
// the file's own Content-Type, the compressed Content-Length and Vary:
// Accept-Encoding; images and weights come as they are.
func checkPrecompressed(t *testing.T, base string, rules []Rule, s Spec, out string, br bool) {
	t.Helper()
	if !s.Precompressed {
		return
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, f := range s.Files {
		for _, ae := range []string{"br, gzip", "br", "gzip"} {
			req, _ := http.NewRequest("GET", base+"/"+f.Name, nil)
			req.Header.Set("Accept-Encoding", ae)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			want, suffix := "", ""
			if Compressible(f.Name) {
				switch {
				case br && ae != "gzip":
					want, suffix = "br", precompress.BrSuffix
				case ae != "br":
					want, suffix = "gzip", precompress.GzSuffix
				}
			}
			file, _ := os.ReadFile(filepath.Join(out, filepath.FromSlash(f.Name+suffix)))
			if ce := resp.Header.Get("Content-Encoding"); ce != want {
				t.Errorf("GET /%s, Accept-Encoding %q: Content-Encoding %q, want %q", f.Name, ae, ce, want)
				continue
			}
			if want == "" {
				continue
			}
			if !bytes.Equal(body, file) {
				t.Errorf("GET /%s, Accept-Encoding %q: body is not %s%s (%d bytes, want %d)", f.Name, ae, f.Name, suffix, len(body), len(file))
			}
			if cl := resp.Header.Get("Content-Length"); cl != fmt.Sprint(len(file)) {
				t.Errorf("GET /%s, Accept-Encoding %q: Content-Length %q, want %d", f.Name, ae, cl, len(file))
			}
			if ct, wantCT := resp.Header.Get("Content-Type"), HeadersFor(rules, "/"+f.Name).Get("Content-Type"); ct != wantCT {
				t.Errorf("GET /%s, Accept-Encoding %q: Content-Type %q, want %q", f.Name, ae, ct, wantCT)
			}
			if v := strings.Join(resp.Header.Values("Vary"), ","); !strings.Contains(v, "Accept-Encoding") {
				t.Errorf("GET /%s, Accept-Encoding %q: Vary %q, want Accept-Encoding", f.Name, ae, v)
			}
		}
	}
}
