package document

import (
	"bytes"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	ftyp := func(major string, compat ...string) []byte {
		body := major + "\x00\x00\x00\x00" + major + strings.Join(compat, "")
		n := 8 + len(body)
		return append([]byte{0, 0, 0, byte(n), 'f', 't', 'y', 'p'}, []byte(body+"\x00\x00\x00\x08free")...)
	}
	tests := []struct {
		name   string
		data   []byte
		format string
		code   string // "" when accepted
	}{
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), FormatJPEG, ""},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), FormatPNG, ""},
		{"empty", nil, FormatEmpty, CodeFileEmpty},
		{"heic", ftyp("heic", "mif1", "heic"), FormatHEIC, CodeFormatHEIC},
		{"heix", ftyp("heix", "mif1"), FormatHEIC, CodeFormatHEIC},
		{"mif1 heif", ftyp("mif1", "heic"), FormatHEIC, CodeFormatHEIC},
		{"msf1 sequence", ftyp("msf1", "hevc"), FormatHEIC, CodeFormatHEIC},
		{"hevc", ftyp("hevc"), FormatHEIC, CodeFormatHEIC},
		{"avif", ftyp("avif", "mif1", "miaf"), FormatAVIF, CodeFormatAVIF},
		{"avif via mif1", ftyp("mif1", "avif"), FormatAVIF, CodeFormatAVIF},
		{"mp4", ftyp("isom", "iso2", "mp41"), FormatVideo, CodeFormatVideo},
		{"quicktime live photo", ftyp("qt  "), FormatVideo, CodeFormatVideo},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), FormatWebP, CodeFormatWebP},
		{"gif87", []byte("GIF87a\x01\x00\x01\x00"), FormatGIF, CodeFormatGIF},
		{"gif89", []byte("GIF89a\x01\x00\x01\x00"), FormatGIF, CodeFormatGIF},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), FormatPDF, CodeFormatPDF},
		{"pdf after junk", append(bytes.Repeat([]byte{0}, 100), []byte("%PDF-1.4\n")...), FormatPDF, CodeFormatPDF},
		{"bmp", append([]byte("BM"), make([]byte, 60)...), FormatBMP, CodeFormatBMP},
		{"tiff le", []byte("II*\x00\x08\x00\x00\x00"), FormatTIFF, CodeFormatTIFF},
		{"tiff be", []byte("MM\x00*\x00\x00\x00\x08"), FormatTIFF, CodeFormatTIFF},
		{"docx", []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"), FormatOffice, CodeFormatOffice},
		{"doc", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), FormatOffice, CodeFormatOffice},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00photo.jpg"), FormatArchive, CodeFormatArchive},
		{"rar", []byte("Rar!\x1a\x07\x01\x00"), FormatArchive, CodeFormatArchive},
		{"gzip", []byte("\x1f\x8b\x08\x00"), FormatArchive, CodeFormatArchive},
		{"text", []byte("hello, this is my ID number\n"), FormatText, CodeFormatText},
		{"chinese text", []byte("这是我的身份证号码\n"), FormatText, CodeFormatText},
		{"svg", []byte("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"), FormatSVG, CodeFormatSVG},
		{"jpeg xl", []byte("\xff\x0a\xfa\x7f"), FormatUnknown, CodeFormatUnsupported},
		{"jpeg 2000", []byte("\x00\x00\x00\x0cjP  \r\n\x87\n"), FormatUnknown, CodeFormatUnsupported},
		{"webm", []byte("\x1aE\xdf\xa3\x9fB\x86"), FormatVideo, CodeFormatVideo},
		{"random binary", []byte{0x00, 0x01, 0x02, 0x03, 0xfe, 0x99}, FormatUnknown, CodeFormatUnsupported},
		{"one byte", []byte{0xff}, FormatUnknown, CodeFormatUnsupported},
		{"short ftyp", []byte("\x00\x00\x00\x00ftyp"), FormatUnknown, CodeFormatUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, r := Sniff(tt.data)
			if f != tt.format {
				t.Errorf("format = %q, want %q", f, tt.format)
			}
			switch {
			case tt.code == "" && r != nil:
				t.Errorf("refused with %s, want accepted", r.Code)
			case tt.code != "" && r == nil:
				t.Errorf("accepted, want %s", tt.code)
			case r != nil && r.Code != tt.code:
				t.Errorf("code = %s, want %s", r.Code, tt.code)
			}
		})
	}
}

// Every reason has both languages for its message and hint, and every code
// constant is in the table.
func TestReasonsComplete(t *testing.T) {
	codes := Codes()
	if len(codes) < 25 {
		t.Fatalf("only %d reasons", len(codes))
	}
	for _, c := range codes {
		r, ok := ReasonFor(c)
		if !ok || r.Code != c {
			t.Fatalf("ReasonFor(%s) = %+v, %v", c, r, ok)
		}
		if r.Message.EN == "" || r.Message.ZH == "" || r.Hint.EN == "" || r.Hint.ZH == "" {
			t.Errorf("%s: missing a language: %+v", c, r)
		}
		if r.Message.EN == r.Message.ZH {
			t.Errorf("%s: zh message not translated", c)
		}
	}
	if _, ok := ReasonFor("NO_SUCH_CODE"); ok {
		t.Error("unknown code reported as known")
	}
	dup, _ := ReasonFor(CodeDuplicate)
	if !dup.Sensitive || !dup.Signal {
		t.Error("DUPLICATE_IMAGE must be a sensitive signal")
	}
	heic, _ := ReasonFor(CodeFormatHEIC)
	if !strings.Contains(heic.Hint.EN, "Most Compatible") || !strings.Contains(heic.Hint.ZH, "兼容性最佳") {
		t.Errorf("HEIC hint does not say how to fix it: %+v", heic.Hint)
	}
}

func TestKindValid(t *testing.T) {
	for _, k := range Kinds {
		if !k.Valid() {
			t.Errorf("%s not valid", k)
		}
	}
	for _, k := range []Kind{"", "ID_FRONT", "drivers_license"} {
		if k.Valid() {
			t.Errorf("%q valid", k)
		}
	}
}
