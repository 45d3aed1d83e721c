package ocr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	docsynth "github.com/veriwallet/veriwallet/internal/document/gen/synth"
	"github.com/veriwallet/veriwallet/internal/ocr"
	"github.com/veriwallet/veriwallet/internal/ocr/synth"
)

// openReader loads PP-OCR or skips the test. (The tesseract package's tests
// run the same fixtures with both engines.)
func openReader(t *testing.T) *ocr.Reader {
	t.Helper()
	pp, err := ocr.NewPPOCR(ocr.Dir())
	if err != nil {
		t.Skipf("PP-OCR not installed (run scripts/ocr/setup.sh): %s", ocr.Detail(err))
	}
	r := ocr.NewReader(pp, nil)
	r.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { r.Close() })
	return r
}

type fixture struct {
	name  string
	truth synth.Truth
	img   image.Image
}

func fixtures(t *testing.T) []fixture {
	t.Helper()
	paths, _ := filepath.Glob("testdata/*.json")
	if len(paths) == 0 {
		t.Fatal("no fixtures in testdata")
	}
	var out []fixture
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var tr synth.Truth
		if err := json.Unmarshal(b, &tr); err != nil {
			t.Fatal(err)
		}
		jb, err := os.ReadFile(strings.TrimSuffix(p, ".json") + ".jpg")
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(jb))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fixture{name: filepath.Base(p), truth: tr, img: img})
	}
	return out
}

func TestReaderReadsFixtures(t *testing.T) {
	r := openReader(t)
	for _, f := range fixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			res, err := r.Read(context.Background(), f.truth.Kind, f.img)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range f.truth.Fields {
				// The fields with the strictest targets must be exact on
				// every fixture; others may be unreadable, never mismatched.
				exact := name == ocr.FieldIDNumber || (name == ocr.FieldBirthDate && f.truth.Kind != ocr.KindPassport)
				if got := res.Fields[name].Value; exact && got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
				if v := r.Compare(name, want, res); v == ocr.Mismatch {
					t.Errorf("%s: correct typed value reported as mismatch", name)
				}
			}
			if f.truth.Kind == ocr.KindPassport && res.MRZ != nil && res.MRZ.Valid && res.MRZ.Lines[1] != f.truth.MRZ[1] {
				t.Errorf("MRZ line 2 = %q, want %q", res.MRZ.Lines[1], f.truth.MRZ[1])
			}
			// The article's case: one character missing from the typed name.
			if name, ok := f.truth.Fields[ocr.FieldName]; ok && res.Fields[ocr.FieldName].Confidence >= 0.9 {
				typed := string([]rune(name)[:len([]rune(name))-1])
				if v := r.Compare(ocr.FieldName, typed, res); v != ocr.Mismatch {
					t.Errorf("typed %q for %q: verdict %s, want mismatch", typed, name, v)
				}
			}
		})
	}
}

func TestReaderRejectsUnknownKind(t *testing.T) {
	r := ocr.NewReader(nil, nil)
	if _, err := r.Read(context.Background(), "driving_licence", image.NewGray(image.Rect(0, 0, 10, 10))); err == nil {
		t.Fatal("no error for unknown kind")
	}
	if _, err := r.Read(context.Background(), ocr.KindIDFront, image.NewGray(image.Rect(0, 0, 10, 10))); err == nil {
		t.Fatal("no error without engines")
	}
}

func TestPPOCRBlankAndTinyImages(t *testing.T) {
	pp, err := ocr.NewPPOCR(ocr.Dir())
	if err != nil {
		t.Skipf("PP-OCR not installed (run scripts/ocr/setup.sh): %s", ocr.Detail(err))
	}
	defer pp.Close()
	for _, img := range []image.Image{
		image.NewGray(image.Rect(0, 0, 1, 1)),
		image.NewGray(image.Rect(0, 0, 300, 200)),
		image.NewRGBA(image.Rect(5, 5, 40, 3000)),
	} {
		lines, err := pp.Read(context.Background(), img, ocr.Options{})
		if err != nil || len(lines) != 0 {
			t.Errorf("%v: lines %v err %v", img.Bounds(), lines, err)
		}
	}
	if !pp.CanRead('堃') || pp.CanRead('赟') {
		t.Errorf("CanRead: 堃 %v 赟 %v (赟 is not in the PP-OCR dictionary)", pp.CanRead('堃'), pp.CanRead('赟'))
	}
}

func TestOpenReportsMissingRuntime(t *testing.T) {
	dir := t.TempDir()
	r, st := ocr.Open(dir)
	if r != nil {
		defer r.Close()
	}
	if r != nil || st.Available {
		t.Errorf("Open(empty dir) available: %+v", st)
	}
	if !strings.Contains(st.Detail, "ocr: unavailable: libonnxruntime.so not found at "+filepath.Join(dir, "lib")) {
		t.Errorf("status detail %q does not name the missing library", st.Detail)
	}
	if _, err := ocr.NewPPOCR(dir); err == nil || !strings.Contains(err.Error(), "OCR_UNAVAILABLE") {
		t.Errorf("NewPPOCR(empty) = %v, want OCR_UNAVAILABLE", err)
	}
}

func TestRunCheckDocument(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no file", []string{"--kind", "id_front"}, 2},
		{"unknown kind", []string{"--kind", "visa", "testdata/0000_id_front.jpg"}, 2},
		{"missing file", []string{"--kind", "id_front", filepath.Join(t.TempDir(), "nope.jpg")}, 1},
		{"not an image", []string{"--kind", "id_front", "testdata/0000_id_front.json"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := ocr.RunCheckDocument(tt.args, &out, &errb); code != tt.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.code, errb.String())
			}
		})
	}
}

func TestRunCheckDocumentReadsCard(t *testing.T) {
	openReader(t) // skips when not installed
	var out, errb bytes.Buffer
	code := ocr.RunCheckDocument([]string{"testdata/0000_id_front.jpg", "--kind", "id_front"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct {
		Kind   string
		Fields map[string]struct {
			Value      string
			Confidence float64
		}
		Reasons        []any
		Engine         string
		ElapsedMS      *int64 `json:"elapsed_ms"`
		Classification struct{ Kind string }
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if res.Kind != "id_front" || res.Classification.Kind != "id_front" || res.Fields["id_number"].Value != "610113199708228302" ||
		res.Fields["birth_date"].Value != "1997-08-22" || res.Engine == "" || res.ElapsedMS == nil || res.Reasons == nil {
		t.Errorf("unexpected output: %s", out.String())
	}
}

// BenchmarkRead reads each fixture kind with PP-OCR loaded once (one
// worker): go test -run '^$' -bench Read -cpu 1 ./internal/ocr/
func BenchmarkRead(b *testing.B) {
	pp, err := ocr.NewPPOCR(ocr.Dir())
	if err != nil {
		b.Skipf("PP-OCR not installed: %s", ocr.Detail(err))
	}
	pp.WarmGlyphs() // once per process, not per read
	r := ocr.NewReader(pp, nil)
	defer r.Close()
	paths, _ := filepath.Glob("testdata/*.jpg")
	for _, p := range paths {
		jb, _ := os.ReadFile(p)
		img, _, err := image.Decode(bytes.NewReader(jb))
		if err != nil {
			b.Fatal(err)
		}
		kind := strings.TrimSuffix(filepath.Base(p)[5:], ".jpg")
		b.Run(strings.TrimSuffix(filepath.Base(p), ".jpg"), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := r.Read(context.Background(), kind, img); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestRunCheckDocumentUnavailable(t *testing.T) {
	var out, errb bytes.Buffer
	code := ocr.RunCheckDocument([]string{"--ocr-dir", t.TempDir(), "--kind", "id_front", "testdata/0000_id_front.jpg"}, &out, &errb)
	if code != 3 {
		t.Fatalf("exit %d, want 3; stderr %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `"OCR_UNAVAILABLE"`) || !strings.Contains(errb.String(), "libonnxruntime.so not found") {
		t.Errorf("stdout %s stderr %s", out.String(), errb.String())
	}
}

func TestPool(t *testing.T) {
	if p, st := ocr.OpenPool(t.TempDir(), 2); p != nil || st.Available {
		t.Fatalf("pool from empty dir: %+v", st)
	}
	var nilPool *ocr.Pool
	if _, err := nilPool.Read(context.Background(), ocr.KindIDFront, image.NewGray(image.Rect(0, 0, 10, 10))); err == nil {
		t.Error("nil pool read: no error")
	}
	if nilPool.Status().Available || nilPool.Compare("name", "x", nil) != ocr.Unreadable {
		t.Error("nil pool status/compare")
	}
	openReader(t).Close() // skips when not installed
	p, st := ocr.OpenPool(ocr.Dir(), 2)
	if p == nil || !st.Available {
		t.Fatalf("OpenPool: %+v", st)
	}
	defer p.Close()
	f := fixtures(t)[0]
	done := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			res, err := p.Read(context.Background(), f.truth.Kind, f.img)
			if err == nil && res.Fields[ocr.FieldIDNumber].Value != f.truth.Fields[ocr.FieldIDNumber] {
				err = errors.New("wrong id number " + res.Fields[ocr.FieldIDNumber].Value)
			}
			done <- err
		}()
	}
	for i := 0; i < 3; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestGlyphMatcherReadsRareNames: the names of fixtures 0004–0006 hold 旻
// and 镕, which PP-OCRv4 cannot output, and 垚, which it drops. The glyph
// matcher reads them; without it the names come back wrong. A correct name
// is a match; a different rare character typed is never a mismatch (the
// matcher's readings can confirm, not contradict).
func TestGlyphMatcherReadsRareNames(t *testing.T) {
	pp, err := ocr.NewPPOCR(ocr.Dir())
	if err != nil {
		t.Skipf("PP-OCR not installed (run scripts/ocr/setup.sh): %s", ocr.Detail(err))
	}
	if !pp.WarmGlyphs() {
		pp.Close()
		t.Skip("no CJK font installed (run scripts/ocr/setup.sh)")
	}
	r := ocr.NewReader(pp, nil)
	r.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	defer r.Close()
	cases := map[string]string{
		"0004_id_front.json":         "苏旻国",
		"0005_residence_permit.json": "刘垚建",
		"0006_residence_permit.json": "石镕",
	}
	seen := 0
	for _, f := range fixtures(t) {
		want, ok := cases[f.name]
		if !ok {
			continue
		}
		seen++
		t.Run(f.name, func(t *testing.T) {
			if f.truth.Fields[ocr.FieldName] != want {
				t.Fatalf("fixture name %q, want %q", f.truth.Fields[ocr.FieldName], want)
			}
			pp.NoGlyphs = false
			res, err := r.Read(context.Background(), f.truth.Kind, f.img)
			if err != nil {
				t.Fatal(err)
			}
			got := res.Fields[ocr.FieldName]
			if got.Value != want {
				t.Errorf("name = %q (%.2f), want %q", got.Value, got.Confidence, want)
			}
			if v := r.Compare(ocr.FieldName, want, res); v != ocr.Match {
				t.Errorf("typed %q: %s, want match", want, v)
			}
			if !got.Glyph || got.Confidence >= ocr.MinConfidence[ocr.FieldName] {
				t.Errorf("name %+v: not marked as a glyph reading, or confidence at the mismatch threshold", got)
			}
			for name, f := range res.Fields {
				if f.Glyph && name != ocr.FieldName {
					t.Errorf("%s %+v marked as a glyph reading", name, f)
				}
			}
			other := strings.NewReplacer("旻", "昊", "垚", "鑫", "镕", "榕").Replace(want)
			if v := r.Compare(ocr.FieldName, other, res); v == ocr.Mismatch {
				t.Errorf("typed %q for %q: mismatch from a glyph reading", other, want)
			}

			pp.NoGlyphs = true
			defer func() { pp.NoGlyphs = false }()
			res, err = r.Read(context.Background(), f.truth.Kind, f.img)
			if err != nil {
				t.Fatal(err)
			}
			if res.Fields[ocr.FieldName].Value == want {
				t.Errorf("PP-OCR alone read %q: the fixture no longer needs the glyph matcher", want)
			}
		})
	}
	if seen != len(cases) {
		t.Fatalf("found %d of %d fixtures", seen, len(cases))
	}
}

// TestRunCheckDocumentEXIFOrientation: a phone stores the card upside down
// and tags it with EXIF orientation 3; `check document` reads it upright
// through the document gate, as the service does. The same pixels without
// the tag do not read.
func TestRunCheckDocumentEXIFOrientation(t *testing.T) {
	openReader(t) // skips when not installed
	f, err := os.Open("testdata/0000_id_front.jpg")
	if err != nil {
		t.Fatal(err)
	}
	up, err := jpeg.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	b := up.Bounds()
	flipped := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			flipped.Set(b.Dx()-1-x, b.Dy()-1-y, up.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, flipped, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tagged := filepath.Join(dir, "tagged.jpg")
	plain := filepath.Join(dir, "plain.jpg")
	os.WriteFile(tagged, docsynth.WithExif(buf.Bytes(), 3), 0o644)
	os.WriteFile(plain, buf.Bytes(), 0o644)
	idNumber := func(path string) string {
		var out, errb bytes.Buffer
		if code := ocr.RunCheckDocument([]string{"--kind", "id_front", path}, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", path, code, errb.String())
		}
		var res struct {
			Fields map[string]struct{ Value string }
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		return res.Fields["id_number"].Value
	}
	if got := idNumber(tagged); got != "610113199708228302" {
		t.Errorf("tagged upside-down photo: id_number %q", got)
	}
	if got := idNumber(plain); got == "610113199708228302" {
		t.Errorf("the untagged upside-down photo read too: the test shows nothing")
	}
}
