package edge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/pwagen/pwagen/internal/tensorio"
	"github.com/pwagen/pwagen/runner"
)

// server answers the HTTP API from a pool of model instances.
//
// A request takes a slot before its body is read, and gives it back when it
// is answered: there are instances+queue slots, so at most that many bodies
// (each at most maxBody bytes) are in memory, and a request that finds
// none free is answered 503 with Retry-After at once, never left waiting.
type server struct {
	e       *engine
	sig     runner.Signature
	pool    chan *runner.Model
	slots   chan struct{}
	maxBody int64
	log     io.Writer
	logMu   sync.Mutex
}

func (s *server) logf(format string, a ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.log, "%s: "+format+"\n", append([]any{s.e.b.Name}, a...)...)
}

func serveCmd(ctx context.Context, b Bundle, args []string, stdout, stderr io.Writer, start time.Time) error {
	fl, cache := newFlags("serve", stderr)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	instances := fl.Int("instances", runtime.NumCPU(), "model instances, each answering one request at a time")
	queue := fl.Int("queue", -1, "requests that may wait for an instance; more are answered 503 (default 4 per instance)")
	maxBody := fl.Int64("max-body", 0, "largest request body in bytes (default 32 bytes per input value, at least 1 MiB)")
	limit := fl.Duration("time-limit", 0, "stop a prediction after this long and answer 500 (such as 2s); the model then runs about 4 times slower (default: none)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *instances < 1 || *instances > 1024 {
		return usagef("--instances %d: give 1 to 1024", *instances)
	}
	if *queue == -1 {
		*queue = 4 * *instances
	}
	if *queue < 0 || *queue > 1<<16 {
		return usagef("--queue %d: give 0 to 65536", *queue)
	}
	if *maxBody < 0 {
		return usagef("--max-body %d: give a size in bytes", *maxBody)
	}
	if *limit < 0 {
		return usagef("--time-limit %v: give a positive duration, such as 2s", *limit)
	}
	e, err := newEngine(b, *cache, stderr)
	if err != nil {
		return err
	}
	e.limit = *limit
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := &server{e: e, pool: make(chan *runner.Model, *instances), slots: make(chan struct{}, *instances+*queue), log: stderr}
	defer func() {
		close(s.pool)
		for m := range s.pool {
			m.Close(context.Background())
		}
	}()
	for range *instances {
		m, err := e.load(ctx)
		if err != nil {
			return err
		}
		s.pool <- m
		s.sig = m.Signature()
	}
	s.maxBody = *maxBody
	if s.maxBody == 0 {
		n := int64(0)
		for _, t := range s.sig.Inputs {
			n += int64(t.Len())
		}
		s.maxBody = max(32*n+64<<10, 1<<20)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return usagef("--addr %s: %v; choose another port, such as --addr 127.0.0.1:0", *addr, err)
	}
	srv := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(stdout, "%s: serving http://%s (%d instances, queue %d, bodies up to %d bytes, kernels %s); started in %s\n",
		b.Name, ln.Addr(), *instances, *queue, s.maxBody, e.variant, ms(time.Since(start)))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintf(stdout, "%s: stopping: finishing the requests in flight\n", b.Name)
	sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("stopping: %v; requests still running were cut", err)
	}
	fmt.Fprintf(stdout, "%s: stopped\n", b.Name)
	return nil
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/predict", s.predict)
	mux.HandleFunc("GET /v1/model", s.model)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	if s.e.b.PWA != nil {
		mux.Handle("GET /", newApp(s.e.b))
	}
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"an output is NaN or infinite, which JSON cannot hold"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

func fail(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func (s *server) model(w http.ResponseWriter, r *http.Request) {
	b := s.e.b
	writeJSON(w, http.StatusOK, map[string]any{
		"name":           b.Name,
		"inputs":         s.sig.Inputs,
		"outputs":        s.sig.Outputs,
		"variant":        s.e.variant,
		"version":        b.WasmSHA256[:12],
		"sha256":         b.WasmSHA256,
		"weights_sha256": b.WeightsSHA256,
	})
}

func (s *server) predict(w http.ResponseWriter, r *http.Request) {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		w.Header().Set("Retry-After", "1")
		fail(w, http.StatusServiceUnavailable, fmt.Errorf("busy: %d instances and %d places in the queue are taken; retry in 1 s", cap(s.pool), cap(s.slots)-cap(s.pool)))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			fail(w, http.StatusRequestEntityTooLarge, fmt.Errorf("the body is over the limit of %d bytes; send less, or start the server with a larger --max-body", mb.Limit))
			return
		}
		fail(w, http.StatusBadRequest, fmt.Errorf("reading the body: %v", err))
		return
	}
	ins, err := parseBody(s.sig, body, s.maxBody*8)
	if err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	var m *runner.Model
	select {
	case m = <-s.pool:
	case <-r.Context().Done():
		return
	}
	ctx := context.Background() // the model is not interruptible
	if s.e.limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(r.Context(), s.e.limit)
		defer cancel()
	}
	outs, _, err := tensorio.Predict(ctx, m, ins)
	if err != nil && !errors.As(err, new(tensorio.BadInput)) {
		// A trapped or stopped instance is not trusted again: load a new one.
		m.Close(context.Background())
		fresh, lerr := s.e.load(context.Background())
		if lerr != nil {
			s.logf("an instance could not be loaded again: %v", lerr)
		}
		m = fresh
	}
	if m != nil {
		s.pool <- m
	}
	switch {
	case errors.As(err, new(tensorio.BadInput)):
		fail(w, http.StatusBadRequest, err)
	case err != nil:
		fail(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"outputs": outs})
	}
}
