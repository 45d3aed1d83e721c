// Package ocr reads identity documents offline: text engines behind one
// interface (PP-OCR through ONNX Runtime, tesseract in the tesseract
// subpackage), the image geometry they need (text-line detection, deskew) and
// the rules that turn the text of a mainland ID card, a passport or a permit
// into named fields with a confidence each.
//
// Nothing here downloads anything: the runtime and models are installed by
// scripts/ocr/setup.sh into Dir(). When they are missing, constructors return
// an Unavailable error (code OCR_UNAVAILABLE) and Status says why, so the
// service can start anyway and send cases that need reading to a reviewer.
package ocr

import (
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Line is one line of text an engine read.
type Line struct {
	Text       string          `json:"text"`
	Confidence float64         `json:"confidence"` // 0..1
	Box        image.Rectangle `json:"box"`        // axis-aligned bounds in the input image
	Angle      float64         `json:"angle"`      // degrees, counter-clockwise, of the line's baseline
	// Width and Height of the text along and across the line, in pixels
	// (0 when the engine only knows Box).
	Width  float64 `json:"width,omitempty"`
	Height float64 `json:"height,omitempty"`
	// Glyphs are the characters of Text that the glyph matcher put in
	// (read from the drawn shape, not by the engine's model); "" for most
	// lines. A field holding one can confirm a typed value, never
	// contradict it.
	Glyphs string `json:"glyphs,omitempty"`
}

// Mode tells an engine what the image holds.
type Mode int

// The reading modes.
const (
	// ModePage: a whole page or card; the engine finds the lines itself.
	ModePage Mode = iota
	// ModeLine: a single line of text, already cropped and straight.
	ModeLine
	// ModeBlock: a small uniform block of lines (an MRZ strip).
	ModeBlock
)

// Options tune one Read call.
type Options struct {
	Mode Mode
	// Charset, when not empty, limits the characters an engine may return
	// (engines that cannot restrict decoding ignore it).
	Charset string
	// Latin says the text is Latin script only (tesseract picks "eng", never
	// "chi_sim+eng").
	Latin bool
}

// Engine is one OCR engine. Implementations are safe for use by one
// goroutine at a time; open one per worker.
type Engine interface {
	// Name is a short stable identifier ("ppocr", "tesseract").
	Name() string
	// Version describes the engine and model versions.
	Version() string
	// Read returns the lines of text in img, top to bottom. Errors: the
	// context's error, or an Internal error when the engine fails.
	Read(ctx context.Context, img image.Image, opts Options) ([]Line, error)
	// CanRead reports whether the engine is able to output r at all (a
	// character outside its dictionary can never be read back, so a
	// difference on it is not evidence of a mismatch).
	CanRead(r rune) bool
	// Close releases the engine's resources.
	Close() error
}

// Status is what an operator sees about document reading (on /readyz).
type Status struct {
	Available bool     `json:"available"`
	Engines   []string `json:"engines,omitempty"` // name and version of each loaded engine
	Detail    string   `json:"detail"`            // e.g. "ocr: unavailable: libonnxruntime.so not found at …"
}

// ErrUnavailable is the error (code OCR_UNAVAILABLE, kind Unavailable) that
// constructors wrap when the runtime or models are not installed.
var ErrUnavailable = errs.New(errs.Unavailable, "OCR_UNAVAILABLE",
	"Document reading is not available on this server; your documents will be checked by a reviewer.",
	"本服务器暂不支持自动识别证件，您的证件将由审核员人工核对。")

// Dir is where scripts/ocr/setup.sh installs the runtime and models:
// $VERIWALLET_OCR_DIR, else $XDG_CACHE_HOME/veriwallet/ocr (~/.cache/veriwallet/ocr).
func Dir() string {
	if d := os.Getenv("VERIWALLET_OCR_DIR"); d != "" {
		return d
	}
	if c, err := os.UserCacheDir(); err == nil {
		return filepath.Join(c, "veriwallet", "ocr")
	}
	return filepath.Join("data", "ocr")
}

// unavailable builds an OCR_UNAVAILABLE error whose cause is detail.
func unavailable(detail string) error {
	return ErrUnavailable.Wrap(unavailableDetail(detail))
}

type unavailableDetail string

func (d unavailableDetail) Error() string { return string(d) }

// Detail returns the operator-facing explanation in err, e.g.
// "libonnxruntime.so not found at /x/lib/libonnxruntime.so.1 (run scripts/ocr/setup.sh)".
func Detail(err error) string {
	if err == nil {
		return ""
	}
	var e *errs.Error
	if errors.As(err, &e) && e.Err != nil {
		return e.Err.Error()
	}
	return err.Error()
}
