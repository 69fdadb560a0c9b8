package npy

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// ReadInput reads a .npy file or a JSON file of nested arrays, told apart by
// content, not by name. limit bounds the array's bytes in memory and the
// JSON text's length.
func ReadInput(path string, limit int64) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+int64(len(magic))+maxHeader+8))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var a *Array
	switch t := bytes.TrimLeft(b, " \t\r\n\ufeff"); {
	case bytes.HasPrefix(b, []byte(magic)):
		a, err = Read(bytes.NewReader(b), limit)
	case len(t) > 0 && (t[0] == '[' || t[0] == '-' || t[0] >= '0' && t[0] <= '9'):
		a, err = ParseJSON(t, limit)
	default:
		err = fmt.Errorf("neither a .npy array nor JSON of nested arrays; save the input with numpy.save or as [[1, 2], [3, 4]]")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}
