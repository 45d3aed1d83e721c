package tesseract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/ocr"
	"github.com/veriwallet/veriwallet/internal/ocr/synth"
	"github.com/veriwallet/veriwallet/internal/ocr/tesseract"
)

func newEngine(t testing.TB) *tesseract.Engine {
	t.Helper()
	e, err := tesseract.New()
	if err != nil {
		t.Skipf("tesseract not installed (run scripts/ocr/setup.sh): %s", ocr.Detail(err))
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestTesseractReadsRenderedMRZLine(t *testing.T) {
	e := newEngine(t)
	g, err := synth.New(5, synth.Options{MaxAngle: 0.01, MaxBlur: 0.01, MinQuality: 95, MaxQuality: 95})
	if err != nil {
		t.Skip(err)
	}
	d, err := g.Generate(synth.Passport)
	if err != nil {
		t.Fatal(err)
	}
	// The MRZ sits in the bottom quarter of the page.
	b := d.Image.Bounds()
	strip := d.Image.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(b.Min.X, b.Max.Y-b.Dy()*26/100, b.Max.X, b.Max.Y-b.Dy()*4/100))
	lines, err := e.Read(context.Background(), strip, ocr.Options{Mode: ocr.ModeBlock, Charset: ocr.MRZCharset, Latin: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, strings.ReplaceAll(l.Text, " ", ""))
	}
	m := ocr.ParseTD3(pad(got, 0), pad(got, 1), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if m.DocumentNumber != d.Truth.Fields["document_number"] {
		t.Errorf("read %q, want MRZ %q", got, d.Truth.MRZ)
	}
}

func pad(ls []string, i int) string {
	if i >= len(ls) {
		return ""
	}
	s := ls[i]
	if len(s) < 44 {
		s += strings.Repeat("<", 44-len(s))
	}
	return s[:44]
}

func TestTesseractBlankAndClosed(t *testing.T) {
	e := newEngine(t)
	blank := image.NewGray(image.Rect(0, 0, 200, 50))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	lines, err := e.Read(context.Background(), blank, ocr.Options{Mode: ocr.ModeLine, Latin: true})
	if err != nil || len(lines) != 0 {
		t.Errorf("blank: %v %v", lines, err)
	}
	if l, err := e.Read(context.Background(), image.NewGray(image.Rect(0, 0, 0, 0)), ocr.Options{}); err != nil || l != nil {
		t.Errorf("empty image: %v %v", l, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Read(ctx, blank, ocr.Options{}); err == nil {
		t.Error("cancelled context: no error")
	}
	if !e.CanRead('A') || e.CanRead('😀') {
		t.Error("CanRead")
	}
}

// TestReaderWithBothEngines reads the committed fixtures with PP-OCR for
// pages and tesseract for MRZ strips, as the service does.
func TestReaderWithBothEngines(t *testing.T) {
	ts := newEngine(t)
	pp, err := ocr.NewPPOCR(ocr.Dir())
	if err != nil {
		t.Skipf("PP-OCR not installed (run scripts/ocr/setup.sh): %s", ocr.Detail(err))
	}
	r := ocr.NewReader(pp, ts)
	defer pp.Close()
	r.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	paths, _ := filepath.Glob("../testdata/*.json")
	if len(paths) == 0 {
		t.Fatal("no fixtures")
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			var tr synth.Truth
			b, _ := os.ReadFile(p)
			if err := json.Unmarshal(b, &tr); err != nil {
				t.Fatal(err)
			}
			jb, _ := os.ReadFile(strings.TrimSuffix(p, ".json") + ".jpg")
			img, _, err := image.Decode(bytes.NewReader(jb))
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.Read(context.Background(), tr.Kind, img)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tr.Fields {
				exact := name == ocr.FieldIDNumber || name == ocr.FieldBirthDate || name == ocr.FieldDocumentNumber
				if got := res.Fields[name].Value; exact && got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
				if r.Compare(name, want, res) == ocr.Mismatch {
					t.Errorf("%s: correct typed value %q reported as mismatch (read %q)", name, want, res.Fields[name].Value)
				}
			}
			if tr.Kind == ocr.KindPassport {
				if res.MRZ == nil || !res.MRZ.Valid || res.MRZ.Lines[1] != tr.MRZ[1] {
					t.Errorf("MRZ %+v, want %q", res.MRZ, tr.MRZ)
				}
				if !strings.Contains(res.Engine, "tesseract") && !strings.Contains(res.Engine, "ppocr") {
					t.Errorf("engine %q", res.Engine)
				}
				// A wrong birth date typed for a passport is a mismatch (the
				// MRZ's check digits make the reading trustworthy).
				if v := r.Compare(ocr.FieldBirthDate, "1901-01-01", res); v != ocr.Mismatch {
					t.Errorf("wrong birth date: verdict %s, want mismatch", v)
				}
			}
		})
	}
}

func TestRegisteredForOpen(t *testing.T) {
	newEngine(t)
	r, st := ocr.Open(t.TempDir()) // no PP-OCR there: tesseract reads pages
	if r == nil || !st.Available || !strings.Contains(st.Detail, "libonnxruntime.so not found") {
		t.Fatalf("Open without PP-OCR: %+v", st)
	}
	defer r.Close()
	if r.Page.Name() != "tesseract" {
		t.Errorf("page engine %s", r.Page.Name())
	}
}
