package document

import (
	"slices"
	"testing"
)

// FuzzSniff: any bytes get one of the named formats; only JPEG and PNG pass
// without a reason, every reason is registered with both languages, and
// sniffing depends on the bytes alone (the same answer twice, and a prefix
// of the input never panics either).
func FuzzSniff(f *testing.F) {
	for _, s := range []string{
		"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1",
		"\x00\x00\x00\x14ftypisom\x00\x00\x02\x00isom", "RIFF\x00\x00\x00\x00WEBPVP8 ", "GIF89a", "%PDF-1.7\n",
		"BM\x00\x00", "II*\x00", "MM\x00*", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "<?xml version=\"1.0\"?><svg",
		"PK\x03\x04", "\x1f\x8b", "hello, 世界", "", "\x00", "\x00\x00\x00\x08ftyp",
	} {
		f.Add([]byte(s))
	}
	formats := []string{FormatJPEG, FormatPNG, FormatHEIC, FormatAVIF, FormatWebP, FormatGIF, FormatPDF, FormatBMP, FormatTIFF,
		FormatSVG, FormatVideo, FormatOffice, FormatArchive, FormatText, FormatUnknown, FormatEmpty}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			t.Skip()
		}
		format, r := Sniff(data)
		if !slices.Contains(formats, format) {
			t.Fatalf("unnamed format %q", format)
		}
		if (format == FormatJPEG || format == FormatPNG) != (r == nil) {
			t.Fatalf("format %s with reason %v", format, r)
		}
		if r != nil {
			if _, ok := ReasonFor(r.Code); !ok || r.Message.EN == "" || r.Message.ZH == "" || r.Hint.ZH == "" {
				t.Fatalf("reason %+v", r)
			}
		}
		if len(data) == 0 && format != FormatEmpty {
			t.Fatalf("empty input sniffed as %s", format)
		}
		if f2, _ := Sniff(data); f2 != format {
			t.Fatalf("sniffed %s then %s", format, f2)
		}
		for _, n := range []int{1, 4, 12, 32} {
			if n < len(data) {
				_, _ = Sniff(data[:n])
			}
		}
	})
}
