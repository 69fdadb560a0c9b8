package edge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/runner"
)

// watModel assembles testdata/wat/NAME.wat with wabt's wat2wasm.
func watModel(t *testing.T, name string) []byte {
	t.Helper()
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm not installed (apt-get install wabt)")
	}
	out := filepath.Join(t.TempDir(), name+".wasm")
	if b, err := exec.Command(wat2wasm, filepath.Join("testdata", "wat", name+".wat"), "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", name, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testServer serves bundle b with the given instances, as serve does.
func testServer(t *testing.T, b Bundle, instances int) *httptest.Server {
	t.Helper()
	sum := sha256.Sum256(b.Wasm)
	b.WasmSHA256 = hex.EncodeToString(sum[:])
	e, err := newEngine(b, "off", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{e: e, pool: make(chan *runner.Model, instances), slots: make(chan struct{}, instances), maxBody: 1 << 20, log: io.Discard}
	for range instances {
		m, err := e.load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		s.pool <- m
		s.sig = m.Signature()
	}
	t.Cleanup(func() {
		close(s.pool)
		for m := range s.pool {
			m.Close(context.Background())
		}
	})
	srv := httptest.NewServer(s.handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestServeModelError: a prediction the model refuses is answered 500 with
// the model's own message, and the server goes on answering with a fresh
// instance.
func TestServeModelError(t *testing.T) {
	srv := testServer(t, Bundle{Name: "fails", Wasm: watModel(t, "fails")}, 1)
	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{"[-1, 0, 0, 0]", 500, `"error":"the model failed: input 0 is negative: the model takes levels from 0 to 1"`},
		{"[0.25, 0, 0, 0]", 200, `"values":[0.25]`},
		{"[-2, 0, 0, 0]", 500, "input 0 is negative"},
		{"[1, 2]", 400, `input \"input\" of the model has shape [4] (4 values)`},
		{"[0.5, 0, 0, 0]", 200, `"values":[0.5]`},
	} {
		resp, err := http.Post(srv.URL+"/v1/predict", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(string(b), tc.want) || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("POST %s: %d %s %s; want %d with %s", tc.body, resp.StatusCode, resp.Header.Get("Content-Type"), b, tc.code, tc.want)
		}
	}
}
