package document

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// withText inserts a tEXt chunk (metadata) after a PNG's IHDR.
func withText(t *testing.T, p []byte, key, val string) []byte {
	data := append([]byte(key+"\x00"), val...)
	chunk := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(chunk, uint32(len(data)))
	copy(chunk[4:], "tEXt")
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	const ihdrEnd = 8 + 8 + 13 + 4
	return append(append(append([]byte{}, p[:ihdrEnd]...), chunk...), p[ihdrEnd:]...)
}

// TestAttachmentKind: a screenshot of kind attachment passes with the
// format check and metadata stripping only (a flat picture the document
// gate would refuse), and a non-image is still refused.
func TestAttachmentKind(t *testing.T) {
	g, err := NewGate(Config{})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 600, 400))
	for i := range img.Pix {
		img.Pix[i] = 0xee
	}
	img.Set(10, 10, color.Black)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	shot := withText(t, buf.Bytes(), "Author", "secret-gps-location")
	if _, err := png.Decode(bytes.NewReader(shot)); err != nil {
		t.Fatalf("test PNG: %v", err)
	}
	doc, err := g.Check(shot, KindIDFront)
	if err != nil || doc.Accepted {
		t.Fatalf("the flat picture passed as an ID photo: %+v %v", doc, err)
	}
	rep, err := g.Check(shot, KindAttachment)
	if err != nil || !rep.Accepted || len(rep.Reasons) != 0 {
		t.Fatalf("attachment refused: %+v %v", rep, err)
	}
	if bytes.Contains(rep.Clean, []byte("secret-gps-location")) || !bytes.Contains(shot, []byte("secret-gps-location")) {
		t.Fatal("metadata kept in the clean copy")
	}
	if rep, err := g.Check([]byte("%PDF-1.4 not an image"), KindAttachment); err != nil || rep.Accepted {
		t.Fatalf("a PDF accepted as an attachment: %+v %v", rep, err)
	}
}
