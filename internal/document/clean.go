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
// viewing: upright (EXIF orientation applied) and without any metadata.
//
// When no rotation is needed the file is rewritten without its metadata
// segments and chunks (lossless, and fast: the pixel data is copied as is).
// Otherwise, or when reencode is set, the pixels are re-encoded: JPEG at the
// given quality, PNG as PNG.
func cleanCopy(format string, data []byte, img image.Image, orientation int, reencode bool, quality int) ([]byte, error) {
	if orientation <= 1 && !reencode {
		var out []byte
		var err error
		switch format {
		case FormatJPEG:
			out, err = stripJPEG(data)
		case FormatPNG:
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
