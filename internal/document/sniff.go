package document

import (
	"bytes"
	"unicode/utf8"
)

// The formats Sniff names. Only FormatJPEG and FormatPNG are accepted.
const (
	FormatJPEG    = "jpeg"
	FormatPNG     = "png"
	FormatHEIC    = "heic"
	FormatAVIF    = "avif"
	FormatWebP    = "webp"
	FormatGIF     = "gif"
	FormatPDF     = "pdf"
	FormatBMP     = "bmp"
	FormatTIFF    = "tiff"
	FormatSVG     = "svg"
	FormatVideo   = "video"
	FormatOffice  = "office"
	FormatArchive = "archive"
	FormatText    = "text"
	FormatUnknown = "unknown"
	FormatEmpty   = "empty"
)

// Sniff decides the format of data from its bytes alone (magic numbers), never
// from a file name or a Content-Type. It returns the format and, when the
// format is not accepted (anything but JPEG and PNG), the reason to refuse it.
func Sniff(data []byte) (format string, r *Reason) {
	f, code := sniff(data)
	if code == "" {
		return f, nil
	}
	rr := reason(code)
	return f, &rr
}

func sniff(b []byte) (string, string) {
	has := func(off int, magic string) bool {
		return len(b) >= off+len(magic) && string(b[off:off+len(magic)]) == magic
	}
	switch {
	case len(b) == 0:
		return FormatEmpty, CodeFileEmpty
	case has(0, "\xff\xd8\xff"):
		return FormatJPEG, ""
	case has(0, "\x89PNG\r\n\x1a\n"):
		return FormatPNG, ""
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return FormatGIF, CodeFormatGIF
	case has(0, "RIFF") && has(8, "WEBP"):
		return FormatWebP, CodeFormatWebP
	case has(0, "RIFF") && has(8, "AVI "):
		return FormatVideo, CodeFormatVideo
	case has(4, "ftyp"):
		return sniffISOBMFF(b)
	case has(0, "BM") && len(b) >= 26:
		return FormatBMP, CodeFormatBMP
	case has(0, "II*\x00"), has(0, "MM\x00*"), has(0, "IIRO"), has(0, "IIU\x00"), has(0, "FUJIFILMCCD-RAW"):
		return FormatTIFF, CodeFormatTIFF
	case has(0, "\x00\x00\x00\x0cjP  \r\n\x87\n"), has(0, "\xff\x4f\xff\x51"), has(0, "\xff\x0a"),
		has(0, "\x00\x00\x00\x0cJXL \r\n\x87\n"), has(0, "8BPS"), has(0, "\x00\x00\x01\x00"):
		// JPEG 2000, JPEG XL, Photoshop, ICO: images, but not ones we take.
		return FormatUnknown, CodeFormatUnsupported
	case has(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"): // OLE2: .doc, .xls, .ppt
		return FormatOffice, CodeFormatOffice
	case has(0, "PK\x03\x04"), has(0, "PK\x05\x06"):
		head := b[:min(len(b), 4096)]
		if bytes.Contains(head, []byte("[Content_Types].xml")) || bytes.Contains(head, []byte("word/")) ||
			bytes.Contains(head, []byte("xl/")) || bytes.Contains(head, []byte("ppt/")) ||
			bytes.Contains(head, []byte("mimetypeapplication/vnd.oasis")) {
			return FormatOffice, CodeFormatOffice
		}
		return FormatArchive, CodeFormatArchive
	case has(0, "Rar!\x1a\x07"), has(0, "7z\xbc\xaf\x27\x1c"), has(0, "\x1f\x8b"), has(0, "BZh"), has(0, "\xfd7zXZ\x00"), has(0, "\x28\xb5\x2f\xfd"):
		return FormatArchive, CodeFormatArchive
	case has(0, "\x1aE\xdf\xa3"): // Matroska / WebM
		return FormatVideo, CodeFormatVideo
	}
	// PDF may carry a little junk before its header (readers look in the first
	// kilobyte).
	if bytes.Contains(b[:min(len(b), 1024)], []byte("%PDF-")) {
		return FormatPDF, CodeFormatPDF
	}
	if isText(b) {
		head := bytes.ToLower(b[:min(len(b), 4096)])
		if bytes.Contains(head, []byte("<svg")) {
			return FormatSVG, CodeFormatSVG
		}
		return FormatText, CodeFormatText
	}
	return FormatUnknown, CodeFormatUnsupported
}

// sniffISOBMFF tells HEIC/HEIF, AVIF and video apart by the ftyp box: the
// major brand and the compatible brands.
func sniffISOBMFF(b []byte) (string, string) {
	size := int(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
	if size < 16 || size > len(b) {
		size = min(len(b), 64)
	}
	var brands []string
	for off := 8; off+4 <= size; off += 4 {
		if off == 12 { // minor version
			continue
		}
		brands = append(brands, string(b[off:off+4]))
	}
	isAny := func(set ...string) bool {
		for _, br := range brands {
			for _, s := range set {
				if br == s {
					return true
				}
			}
		}
		return false
	}
	switch {
	case isAny("avif", "avis"):
		return FormatAVIF, CodeFormatAVIF
	case isAny("heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1", "mif2", "miaf"):
		return FormatHEIC, CodeFormatHEIC
	case isAny("isom", "iso2", "mp41", "mp42", "qt  ", "M4V ", "3gp4", "3gp5", "3g2a", "avc1", "dash"):
		return FormatVideo, CodeFormatVideo
	}
	return FormatUnknown, CodeFormatUnsupported
}

// isText reports whether the start of b looks like text: valid UTF-8 (allowing
// a rune cut at the end of the sample) without control bytes other than
// whitespace.
func isText(b []byte) bool {
	s := b[:min(len(b), 2048)]
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n <= 1 {
			if len(s)-i < utf8.UTFMax && len(s) < len(b) {
				return true // a rune cut by the sample window
			}
			return false
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' {
			return false
		}
		if r == 0x7f {
			return false
		}
		i += n
	}
	return true
}
