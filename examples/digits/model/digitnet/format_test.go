package digitnet

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

func sample() *Net {
	n := New(2, 3, 4)
	for pi, p := range n.Params() {
		for i := range *p {
			(*p)[i] = float32(pi) + float32(i)/8
		}
	}
	return n
}

func TestMarshalRoundTrips(t *testing.T) {
	n := sample()
	b := n.Marshal()
	if want := 20 + 4*(2*25+2+3*2*25+3+4*3*16+4+10*4+10); len(b) != want {
		t.Fatalf("marshalled %d bytes, want %d", len(b), want)
	}
	m, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Marshal(), b) {
		t.Fatal("Unmarshal(Marshal(n)) differs from n")
	}
}

func TestUnmarshalSaysWhatIsWrong(t *testing.T) {
	good := sample().Marshal()
	with := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	for _, tt := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "file is 0 bytes, shorter than the 20-byte header"},
		{"magic", append([]byte("PWDIGIT2"), good[8:]...), `magic "PWDIGIT2", want "PWDIGIT1"`},
		{"zero channels", with(8, 0), "offset 8: C1 = 0, want 1 to 1024"},
		{"huge hidden", with(16, 1<<30), "offset 16: Hidden = 1073741824, want 1 to 1024"},
		{"truncated", good[:len(good)-4], "a network with C1=2 C2=3 Hidden=4 needs 1824 (4 bytes short)"},
		{"too long", append(bytes.Clone(good), 0), "needs 1824 (1 bytes too many)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Unmarshal(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add(sample().Marshal())
	f.Add([]byte("PWDIGIT1\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := Unmarshal(b)
		if err != nil {
			return
		}
		if !bytes.Equal(n.Marshal(), b) {
			t.Fatal("accepted file does not marshal back to itself")
		}
		if _, err := n.Predict(nil, make([]float32, InputLen)); err != nil {
			t.Fatal(err)
		}
	})
}
