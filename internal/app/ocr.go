package app

import (
	"context"
	"errors"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/ocr"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// OCRReader adapts a pool of OCR engines to the verification pipeline.
// A nil pool (OCR not installed) reports itself unavailable with detail.
func OCRReader(pool *ocr.Pool, st ocr.Status) verification.DocumentReader {
	return &ocrReader{pool: pool, status: st}
}

type ocrReader struct {
	pool   *ocr.Pool
	status ocr.Status
}

func (r *ocrReader) Available() error {
	if r.pool == nil || !r.status.Available {
		return errors.New(r.status.Detail)
	}
	return nil
}

func (r *ocrReader) CanRead(s string) bool { return r.pool.CanRead(s) }

func (r *ocrReader) Read(ctx context.Context, kind document.Kind, data []byte) (verification.Reading, error) {
	// The stored copy of a rotated JPEG keeps its EXIF orientation.
	img, err := document.DecodeImage(data)
	if err != nil {
		return verification.Reading{}, err
	}
	res, err := r.pool.Read(ctx, string(kind), img)
	if err != nil {
		return verification.Reading{}, err
	}
	out := verification.Reading{Fields: verification.ReadFields{}, Engine: res.Engine}
	for name, f := range res.Fields {
		out.Fields[name] = verification.ReadField{Value: f.Value, Confidence: f.Confidence, Glyph: f.Glyph}
	}
	c := res.Classify()
	out.Kind, out.KindConfidence = c.Kind, c.Confidence
	if len(r.status.Engines) > 0 {
		out.Version = r.status.Engines[0]
	}
	return out, nil
}
