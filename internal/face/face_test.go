package face

import (
	"context"
	"errors"
	"image"
	"image/color"
	_ "image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/ocr"
)

var (
	engineOnce sync.Once
	engine     *Engine
	engineErr  error
)

// openEngine returns the shared Engine, or skips the test when the models
// are not installed (scripts/setup.sh installs them).
func openEngine(t testing.TB) *Engine {
	t.Helper()
	engineOnce.Do(func() { engine, engineErr = Open(DefaultDir()) })
	if engineErr != nil {
		t.Skipf("face models not installed (run scripts/setup.sh): %s", Detail(engineErr))
	}
	return engine
}

func load(t testing.TB, p string) image.Image {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var memo sync.Map // "person/transform" → Analysis with liveness

// cached analyses person's photograph under tr once per test binary
// (with liveness), shared by the report tests.
func cached(t testing.TB, e *Engine, person string, tr transform) Analysis {
	t.Helper()
	key := person + "/" + tr.name
	if a, ok := memo.Load(key); ok {
		return a.(Analysis)
	}
	a := analyze(t, e, tr.fn(load(t, "testdata/"+person)), true)
	memo.Store(key, a)
	return a
}

var original = transform{"original", func(m image.Image) image.Image { return m }}

// noLive is a with its liveness left out of Decide.
func noLive(a Analysis) Analysis { a.Liveness = -1; return a }

func analyze(t testing.TB, e *Engine, m image.Image, live bool) Analysis {
	t.Helper()
	a, err := e.Analyze(context.Background(), m, Options{Liveness: live})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestOpenWithoutModels(t *testing.T) {
	_, err := Open(t.TempDir())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Open(empty dir) = %v, want ErrUnavailable", err)
	}
	if !errs.Is(err, "FACE_UNAVAILABLE") || errs.KindOf(err) != errs.Unavailable {
		t.Errorf("code/kind of %v: want FACE_UNAVAILABLE/Unavailable", err)
	}
	if d := Detail(err); !strings.Contains(d, "not found") || !strings.Contains(d, "scripts/face/setup.sh") {
		t.Errorf("Detail = %q: want which file is missing and how to install it", d)
	}
	if ErrUnavailable.Message.ZH == "" || ErrUnavailable.Message.EN == "" {
		t.Error("ErrUnavailable needs both languages")
	}
	var nilEngine *Engine
	if _, err := nilEngine.Analyze(context.Background(), image.NewGray(image.Rect(0, 0, 9, 9)), Options{}); err == nil {
		t.Error("Analyze on a nil Engine: want an error")
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("VERIWALLET_FACE_DIR", "/x/face")
	if got := DefaultDir(); got != "/x/face" {
		t.Errorf("with VERIWALLET_FACE_DIR: %q", got)
	}
	t.Setenv("VERIWALLET_FACE_DIR", "")
	t.Setenv("VERIWALLET_OCR_DIR", "/srv/vw/ocr/")
	if got := DefaultDir(); got != "/srv/vw/face" {
		t.Errorf("beside VERIWALLET_OCR_DIR: %q", got)
	}
}

func TestSimilarity(t *testing.T) {
	a := []float32{1, 0, 0}
	cases := []struct {
		b    []float32
		want float64
	}{
		{[]float32{1, 0, 0}, 1}, {[]float32{-2, 0, 0}, -1}, {[]float32{0, 3, 0}, 0},
		{[]float32{1, 1, 0}, 1 / math.Sqrt2}, {nil, 0}, {[]float32{1, 0}, 0}, {[]float32{0, 0, 0}, 0},
		{[]float32{float32(math.NaN()), 0, 0}, 0}, {[]float32{float32(math.Inf(1)), 0, 0}, 0},
	}
	for _, c := range cases {
		if got := Similarity(a, c.b); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("Similarity(%v, %v) = %v, want %v", a, c.b, got, c.want)
		}
	}
}

func TestDecide(t *testing.T) {
	th := Thresholds{Match: 0.5, Review: 0.3, Live: 0.5}
	f := []Face{{Box: image.Rect(0, 0, 100, 100), Score: 1}}
	two := append(append([]Face{}, f...), f[0])
	e1 := []float32{1, 0}
	at := func(sim float64) []float32 { return []float32{float32(sim), float32(math.Sqrt(1 - sim*sim))} }
	cases := []struct {
		name        string
		doc, selfie Analysis
		want        Verdict
	}{
		{"no selfie face", Analysis{Faces: f, Embedding: e1}, Analysis{Liveness: -1}, NoFaceSelfie},
		{"two faces", Analysis{Faces: f, Embedding: e1}, Analysis{Faces: two, Embedding: e1, Liveness: 0.9}, ManyFaces},
		{"not live", Analysis{Faces: f, Embedding: e1}, Analysis{Faces: f, Embedding: e1, Liveness: 0.2}, NotLive},
		{"liveness not computed", Analysis{Faces: f, Embedding: e1}, Analysis{Faces: f, Embedding: e1, Liveness: -1}, Match},
		{"no document face", Analysis{Liveness: -1}, Analysis{Faces: f, Embedding: e1, Liveness: 0.9}, NoFaceDocument},
		{"face too small to embed", Analysis{Faces: f}, Analysis{Faces: f, Embedding: e1, Liveness: 0.9}, Review},
		{"match", Analysis{Faces: f, Embedding: e1}, Analysis{Faces: f, Embedding: at(0.5), Liveness: 0.9}, Match},
		{"review", Analysis{Faces: f, Embedding: e1}, Analysis{Faces: f, Embedding: at(0.45), Liveness: 0.9}, Review},
		{"review at threshold", Analysis{Faces: f, Embedding: e1}, Analysis{Faces: f, Embedding: at(0.3), Liveness: 0.9}, Review},
		{"mismatch", Analysis{Faces: f, Embedding: e1}, Analysis{Faces: f, Embedding: at(0.1), Liveness: 0.9}, Mismatch},
	}
	for _, c := range cases {
		if got, _ := Decide(c.doc, c.selfie, th); got != c.want {
			t.Errorf("%s: Decide = %s, want %s", c.name, got, c.want)
		}
	}
}

// TestReportSamePerson: a real photograph as the "document" and each
// report-set transformation of it as the "selfie" give the same person:
// a match, or a reviewer when the face is too small to embed; never a
// mismatch. (Liveness is left out here; see TestLivenessReport.)
func TestReportSamePerson(t *testing.T) {
	e := openEngine(t)
	th := DefaultThresholds()
	n := map[Verdict]int{}
	minSim := 2.0
	defer func() { t.Logf("same-person pairs: %v; lowest similarity of a match %.3f", n, minSim) }()
	for _, p := range reportPeople {
		doc := cached(t, e, p, original)
		if len(doc.Faces) != 1 || doc.Embedding == nil {
			t.Fatalf("%s: faces=%d embedding=%v: want one face, embedded", p, len(doc.Faces), doc.Embedding != nil)
		}
		for _, tr := range reportSame {
			s := cached(t, e, p, tr)
			v, sim := Decide(doc, noLive(s), th)
			want := Match
			if len(s.Faces) > 0 && s.Embedding == nil {
				want = Review // too small: MinEmbedSide
			}
			t.Logf("same %-13s %-18s faces=%d side=%d sim=%.3f verdict=%s", p, tr.name, len(s.Faces), side(s), sim, v)
			n[v]++
			if v == Match {
				minSim = math.Min(minSim, sim)
			}
			if v != want {
				t.Errorf("%s %s: verdict %s (similarity %.3f), want %s", p, tr.name, v, sim, want)
			}
		}
	}
}

func side(a Analysis) int {
	if len(a.Faces) == 0 {
		return 0
	}
	return a.Faces[0].Box.Dx()
}

// TestReportDifferentPeople: every report-set image of one person against
// the photograph of another is a mismatch (still a reviewer's call in the
// product, but never a match).
func TestReportDifferentPeople(t *testing.T) {
	e := openEngine(t)
	th := DefaultThresholds()
	maxSim, pairs := -1.0, 0
	for _, p := range reportPeople {
		for _, tr := range append([]transform{original}, reportSame...) {
			s := cached(t, e, p, tr)
			if s.Embedding == nil {
				continue
			}
			for _, q := range reportPeople {
				if q == p {
					continue
				}
				v, sim := Decide(cached(t, e, q, original), noLive(s), th)
				maxSim = math.Max(maxSim, sim)
				pairs++
				if v != Mismatch {
					t.Errorf("%s (%s) vs %s: verdict %s (similarity %.3f), want mismatch", p, tr.name, q, v, sim)
				}
			}
		}
	}
	t.Logf("%d different-people pairs, highest similarity %.3f", pairs, maxSim)
}

// TestDrawingsAreNotFaces: a pencil drawing of a man (leptonica's
// dave-orig.png) is no face; the generated documents' drawn portraits give
// "no face on the document" or a reviewer against every real selfie, never
// a match.
func TestDrawingsAreNotFaces(t *testing.T) {
	e := openEngine(t)
	if a := analyze(t, e, load(t, "testdata/drawing.jpg"), true); len(a.Faces) != 0 {
		t.Errorf("drawing.jpg: %d faces found, want none", len(a.Faces))
	}
	th := DefaultThresholds()
	var selfies []Analysis
	for _, p := range reportPeople {
		selfies = append(selfies, noLive(cached(t, e, p, original)))
	}
	docs := generatedDocuments(t)
	if len(docs) == 0 {
		t.Fatal("no generated documents")
	}
	found, lo, hi := 0, 2.0, -2.0
	for name, m := range docs {
		d := analyze(t, e, m, false)
		if len(d.Faces) > 0 {
			found++
		}
		for i, s := range selfies {
			v, sim := Decide(d, s, th)
			if d.Embedding != nil {
				lo, hi = math.Min(lo, sim), math.Max(hi, sim)
			}
			if v == Match {
				t.Errorf("%s vs %s: match (similarity %.3f): a drawn portrait must never match", name, reportPeople[i], sim)
			}
			if v != NoFaceDocument && v != Review && v != Mismatch {
				t.Errorf("%s vs %s: verdict %s", name, reportPeople[i], v)
			}
		}
	}
	t.Logf("%d generated documents, %d with a face found; similarity to the real photographs %.3f..%.3f", len(docs), found, lo, hi)
}

// TestLivenessReport runs the liveness model on the report set: the
// photographs and their transformations, and simulated re-captures. It
// asserts what the model must do whatever its accuracy (a score in 0..1,
// -1 when not asked or no face; a halftone print is no face at all) and
// logs the scores for the README.
func TestLivenessReport(t *testing.T) {
	e := openEngine(t)
	th := DefaultThresholds()
	genuine, genuineLive, recap, recapCaught := 0, 0, 0, 0
	if a := analyze(t, e, load(t, "testdata/pigo.jpg"), false); a.Liveness != -1 {
		t.Errorf("liveness %v without Options.Liveness, want -1", a.Liveness)
	}
	for _, p := range reportPeople {
		for _, tr := range append([]transform{original}, reportSame...) {
			a := cached(t, e, p, tr)
			if a.Liveness < 0 || a.Liveness > 1 {
				t.Errorf("%s %s: liveness %v outside 0..1", p, tr.name, a.Liveness)
			}
			genuine++
			if a.Liveness >= th.Live {
				genuineLive++
			}
			t.Logf("photo   %-13s %-20s live=%.3f", p, tr.name, a.Liveness)
		}
		for _, tr := range reportRecapture {
			a := cached(t, e, p, tr)
			recap++
			if strings.HasPrefix(tr.name, "halftone") && len(a.Faces) != 0 {
				t.Errorf("%s %s: a halftone print gave %d faces, want none", p, tr.name, len(a.Faces))
			}
			if len(a.Faces) == 0 {
				if a.Liveness != -1 {
					t.Errorf("%s %s: no face but liveness %v", p, tr.name, a.Liveness)
				}
				recapCaught++ // refused as no_face_selfie
			} else if a.Liveness < th.Live {
				recapCaught++
			}
			t.Logf("recapture %-11s %-20s faces=%d live=%.3f", p, tr.name, len(a.Faces), a.Liveness)
		}
	}
	t.Logf("photographs judged live: %d/%d; simulated re-captures refused (no face or not live): %d/%d", genuineLive, genuine, recapCaught, recap)
}

// TestBoxesInInputCoordinates: a face in a sub-image (bounds not at the
// origin) and in a large image reduced before detection is reported where
// it is in the input.
func TestBoxesInInputCoordinates(t *testing.T) {
	e := openEngine(t)
	orig := load(t, "testdata/astronaut.jpg")
	base := analyze(t, e, orig, false)
	if len(base.Faces) != 1 {
		t.Fatalf("astronaut: %d faces", len(base.Faces))
	}
	big := scaled(3)(orig) // 1536 px: reduced to ≤ 1280 for the models
	bb := analyze(t, e, big, false)
	if len(bb.Faces) != 1 {
		t.Fatalf("astronaut ×3: %d faces", len(bb.Faces))
	}
	want := base.Faces[0].Box
	got := bb.Faces[0].Box
	if d := math.Abs(float64(got.Min.X) - 3*float64(want.Min.X)); d > 12 {
		t.Errorf("×3 box %v, want about 3×%v", got, want)
	}
	sub := rgba(orig).SubImage(image.Rect(100, 20, 400, 300))
	sa := analyze(t, e, sub, false)
	if len(sa.Faces) != 1 || !sa.Faces[0].Box.In(sub.Bounds()) || sa.Faces[0].Box.Intersect(want).Dx() < want.Dx()/2 {
		t.Errorf("sub-image faces %v, want one inside %v overlapping %v", sa.Faces, sub.Bounds(), want)
	}
	if sim := Similarity(base.Embedding, sa.Embedding); sim < 0.9 {
		t.Errorf("sub-image embedding similarity %.3f, want ≥ 0.9", sim)
	}
}

// TestOddImagesNeverPanic: degenerate inputs give no faces or faces, never
// a panic or an error.
func TestOddImagesNeverPanic(t *testing.T) {
	e := openEngine(t)
	grey := image.NewGray(image.Rect(0, 0, 640, 480))
	transparent := image.NewNRGBA(image.Rect(0, 0, 300, 300))
	pal := image.NewPaletted(image.Rect(0, 0, 50, 50), color.Palette{color.Black, color.White})
	cmyk := image.NewCMYK(image.Rect(-10, -10, 90, 90))
	g16 := image.NewGray16(image.Rect(0, 0, 64, 64))
	for i := range g16.Pix {
		g16.Pix[i] = uint8(i * 7)
	}
	imgs := map[string]image.Image{
		"1x1": image.NewRGBA(image.Rect(0, 0, 1, 1)), "7x7": image.NewRGBA(image.Rect(0, 0, 7, 7)),
		"8x8": image.NewRGBA(image.Rect(0, 0, 8, 8)), "1x4000": image.NewGray(image.Rect(0, 0, 1, 4000)),
		"4000x9": image.NewGray(image.Rect(0, 0, 4000, 9)), "grey": grey, "transparent": transparent,
		"paletted": pal, "cmyk-offset": cmyk, "gray16": g16, "empty": image.NewRGBA(image.Rectangle{}),
		"huge":      image.NewUniform(color.White), // unbounded: Bounds() is ±1e9
		"4000x3000": image.NewGray(image.Rect(0, 0, 4000, 3000)),
		"grey-face": image.NewGray(image.Rect(0, 0, 1, 1)),
	}
	ga := image.NewGray(load(t, "testdata/pigo.jpg").Bounds())
	src := load(t, "testdata/pigo.jpg")
	for y := ga.Rect.Min.Y; y < ga.Rect.Max.Y; y++ {
		for x := ga.Rect.Min.X; x < ga.Rect.Max.X; x++ {
			ga.Set(x, y, src.At(x, y))
		}
	}
	imgs["grey-face"] = ga
	for name, m := range imgs {
		a, err := e.Analyze(context.Background(), m, Options{Liveness: true})
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if name == "grey-face" && (len(a.Faces) != 1 || a.Embedding == nil) {
			t.Errorf("grey photograph: faces=%d embedding=%v, want one embedded face", len(a.Faces), a.Embedding != nil)
		}
		if name != "grey-face" && len(a.Faces) != 0 {
			t.Errorf("%s: %d faces in a blank image", name, len(a.Faces))
		}
	}
	if _, err := e.Analyze(context.Background(), nil, Options{}); err != nil {
		t.Errorf("nil image: %v", err)
	}
	// The standard library's own At panics on this one (found by FuzzToRGB).
	odd := image.NewYCbCr(image.Rect(0, -70, 9, 0), image.YCbCrSubsampleRatio420)
	if _, err := e.Analyze(context.Background(), odd, Options{}); err == nil {
		t.Error("YCbCr with an odd negative origin: want an error, not a panic or a result")
	}
}

func TestContextCancelled(t *testing.T) {
	e := openEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Fill the slots so Analyze has to wait, and see it give up.
	for i := 0; i < Parallel; i++ {
		e.slots <- struct{}{}
	}
	_, err := e.Analyze(ctx, load(t, "testdata/pigo.jpg"), Options{})
	for i := 0; i < Parallel; i++ {
		<-e.slots
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Analyze with a cancelled context while busy: %v, want context.Canceled", err)
	}
}

// TestConcurrentAnalyze: many goroutines on one Engine get the same
// results as one at a time (run with -race).
func TestConcurrentAnalyze(t *testing.T) {
	e := openEngine(t)
	imgs := []image.Image{load(t, "testdata/pigo.jpg"), load(t, "testdata/astronaut.jpg"), load(t, "testdata/camera.jpg")}
	want := make([]Analysis, len(imgs))
	for i, m := range imgs {
		want[i] = analyze(t, e, m, true)
	}
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			i := g % len(imgs)
			a, err := e.Analyze(context.Background(), imgs[i], Options{Liveness: true})
			if err != nil {
				t.Error(err)
				return
			}
			if Similarity(a.Embedding, want[i].Embedding) < 0.9999 || math.Abs(a.Liveness-want[i].Liveness) > 1e-4 {
				t.Errorf("goroutine %d: result differs from the serial one", g)
			}
		}(g)
	}
	wg.Wait()
}

func TestClosedEngine(t *testing.T) {
	openEngine(t) // skip without models
	e, err := Open(DefaultDir())
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e.Close()
	if _, err := e.Analyze(context.Background(), load(t, "testdata/pigo.jpg"), Options{}); err == nil {
		t.Error("Analyze after Close: want an error")
	}
}

// TestSharesRuntimeWithOCR: OCR and faces load the same ONNX Runtime in one
// process (the face directory links to the OCR directory's library).
func TestSharesRuntimeWithOCR(t *testing.T) {
	openEngine(t)
	r, err := ocr.NewPPOCR(ocr.Dir())
	if err != nil {
		t.Skipf("OCR not installed: %v", ocr.Detail(err))
	}
	defer r.Close()
	e, err := Open(DefaultDir())
	if err != nil {
		t.Fatalf("face after OCR: %v", err)
	}
	e.Close()
}

// TestTwoPeople: a selfie with two people (pigo.jpg beside the astronaut's
// photograph) has two faces, and the verdict is many_faces.
func TestTwoPeople(t *testing.T) {
	e := openEngine(t)
	a, p := rgba(load(t, "testdata/astronaut.jpg")), rgba(scaled(0.8)(load(t, "testdata/pigo.jpg")))
	both := image.NewRGBA(image.Rect(0, 0, a.Rect.Dx()+p.Rect.Dx(), a.Rect.Dy()))
	draw.Draw(both, a.Rect, a, image.Point{}, draw.Src)
	draw.Draw(both, p.Rect.Add(image.Pt(a.Rect.Dx(), 60)), p, image.Point{}, draw.Src)
	s := analyze(t, e, both, true)
	if len(s.Faces) != 2 {
		t.Fatalf("%d faces, want 2: %v", len(s.Faces), s.Faces)
	}
	if s.Faces[0].Box.Dx() < s.Faces[1].Box.Dx() {
		t.Errorf("faces not largest first: %v", s.Faces)
	}
	// The largest face is pigo's (about 226 px against 110): its embedding.
	if sim := Similarity(s.Embedding, analyze(t, e, p, false).Embedding); sim < 0.8 {
		t.Errorf("embedding of the largest face: similarity to pigo.jpg %.3f", sim)
	}
	if v, _ := Decide(analyze(t, e, a, false), s, DefaultThresholds()); v != ManyFaces {
		t.Errorf("verdict %s, want many_faces", v)
	}
}

// TestCloseWhileAnalyzing: Close during analyses waits for the running ones
// and makes the later ones fail; nothing crashes (sessions are never
// destroyed under a running model).
func TestCloseWhileAnalyzing(t *testing.T) {
	openEngine(t)
	e, err := Open(DefaultDir())
	if err != nil {
		t.Fatal(err)
	}
	img := load(t, "testdata/pigo.jpg")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, failed := 0, 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				a, err := e.Analyze(context.Background(), img, Options{Liveness: true})
				mu.Lock()
				if err != nil {
					failed++
				} else if len(a.Faces) == 1 && a.Embedding != nil {
					ok++
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	e.Close()
	wg.Wait()
	if ok+failed != 24 || failed == 0 {
		t.Errorf("%d analyses succeeded, %d failed: want all 24 accounted for and the ones after Close failing", ok, failed)
	}
	t.Logf("%d before Close, %d after", ok, failed)
}

// TestOpenCorruptModel: a damaged model file is ErrUnavailable naming it,
// not a crash, and nothing stays loaded.
func TestOpenCorruptModel(t *testing.T) {
	openEngine(t)
	src, dir := DefaultDir(), t.TempDir()
	for _, rel := range []string{Files.Lib, Files.Detect, Files.Landmark, Files.Feature, Files.Liveness} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755)
		target, err := filepath.EvalSymlinks(filepath.Join(src, rel))
		if err != nil {
			t.Fatal(err)
		}
		os.Symlink(target, filepath.Join(dir, rel))
	}
	feature := filepath.Join(dir, Files.Feature)
	os.Remove(feature)
	os.WriteFile(feature, []byte("this is not an ONNX model"), 0o644)
	_, err := Open(dir)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(Detail(err), "fr_feature.onnx") {
		t.Errorf("Open with a damaged fr_feature.onnx: %v, want ErrUnavailable naming the file", err)
	}
}
