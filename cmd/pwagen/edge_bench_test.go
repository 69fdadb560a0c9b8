package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
)

// edgeBench packages project (copied from src, or made from an ONNX file)
// with --edge once per benchmark run.
func edgeBench(b *testing.B, name string, setup func(dir string) string) (proj, exe string) {
	b.Helper()
	dir := b.TempDir()
	proj = setup(dir)
	out := filepath.Join(dir, "out")
	mustRun(b, "package", "-q", "--edge", "--out", out, proj)
	exe = filepath.Join(out+".edge", filepath.Base(proj)+"-"+runtime.GOOS+"-"+runtime.GOARCH)
	fi, err := os.Stat(exe)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %s is %.2f MB", name, filepath.Base(exe), float64(fi.Size())/1e6)
	return proj, exe
}

// BenchmarkEdge times the executable of tiny.onnx and of examples/digits:
// start to first answer with no compilation cache (cold) and with a warm
// one, and serve on loopback with 1 to 4 connections (p50, p99, req/s).
// For digits, native-go is digitnet.Predict in this process: the pure-Go
// model the browser's answers are checked against.
func BenchmarkEdge(b *testing.B) {
	models := []struct {
		name  string
		setup func(dir string) string
	}{
		{"tiny", func(dir string) string {
			p := filepath.Join(dir, "tiny")
			mustRun(b, "new", "--from", filepath.Join("..", "..", "testdata", "onnx", "made", "tiny.onnx"), p)
			return p
		}},
		{"digits", func(dir string) string {
			p, err := filepath.Abs(filepath.Join("..", "..", "examples", "digits"))
			if err != nil {
				b.Fatal(err)
			}
			return p // packaged in place, into dir
		}},
	}
	for _, m := range models {
		proj, exe := edgeBench(b, m.name, m.setup)
		var srv struct{ Inputs []struct{ Shape []int } }
		in := filepath.Join(b.TempDir(), "in.json")
		cache := b.TempDir()
		writeZeros(b, exe, in, cache, &srv)
		b.Run(m.name+"/start/cold", func(b *testing.B) {
			for b.Loop() {
				if out, err := exec.Command(exe, "predict", "--cache", "off", "--input", in).CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
			}
		})
		b.Run(m.name+"/start/warm", func(b *testing.B) {
			for b.Loop() {
				if out, err := exec.Command(exe, "predict", "--cache", cache, "--input", in).CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
			}
		})
		body, _ := os.ReadFile(in)
		for conns := 1; conns <= 4; conns++ {
			b.Run(fmt.Sprintf("%s/serve/conns=%d", m.name, conns), func(b *testing.B) {
				s := startServe(b, exe, "--cache", cache, "--instances", fmt.Sprint(conns))
				defer func() { s.cmd.Process.Kill(); <-s.done }()
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
				var mu sync.Mutex
				var lat []time.Duration
				next := make(chan struct{})
				var wg sync.WaitGroup
				for range conns {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range next {
							t := time.Now()
							resp, err := client.Post(s.url+"/v1/predict", "application/json", strings.NewReader(string(body)))
							if err != nil {
								b.Error(err)
								return
							}
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode != 200 {
								b.Errorf("status %d", resp.StatusCode)
							}
							d := time.Since(t)
							mu.Lock()
							lat = append(lat, d)
							mu.Unlock()
						}
					}()
				}
				b.ResetTimer()
				for b.Loop() {
					next <- struct{}{}
				}
				close(next)
				wg.Wait()
				b.StopTimer()
				slices.Sort(lat)
				if len(lat) > 0 {
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
					b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "req/s")
				}
			})
		}
		if m.name == "digits" {
			w, err := os.ReadFile(filepath.Join(proj, "weights", "digits.bin"))
			if err != nil {
				b.Fatal(err)
			}
			net, err := digitnet.Unmarshal(w)
			if err != nil {
				b.Fatal(err)
			}
			img := make([]float32, digitnet.InputLen)
			b.Run("digits/native-go", func(b *testing.B) {
				var out []float32
				for b.Loop() {
					out, _ = net.Predict(out, img)
				}
			})
		}
	}
}

// writeZeros asks the executable for its input shape and writes a JSON
// input of zeros.
func writeZeros(b *testing.B, exe, in, cache string, sig *struct{ Inputs []struct{ Shape []int } }) {
	s := startServe(b, exe, "--cache", cache, "--instances", "1")
	defer func() { s.cmd.Process.Kill(); <-s.done }()
	resp, err := http.Get(s.url + "/v1/model")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(sig); err != nil {
		b.Fatal(err)
	}
	var nest func(shape []int) string
	nest = func(shape []int) string {
		if len(shape) == 0 {
			return "0"
		}
		parts := make([]string, shape[0])
		for i := range parts {
			parts[i] = nest(shape[1:])
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	if err := os.WriteFile(in, []byte(nest(sig.Inputs[0].Shape)), 0o644); err != nil {
		b.Fatal(err)
	}
}
