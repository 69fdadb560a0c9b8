package packager

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bombPNG is issue 12's 74-byte PNG that declares 100000x100000 pixels.
func bombPNG() []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 100000)
	binary.BigEndian.PutUint32(ihdr[4:], 100000)
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00})
	chunk("IEND", nil)
	return b.Bytes()
}

// TestMakeIconsRefuses: icons that would exhaust memory or never end are
// refused before they are decoded or read (issue 12, defects 4 and 5).
func TestMakeIconsRefuses(t *testing.T) {
	if n := len(bombPNG()); n != 74 {
		t.Fatalf("the bomb is %d bytes, want issue 12's 74", n)
	}
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.png")
	os.WriteFile(bomb, bombPNG(), 0o644)
	big := filepath.Join(dir, "big.png")
	os.WriteFile(big, make([]byte, 33<<20), 0o644)
	for _, tt := range []struct{ icon, want string }{
		{bomb, "bomb.png: the PNG declares 100000x100000 px (10000000000 pixels), over pwagen's limit of 4096x4096 px"},
		{"/dev/zero", "/dev/zero: the icon file is a device, not a regular file"},
		{big, "big.png: 34603008 bytes (33 MiB), over the limit of 33554432 bytes (32 MiB) for the icon file"},
	} {
		t.Run(filepath.Base(tt.icon), func(t *testing.T) {
			c := newProject(t, nil)
			c.App.Icon = tt.icon
			err := makeIcons(context.Background(), NewBuild(c, ""))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
