package document

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
)

// cleanCopy returns the copy of an accepted-format image that is stored for
// viewing and reading, without its metadata.
//
// A JPEG is rewritten without its metadata segments (lossless, and fast: the
// pixel data is copied as is). When EXIF says to turn it, the copy keeps
// that one fact and nothing else: a minimal EXIF block holding only the
// Orientation tag, so a browser shows it upright (image-orientation:
// from-image is the default) and DecodeImage turns it. Re-encoding a
// 2000×1500 photo to rotate its pixels took ~110 ms.
//
// A PNG is rewritten without its metadata chunks when upright; one with an
// orientation is re-encoded upright (browsers disagree on PNG eXIf). With
// reencode set every image is re-encoded upright: JPEG at the given quality,
// PNG as PNG.
func cleanCopy(format string, data []byte, img image.Image, orientation int, reencode bool, quality int) ([]byte, error) {
	if orientation < 1 || orientation > 8 {
		orientation = 1
	}
	if !reencode {
		var out []byte
		var err error
		switch {
		case format == FormatJPEG:
			out, err = stripJPEG(data)
			if err == nil && orientation > 1 {
				out = withOrientation(out, orientation)
			}
		case format == FormatPNG && orientation == 1:
			out, err = stripPNG(data)
		}
		if err == nil && out != nil {
			return out, nil
		}
		// A file the decoder read but our rewriter could not: re-encode it.
	}
	up := orientImage(img, orientation)
	var buf bytes.Buffer
	var err error
	if format == FormatPNG {
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		err = enc.Encode(&buf, up)
	} else {
		err = jpeg.Encode(&buf, up, &jpeg.Options{Quality: quality})
	}
	if err != nil {
		return nil, fmt.Errorf("document: encode clean copy: %w", err)
	}
	return buf.Bytes(), nil
}

// withOrientation inserts, right after SOI of a stripped JPEG, an APP1 EXIF
// segment whose IFD0 holds the Orientation tag o and nothing else.
func withOrientation(jpg []byte, o int) []byte {
	seg := []byte{
		0xff, 0xe1, 0, 34, // APP1, length 34 (itself, the payload below)
		'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, IFD0 at 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, // Orientation, SHORT, 1 value
		0, 0, 0, 0, // no next IFD
	}
	out := make([]byte, 0, len(jpg)+len(seg))
	out = append(out, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// DecodeImage decodes a stored document image (JPEG or PNG) and turns it
// upright by its EXIF orientation, as a browser shows it. Every reader of a
// stored photo (OCR, the export's consumers, tools) decodes through it: the
// clean copy of a rotated JPEG keeps its pixels as shot plus the
// Orientation tag. Errors are the image decoders'.
func DecodeImage(data []byte) (image.Image, error) {
	var img image.Image
	var err error
	var md metadata
	switch format, _ := sniff(data); format {
	case FormatJPEG:
		md = readJPEGMeta(data)
		img, err = jpeg.Decode(bytes.NewReader(data))
	case FormatPNG:
		md = readPNGMeta(data)
		img, err = png.Decode(bytes.NewReader(data))
	default:
		return nil, fmt.Errorf("document: not a JPEG or PNG image (%s)", format)
	}
	if err != nil {
		return nil, err
	}
	return orientImage(img, md.Orientation), nil
}

// orientImage returns img as displayed under EXIF orientation o.
func orientImage(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := orientedSize(o, w, h)
	switch m := img.(type) {
	case *image.YCbCr:
		if m.SubsampleRatio == image.YCbCrSubsampleRatio420 && b.Min == (image.Point{}) {
			// Turn each plane on its own: 4:2:0 chroma stays 4:2:0.
			out := image.NewYCbCr(image.Rect(0, 0, dw, dh), image.YCbCrSubsampleRatio420)
			rotatePix(m.Y, m.YStride, 1, out.Y, out.YStride, o, w, h, 0)
			cw, ch := (w+1)/2, (h+1)/2
			rotatePix(m.Cb, m.CStride, 1, out.Cb, out.CStride, o, cw, ch, 0)
			rotatePix(m.Cr, m.CStride, 1, out.Cr, out.CStride, o, cw, ch, 0)
			return out
		}
		out := image.NewYCbCr(image.Rect(0, 0, dw, dh), image.YCbCrSubsampleRatio444)
		for y := 0; y < dh; y++ {
			for x := 0; x < dw; x++ {
				sx, sy := srcCoord(o, x, y, w, h)
				sx += b.Min.X
				sy += b.Min.Y
				i := y*out.YStride + x
				out.Y[i] = m.Y[m.YOffset(sx, sy)]
				c := m.COffset(sx, sy)
				out.Cb[i] = m.Cb[c]
				out.Cr[i] = m.Cr[c]
			}
		}
		return out
	case *image.Gray:
		out := image.NewGray(image.Rect(0, 0, dw, dh))
		rotatePix(m.Pix, m.Stride, 1, out.Pix, out.Stride, o, w, h, m.PixOffset(b.Min.X, b.Min.Y))
		return out
	case *image.NRGBA:
		out := image.NewNRGBA(image.Rect(0, 0, dw, dh))
		rotatePix(m.Pix, m.Stride, 4, out.Pix, out.Stride, o, w, h, m.PixOffset(b.Min.X, b.Min.Y))
		return out
	}
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
		b = rgba.Rect
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	rotatePix(rgba.Pix, rgba.Stride, 4, out.Pix, out.Stride, o, w, h, rgba.PixOffset(b.Min.X, b.Min.Y))
	return out
}

// rotatePix copies bpp-byte pixels from a w×h source to the oriented
// destination.
func rotatePix(src []byte, sstride, bpp int, dst []byte, dstride, o, w, h, base int) {
	dw, dh := orientedSize(o, w, h)
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			sx, sy := srcCoord(o, x, y, w, h)
			s := base + sy*sstride + sx*bpp
			d := y*dstride + x*bpp
			copy(dst[d:d+bpp], src[s:s+bpp])
		}
	}
}
