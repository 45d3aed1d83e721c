// Package tesseract is the tesseract OCR engine (Debian's tesseract-ocr with
// the eng and chi_sim data, through gosseract) behind ocr.Engine. It is a
// separate package because it needs libtesseract's C headers to build
// (scripts/ocr/setup.sh installs them); only the binary's wiring imports it.
//
// Tesseract starts several OpenMP threads per line unless the process runs
// with OMP_THREAD_LIMIT=1, which slows it down on a shared machine; the
// variable is read when the library loads, so call LimitThreads first thing
// in main.
package tesseract

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"unicode"

	"github.com/otiai10/gosseract/v2"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/ocr"
)

// LimitThreads makes sure the process runs with OMP_THREAD_LIMIT=1: when the
// variable is unset it sets it and re-executes the program (the OpenMP
// runtime reads it only at load time). It returns normally when the variable
// is already set or the re-exec is impossible.
func LimitThreads() {
	if os.Getenv("OMP_THREAD_LIMIT") != "" {
		return
	}
	os.Setenv("OMP_THREAD_LIMIT", "1")
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, os.Environ()) // returns only on failure
}

// Engine is the tesseract engine. It keeps one initialised client per
// language and is not safe for concurrent use.
type Engine struct {
	mu      sync.Mutex
	clients map[string]*gosseract.Client
	version string
}

// DataDirs are where Debian installs tesseract's language data.
var DataDirs = []string{"/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata", "/usr/share/tessdata"}

// New checks that tesseract's eng and chi_sim data are installed and returns
// the engine. Errors: ocr.ErrUnavailable (code OCR_UNAVAILABLE), with
// ocr.Detail saying what is missing.
func New() (*Engine, error) {
	found := ""
	for _, d := range DataDirs {
		if _, err := os.Stat(filepath.Join(d, "eng.traineddata")); err == nil {
			found = d
			break
		}
	}
	if found == "" {
		return nil, ocr.ErrUnavailable.Wrap(fmt.Errorf("tesseract eng.traineddata not found in %s (run scripts/ocr/setup.sh)", strings.Join(DataDirs, ", ")))
	}
	if _, err := os.Stat(filepath.Join(found, "chi_sim.traineddata")); err != nil {
		return nil, ocr.ErrUnavailable.Wrap(fmt.Errorf("tesseract chi_sim.traineddata not found in %s (run scripts/ocr/setup.sh)", found))
	}
	return &Engine{clients: map[string]*gosseract.Client{}, version: "tesseract " + gosseract.Version()}, nil
}

// Name implements ocr.Engine.
func (e *Engine) Name() string { return "tesseract" }

// Version implements ocr.Engine.
func (e *Engine) Version() string { return e.version }

// CanRead implements ocr.Engine (approximately: ASCII and common Han
// characters; tesseract's Chinese set is smaller than PP-OCR's).
func (e *Engine) CanRead(r rune) bool {
	return (r > 32 && r < 127) || (unicode.Is(unicode.Han, r) && r < 0x9FA6)
}

// Close implements ocr.Engine.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, c := range e.clients {
		c.Close()
		delete(e.clients, k)
	}
	return nil
}

func (e *Engine) client(lang string) *gosseract.Client {
	if c, ok := e.clients[lang]; ok {
		return c
	}
	c := gosseract.NewClient()
	_ = c.SetLanguage(lang)
	_ = c.DisableOutput()
	e.clients[lang] = c
	return c
}

// Read implements ocr.Engine. Latin text is read with "eng" only, Chinese
// with "chi_sim" only (never both together). Errors: the context's error or
// an Internal error.
func (e *Engine) Read(ctx context.Context, img image.Image, opts ocr.Options) ([]ocr.Line, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if img == nil || img.Bounds().Empty() {
		return nil, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.clients == nil {
		return nil, errs.Internalf("tesseract: engine closed")
	}
	lang := "chi_sim"
	if opts.Latin {
		lang = "eng"
	}
	c := e.client(lang)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, errs.Internalf("tesseract: encode: %w", err)
	}
	if err := c.SetImageFromBytes(buf.Bytes()); err != nil {
		return nil, errs.Internalf("tesseract: %w", err)
	}
	if err := c.SetWhitelist(opts.Charset); err != nil {
		return nil, errs.Internalf("tesseract: %w", err)
	}
	switch opts.Mode {
	case ocr.ModeLine:
		_ = c.SetPageSegMode(gosseract.PSM_SINGLE_LINE)
	case ocr.ModeBlock:
		_ = c.SetPageSegMode(gosseract.PSM_SINGLE_BLOCK)
	default:
		_ = c.SetPageSegMode(gosseract.PSM_AUTO)
	}
	boxes, err := c.GetBoundingBoxes(gosseract.RIL_TEXTLINE)
	if err != nil {
		return nil, errs.Internalf("tesseract: %w", err)
	}
	min := img.Bounds().Min
	out := make([]ocr.Line, 0, len(boxes))
	for _, b := range boxes {
		t := strings.TrimSpace(b.Word)
		if lang == "chi_sim" {
			t = joinHan(t)
		}
		if t == "" {
			continue
		}
		out = append(out, ocr.Line{Text: t, Confidence: b.Confidence / 100, Box: b.Box.Add(min)})
	}
	return out, nil
}

// joinHan removes the spaces chi_sim puts between Han characters.
func joinHan(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if r == ' ' && i > 0 && i+1 < len(rs) && (unicode.Is(unicode.Han, rs[i-1]) || unicode.Is(unicode.Han, rs[i+1])) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func init() {
	ocr.Register("tesseract", func(string) (ocr.Engine, error) {
		e, err := New()
		if err != nil {
			return nil, err
		}
		return e, nil
	})
}
