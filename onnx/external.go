package onnx

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pwagen/pwagen/onnx/onnxpb"
)

// external reads the want bytes of an external tensor from a file in the model's folder.
func (d *decoder) external(p *onnxpb.TensorProto, what string, want int64) ([]byte, error) {
	if d.dir == "" {
		return nil, fmt.Errorf("%s keeps its data in an external file, which cannot be read here; use ReadFile on the model's path", what)
	}
	if p.GetRawData() != nil {
		return nil, fmt.Errorf("%s is external but also has raw_data; the file is corrupt", what)
	}
	kv := map[string]string{}
	for _, e := range p.GetExternalData() {
		switch e.GetKey() {
		case "location", "offset", "length", "checksum":
			kv[e.GetKey()] = e.GetValue()
		default:
			return nil, fmt.Errorf("%s: unknown external_data key %q; the keys are location, offset, length and checksum", what, e.GetKey())
		}
	}
	loc, ok := kv["location"]
	if !ok || loc == "" {
		return nil, fmt.Errorf("%s is external but names no location; the file is corrupt", what)
	}
	path, err := d.inside(loc, what)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: external data: %w; keep the data file beside the model", what, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: external data: %w", what, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: external data %q is not a regular file", what, loc)
	}
	off, err := parseExt(kv, "offset", 0, what)
	if err != nil {
		return nil, err
	}
	length, err := parseExt(kv, "length", st.Size()-off, what)
	if err != nil {
		return nil, err
	}
	if off > st.Size() || length > st.Size()-off {
		return nil, fmt.Errorf("%s: external data %q is %d bytes, but offset %d + length %d runs past its end; the data file is truncated or not this model's",
			what, loc, st.Size(), off, length)
	}
	if length != want {
		return nil, fmt.Errorf("%s: external data holds %d bytes, but its shape needs %d; the data file is not this model's", what, length, want)
	}
	if sum, ok := kv["checksum"]; ok {
		if err := checkSHA1(f, sum, what, loc); err != nil {
			return nil, err
		}
	}
	b := make([]byte, length)
	if _, err := f.ReadAt(b, off); err != nil && !(err == io.EOF && length == 0) {
		return nil, fmt.Errorf("%s: reading external data %q: %w", what, loc, err)
	}
	return b, nil
}

// inside resolves loc relative to the model's folder, after symlinks, and
// refuses any path that leaves it.
func (d *decoder) inside(loc, what string) (string, error) {
	escape := fmt.Errorf("%s: external data location %q leaves the model's folder %s; only files in that folder are read", what, loc, d.dir)
	if filepath.IsAbs(loc) || strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, `\`) || filepath.VolumeName(loc) != "" {
		return "", escape
	}
	root, err := filepath.EvalSymlinks(d.dir)
	if err != nil {
		return "", fmt.Errorf("%s: model folder: %w", what, err)
	}
	root, _ = filepath.Abs(root)
	path, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(loc)))
	if err != nil {
		return "", fmt.Errorf("%s: external data %q: %w; keep the data file beside the model", what, loc, err)
	}
	path, _ = filepath.Abs(path)
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", escape
	}
	return path, nil
}

func parseExt(kv map[string]string, key string, def int64, what string) (int64, error) {
	s, ok := kv[key]
	if !ok {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%s: external data %s %q is not a non-negative integer; the file is corrupt", what, key, s)
	}
	return v, nil
}

func checkSHA1(f *os.File, sum, what, loc string) error {
	h := sha1.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62)); err != nil {
		return fmt.Errorf("%s: reading external data %q: %w", what, loc, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, sum) {
		return fmt.Errorf("%s: external data %q has SHA-1 %s, but the model expects %s; the data file is not this model's", what, loc, got, sum)
	}
	return nil
}
