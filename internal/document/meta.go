package document

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// metadata is what the gate reads from an image's metadata before throwing
// all of it away.
type metadata struct {
	Orientation int  // EXIF orientation 1..8 (1 when absent or invalid)
	Exif        bool // an EXIF block was present
	Camera      bool // EXIF names a camera make or model
	GPS         bool // EXIF carried a GPS block
}

var errJPEGStructure = errors.New("document: malformed JPEG structure")

// jpegSegment is one marker segment of a JPEG file: data[start:end] holds the
// marker, its length and its payload (and, for SOS, the entropy-coded data
// that follows).
type jpegSegment struct {
	marker     byte
	start, end int
	payload    []byte // the segment payload, without marker and length
}

// walkJPEG splits a JPEG file into its segments up to and including EOI; any
// bytes after EOI are ignored. It never reads out of bounds.
func walkJPEG(b []byte, fn func(seg jpegSegment) bool) error {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return errJPEGStructure
	}
	i := 2
	for i < len(b) {
		if b[i] != 0xff {
			return errJPEGStructure
		}
		// Skip fill bytes.
		for i+1 < len(b) && b[i+1] == 0xff {
			i++
		}
		if i+1 >= len(b) {
			return errJPEGStructure
		}
		m := b[i+1]
		start := i
		switch {
		case m == 0xd9: // EOI
			fn(jpegSegment{marker: m, start: start, end: i + 2})
			return nil
		case m == 0x01 || (m >= 0xd0 && m <= 0xd7) || m == 0xd8:
			if !fn(jpegSegment{marker: m, start: start, end: i + 2}) {
				return nil
			}
			i += 2
			continue
		}
		if i+4 > len(b) {
			return errJPEGStructure
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return errJPEGStructure
		}
		end := i + 2 + n
		payload := b[i+4 : end]
		if m == 0xda { // SOS: the entropy-coded data runs to the next real marker.
			j := end
			for j+1 < len(b) {
				if b[j] == 0xff {
					nx := b[j+1]
					if nx == 0x00 || (nx >= 0xd0 && nx <= 0xd7) {
						j += 2
						continue
					}
					if nx == 0xff {
						j++
						continue
					}
					break
				}
				j++
			}
			if j+1 >= len(b) {
				return errJPEGStructure
			}
			end = j
		}
		if !fn(jpegSegment{marker: m, start: start, end: end, payload: payload}) {
			return nil
		}
		i = end
	}
	return errJPEGStructure
}

// readJPEGMeta finds the EXIF block of a JPEG (APP1 "Exif\0\0") and reads it.
func readJPEGMeta(b []byte) metadata {
	md := metadata{Orientation: 1}
	_ = walkJPEG(b, func(s jpegSegment) bool {
		if s.marker == 0xda {
			return false // metadata comes before the first scan
		}
		if s.marker == 0xe1 && bytes.HasPrefix(s.payload, []byte("Exif\x00\x00")) && !md.Exif {
			md = parseTIFF(s.payload[6:])
			md.Exif = true
		}
		return true
	})
	return md
}

// readPNGMeta reads the eXIf chunk of a PNG, if any.
func readPNGMeta(b []byte) metadata {
	md := metadata{Orientation: 1}
	i := 8
	for i+12 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if n < 0 || n > len(b)-i-12 {
			break
		}
		if typ == "eXIf" {
			md = parseTIFF(b[i+8 : i+8+n])
			md.Exif = true
			break
		}
		if typ == "IDAT" || typ == "IEND" {
			// eXIf must come before IDAT to count (PNG 1.5 extension rules).
			break
		}
		i += 12 + n
	}
	return md
}

// EXIF tags the gate reads.
const (
	tagOrientation = 0x0112
	tagMake        = 0x010f
	tagModel       = 0x0110
	tagGPS         = 0x8825
)

// parseTIFF reads IFD0 of a TIFF-structured EXIF block: orientation, camera
// make/model presence and a GPS pointer. Bad structure yields the defaults.
func parseTIFF(t []byte) metadata {
	md := metadata{Orientation: 1}
	if len(t) < 8 {
		return md
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return md
	}
	off := int(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > len(t) {
		return md
	}
	n := int(bo.Uint16(t[off:]))
	for k := 0; k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			break
		}
		tag := bo.Uint16(t[e:])
		typ := bo.Uint16(t[e+2:])
		count := bo.Uint32(t[e+4:])
		switch tag {
		case tagOrientation:
			if typ == 3 && count >= 1 { // SHORT
				if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
					md.Orientation = o
				}
			}
		case tagMake, tagModel:
			if count > 1 {
				md.Camera = true
			}
		case tagGPS:
			md.GPS = true
		}
	}
	return md
}

// stripJPEG rewrites a JPEG keeping only what decoding needs: the frame,
// tables, scans and the Adobe APP14 colour-transform marker. Every other APPn
// segment (EXIF with GPS and thumbnails, XMP, ICC, MPF, maker notes) and every
// comment is dropped, as is anything after EOI. The pixel data is untouched.
func stripJPEG(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b))
	out = append(out, 0xff, 0xd8)
	sawEOI := false
	err := walkJPEG(b, func(s jpegSegment) bool {
		switch {
		case s.marker == 0xd8:
			return true
		case s.marker == 0xee && bytes.HasPrefix(s.payload, []byte("Adobe")) && len(s.payload) == 12:
			// Adobe: version, flags and transform; nothing personal.
		case s.marker >= 0xe0 && s.marker <= 0xef, s.marker == 0xfe:
			return true
		}
		out = append(out, b[s.start:s.end]...)
		if s.marker == 0xd9 {
			sawEOI = true
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if !sawEOI {
		return nil, errJPEGStructure
	}
	return out, nil
}

// pngKeep lists the PNG chunks a stripped copy keeps: everything needed to
// draw the pixels the same way, and nothing that can carry text or metadata.
var pngKeep = map[string]bool{"IHDR": true, "PLTE": true, "tRNS": true, "IDAT": true, "IEND": true, "gAMA": true, "sRGB": true}

// stripPNG rewrites a PNG keeping only the chunks in pngKeep, up to IEND.
func stripPNG(b []byte) ([]byte, error) {
	if len(b) < 8 {
		return nil, errors.New("document: short PNG")
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:8]...)
	i := 8
	for i+12 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[i:]))
		if n < 0 || n > len(b)-i-12 {
			return nil, errors.New("document: malformed PNG chunk")
		}
		typ := string(b[i+4 : i+8])
		if pngKeep[typ] {
			out = append(out, b[i:i+12+n]...)
		}
		if typ == "IEND" {
			return out, nil
		}
		i += 12 + n
	}
	return nil, errors.New("document: PNG without IEND")
}
