package face

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pngBomb is a valid greyscale PNG of side×side zero pixels: a few kilobytes
// per 10 megapixels.
func pngBomb(t *testing.T, side int) []byte {
	t.Helper()
	var out bytes.Buffer
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, c.Sum32())
	}
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(side))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(side))
	ihdr[8] = 8 // bit depth; colour type 0 (grey)
	chunk("IHDR", ihdr)
	var idat bytes.Buffer
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, side+1)
	for range side {
		z.Write(row)
	}
	z.Close()
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// A photo the gate refuses for its size (IMAGE_TOO_MANY_PIXELS) is never
// decoded by `check face`: a 1.5 MB PNG of 40,000×40,000 pixels decoded to
// 1.6 GB ("fatal error: out of memory" under a 3 GB limit) before.
func TestCheckFaceRefusesDecompressionBomb(t *testing.T) {
	bomb := filepath.Join(t.TempDir(), "bomb.png")
	if err := os.WriteFile(bomb, pngBomb(t, 8000), 0o644); err != nil { // 64 MP > 40 MP
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--document", bomb, "--selfie", "testdata/pigo.jpg"},
		{"--document", "testdata/pigo.jpg", "--selfie", bomb},
	} {
		code, _, _, stderr := runCheck(append([]string{"--face-dir", t.TempDir()}, args...)...)
		if code != 2 || !strings.Contains(stderr, "IMAGE_TOO_MANY_PIXELS") {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming IMAGE_TOO_MANY_PIXELS", args, code, stderr)
		}
	}
}

// A file the gate refused and that cannot be decoded says why, in the
// gate's code: a JPEG cut short is IMAGE_CORRUPT, not "not a JPEG".
func TestCheckFaceNamesTheRefusal(t *testing.T) {
	b, err := os.ReadFile("testdata/astronaut.jpg")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cut, empty, text := filepath.Join(dir, "cut.jpg"), filepath.Join(dir, "empty.jpg"), filepath.Join(dir, "x.jpg")
	os.WriteFile(cut, b[:len(b)/2], 0o644)
	os.WriteFile(empty, nil, 0o644)
	os.WriteFile(text, []byte("not an image at all\n"), 0o644)
	for file, want := range map[string]string{cut: "IMAGE_CORRUPT", empty: "FILE_EMPTY", text: "FORMAT_TEXT"} {
		code, _, _, stderr := runCheck("--face-dir", t.TempDir(), "--document", "testdata/pigo.jpg", "--selfie", file)
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 naming %s", filepath.Base(file), code, stderr, want)
		}
	}
}
