package fsx

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/pwagen/pwagen/internal/size"
)

// Limits for the kinds of file pwagen reads. Each is far above what a
// sensible input holds, and far below what would exhaust the machine.
const (
	ConfigLimit = 1 << 20   // pwagen.toml
	IconLimit   = 32 << 20  // the source icon (a PNG)
	PageLimit   = 8 << 20   // web/index.html
	WebLimit    = 256 << 20 // any other file of web/, held in memory
	WasmLimit   = 1 << 30   // a .wasm module, held in memory
	// WeightsLimit is the most weights a model can hold, streamed: a
	// wasm32 module's linear memory is at most 4 GiB.
	WeightsLimit = size.Wasm32Memory
)

// Check tells whether path is a regular file of at most limit bytes.
func Check(path string, limit int64, what string) error {
	f, _, err := Open(path, limit, what)
	if err == nil {
		f.Close()
	}
	return err
}

// SizeError is a file over the limit for its kind.
type SizeError struct {
	Path, What  string
	Size, Limit int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("%s: %d bytes (%s), over the limit of %d bytes (%s) for the %s file by %d bytes; is it the right file?",
		e.Path, e.Size, size.Human(e.Size), e.Limit, size.Human(e.Limit), e.What, e.Size-e.Limit)
}

// NotRegularError is an input that is not a regular file: a folder, a
// device such as /dev/zero, a pipe or a socket.
type NotRegularError struct {
	Path, What string
	Mode       fs.FileMode
}

func (e *NotRegularError) Error() string {
	kind := "not a regular file"
	switch {
	case e.Mode.IsDir():
		kind = "a folder"
	case e.Mode&fs.ModeDevice != 0:
		kind = "a device"
	case e.Mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case e.Mode&fs.ModeSocket != 0:
		kind = "a socket"
	}
	return fmt.Sprintf("%s: the %s file is %s, not a regular file; give the path of a file", e.Path, e.What, kind)
}

// Open opens the regular file at path for streaming, after checking that
// it is one (a device or a pipe is refused before it is opened, so that
// opening cannot block) and that it holds at most limit bytes. what names
// the file's role in errors ("weights", "icon").
func Open(path string, limit int64, what string) (*os.File, fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, &NotRegularError{Path: path, What: what, Mode: fi.Mode()}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	// The file may have been swapped between Stat and Open: check again.
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = &NotRegularError{Path: path, What: what, Mode: fi.Mode()}
		}
		return nil, nil, err
	}
	if fi.Size() > limit {
		f.Close()
		return nil, nil, &SizeError{Path: path, What: what, Size: fi.Size(), Limit: limit}
	}
	return f, fi, nil
}

// ReadFile reads the regular file at path, of at most limit bytes. It
// never reads more than limit+1 bytes, even from a file that grows.
func ReadFile(path string, limit int64, what string) ([]byte, error) {
	f, fi, err := Open(path, limit, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data := make([]byte, 0, fi.Size())
	data, err = readAll(io.LimitReader(f, limit+1), data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, &SizeError{Path: path, What: what, Size: int64(len(data)), Limit: limit}
	}
	return data, nil
}

func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
