package main

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// maxWAV bounds a WAV file read by the native command and the tests.
const maxWAV = 64 << 20

// readWAV returns the samples of a 16 kHz mono 16-bit PCM WAV file, in
// [-1, 1] (int16 / 32768).
func readWAV(name string, b []byte) ([]float32, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%s: not a RIFF WAVE file", name)
	}
	var fmtOK bool
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := off + 8
		if size < 0 || size > len(b)-body {
			size = len(b) - body
		}
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, fmt.Errorf("%s: fmt chunk of %d bytes, want at least 16", name, size)
			}
			f := b[body:]
			format, ch := binary.LittleEndian.Uint16(f), binary.LittleEndian.Uint16(f[2:])
			rate, bits := binary.LittleEndian.Uint32(f[4:]), binary.LittleEndian.Uint16(f[14:])
			if format != 1 || ch != 1 || rate != 16000 || bits != 16 {
				return nil, fmt.Errorf("%s: format %d, %d channels, %d Hz, %d bits; want PCM (1), mono, 16000 Hz, 16 bits (sox IN -r 16000 -c 1 -b 16 OUT.wav)", name, format, ch, rate, bits)
			}
			fmtOK = true
		case "data":
			if !fmtOK {
				return nil, fmt.Errorf("%s: data before the fmt chunk", name)
			}
			s := make([]float32, size/2)
			for i := range s {
				s[i] = float32(int16(binary.LittleEndian.Uint16(b[body+2*i:]))) / 32768
			}
			return s, nil
		}
		off = body + size + size&1
	}
	return nil, errors.New(name + ": no data chunk")
}
