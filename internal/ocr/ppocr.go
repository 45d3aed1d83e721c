package ocr

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/onnx"
)

// PPOCR is the PP-OCRv4 engine: DB text detection, then CRNN/SVTR line
// recognition with CTC decoding, on ONNX Runtime with one intra-op thread.
// Open it once per worker and reuse it; it is not safe for concurrent use.
type PPOCR struct {
	det, rec  *ort.DynamicAdvancedSession
	dict      []string // dict[i] is class i+1
	index     map[rune]int
	version   string
	mu        sync.Mutex
	recHeight int

	// MaxSide is the longest side, in pixels, an image is scaled down to
	// before detection (default 736: on the generated set it read as well as 960, faster). Smaller is faster and misses small
	// text sooner.
	MaxSide int
	// NoGlyphs turns off the glyph matcher (glyph.go), which re-reads
	// Chinese characters the model left out, read with low probability or
	// cannot output at all.
	NoGlyphs   bool
	glyphCache string // where the glyph bank is kept between runs
	glyphLeft  int    // cells the glyph matcher may still check in this Read
}

// PPOCRFiles are the files NewPPOCR loads, relative to Dir().
var PPOCRFiles = struct{ Lib, Det, Rec, Dict, Version string }{
	Lib:     "lib/libonnxruntime.so.1",
	Det:     "models/det.onnx",
	Rec:     "models/rec.onnx",
	Dict:    "models/ppocr_keys_v1.txt",
	Version: "VERSION",
}

// NewPPOCR loads the ONNX Runtime library and the PP-OCR models from dir (see
// Dir and scripts/ocr/setup.sh). Errors: OCR_UNAVAILABLE (kind Unavailable)
// when a file is missing or the runtime does not load; Detail(err) says which.
func NewPPOCR(dir string) (*PPOCR, error) {
	paths := map[string]string{}
	for _, kv := range [][2]string{{"lib", PPOCRFiles.Lib}, {"det", PPOCRFiles.Det}, {"rec", PPOCRFiles.Rec}, {"dict", PPOCRFiles.Dict}} {
		k, rel := kv[0], kv[1]
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err != nil {
			name := filepath.Base(rel)
			if k == "lib" {
				name = "libonnxruntime.so"
			}
			return nil, unavailable(fmt.Sprintf("%s not found at %s (run scripts/ocr/setup.sh)", name, p))
		}
		paths[k] = p
	}
	if err := onnx.Init(paths["lib"]); err != nil {
		return nil, unavailable(fmt.Sprintf("cannot load %s: %v", paths["lib"], err))
	}
	f, err := os.Open(paths["dict"])
	if err != nil {
		return nil, unavailable(fmt.Sprintf("cannot read %s: %v", paths["dict"], err))
	}
	dict, err := readDict(f)
	f.Close()
	if err != nil || len(dict) < 100 {
		return nil, unavailable(fmt.Sprintf("bad dictionary %s", paths["dict"]))
	}
	e := &PPOCR{MaxSide: 736, recHeight: 48}
	mk := func(p string) (*ort.DynamicAdvancedSession, error) {
		in, out, err := ort.GetInputOutputInfo(p)
		if err != nil || len(in) != 1 || len(out) != 1 {
			return nil, fmt.Errorf("unexpected model %s: %v", p, err)
		}
		opts, err := ort.NewSessionOptions()
		if err != nil {
			return nil, err
		}
		defer opts.Destroy()
		if err := opts.SetIntraOpNumThreads(1); err != nil {
			return nil, err
		}
		if err := opts.SetInterOpNumThreads(1); err != nil {
			return nil, err
		}
		return ort.NewDynamicAdvancedSession(p, []string{in[0].Name}, []string{out[0].Name}, opts)
	}
	if e.det, err = mk(paths["det"]); err != nil {
		return nil, unavailable(fmt.Sprintf("cannot load %s: %v", paths["det"], err))
	}
	if e.rec, err = mk(paths["rec"]); err != nil {
		e.det.Destroy()
		return nil, unavailable(fmt.Sprintf("cannot load %s: %v", paths["rec"], err))
	}
	_, outs, _ := ort.GetInputOutputInfo(paths["rec"])
	if len(outs) == 1 {
		d := outs[0].Dimensions
		if n := int(d[len(d)-1]); n == len(dict)+2 {
			dict = append(dict, " ") // use_space_char
		}
	}
	e.dict = dict
	e.index = make(map[rune]int, len(dict))
	for i, s := range dict {
		if r := []rune(s); len(r) == 1 {
			e.index[r[0]] = i + 1
		}
	}
	e.version = "PP-OCRv4 (onnxruntime " + ort.GetVersion() + ")"
	if b, err := os.ReadFile(filepath.Join(dir, PPOCRFiles.Version)); err == nil {
		e.version += "; " + strings.ReplaceAll(strings.TrimSpace(string(b)), "\n", "; ")
	}
	e.glyphCache = filepath.Join(dir, "cache")
	e.version += fmt.Sprintf("; glyph matcher: %d of %d fonts installed", len(installedGlyphFonts()), len(glyphFontPaths()))
	return e, nil
}

// Name implements Engine.
func (e *PPOCR) Name() string { return "ppocr" }

// Version implements Engine.
func (e *PPOCR) Version() string { return e.version }

// CanRead implements Engine: r is in the recognition dictionary.
func (e *PPOCR) CanRead(r rune) bool { _, ok := e.index[r]; return ok || r == ' ' }

// Close implements Engine.
func (e *PPOCR) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.det != nil {
		e.det.Destroy()
		e.det = nil
	}
	if e.rec != nil {
		e.rec.Destroy()
		e.rec = nil
	}
	return nil
}

// Read implements Engine. In ModePage it detects lines first; in ModeLine and
// ModeBlock the whole image is recognised as one line.
func (e *PPOCR) Read(ctx context.Context, img image.Image, opts Options) ([]Line, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.det == nil {
		return nil, errs.Internalf("ppocr: engine closed")
	}
	if img == nil || img.Bounds().Dx() < 4 || img.Bounds().Dy() < 4 {
		return nil, nil
	}
	m := toRGB(img)
	allowed := e.allowed(opts.Charset)
	e.glyphLeft = glyphPerRead
	if opts.Mode != ModePage {
		text, conf, glyphs, err := e.recognise(m, allowed)
		if err != nil {
			return nil, err
		}
		return []Line{{Text: text, Confidence: conf, Box: image.Rect(0, 0, m.W, m.H), Glyphs: glyphs}}, nil
	}
	regions, err := e.detect(m)
	if err != nil {
		return nil, err
	}
	lines := make([]Line, 0, len(regions))
	for _, r := range regions {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		outH := e.recHeight
		outW := int(math.Ceil(r.rect.W * float64(outH) / r.rect.H))
		if outW < 8 {
			outW = 8
		}
		if outW > 2400 {
			outW = 2400
		}
		crop := m.warp(r.rect, outW, outH)
		text, conf, glyphs, err := e.recognise(crop, allowed)
		if err != nil {
			return nil, err
		}
		if text == "" {
			continue
		}
		b := r.rect.bounds().Add(img.Bounds().Min)
		lines = append(lines, Line{Text: text, Confidence: conf, Box: b, Angle: -r.rect.Angle, Width: r.rect.W, Height: r.rect.H, Glyphs: glyphs})
	}
	sortLines(lines)
	return lines, nil
}

// Skew estimates the rotation of the text in img in degrees,
// counter-clockwise (rotate the image by -Skew to straighten it), from the
// detected text lines. It returns 0 when there are no long lines.
func (e *PPOCR) Skew(img image.Image) (float64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.det == nil {
		return 0, errs.Internalf("ppocr: engine closed")
	}
	m := toRGB(img)
	prob, w, h, err := e.detMap(m)
	if err != nil {
		return 0, err
	}
	_, angle := findRegions(prob, w, h)
	return -angle, nil
}

func (e *PPOCR) allowed(charset string) []bool {
	if charset == "" {
		return nil
	}
	a := make([]bool, len(e.dict)+1)
	for _, r := range charset {
		if i, ok := e.index[r]; ok {
			a[i] = true
		}
	}
	return a
}

// detMap runs the detector and returns the probability map and its size.
func (e *PPOCR) detMap(m *rgbImage) ([]float32, int, int, error) {
	scale := 1.0
	side := e.MaxSide
	if side < 64 {
		side = 960
	}
	if s := math.Max(float64(m.W), float64(m.H)); s > float64(side) {
		scale = float64(side) / s
	}
	w := int(math.Round(float64(m.W)*scale/32)) * 32
	h := int(math.Round(float64(m.H)*scale/32)) * 32
	w, h = max(w, 32), max(h, 32)
	r := m.resize(w, h)
	// PaddleOCR normalises BGR images with ImageNet statistics in this order.
	mean := [3]float32{0.485, 0.456, 0.406}
	std := [3]float32{0.229, 0.224, 0.225}
	data := make([]float32, 3*w*h)
	plane := w * h
	for i := 0; i < plane; i++ {
		for c := 0; c < 3; c++ {
			v := float32(r.Pix[3*i+2-c]) / 255 // BGR
			data[c*plane+i] = (v - mean[c]) / std[c]
		}
	}
	in, err := ort.NewTensor(ort.NewShape(1, 3, int64(h), int64(w)), data)
	if err != nil {
		return nil, 0, 0, errs.Internalf("ppocr det input: %w", err)
	}
	defer in.Destroy()
	outs := []ort.Value{nil}
	if err := e.det.Run([]ort.Value{in}, outs); err != nil {
		return nil, 0, 0, errs.Internalf("ppocr det: %w", err)
	}
	defer outs[0].Destroy()
	t, ok := outs[0].(*ort.Tensor[float32])
	if !ok {
		return nil, 0, 0, errs.Internalf("ppocr det: unexpected output type")
	}
	shape := t.GetShape()
	if len(shape) != 4 || int(shape[2]) != h || int(shape[3]) != w {
		return nil, 0, 0, errs.Internalf("ppocr det: unexpected output shape %v", shape)
	}
	prob := make([]float32, w*h)
	copy(prob, t.GetData())
	return prob, w, h, nil
}

// detect returns the text regions of m in m's coordinates.
func (e *PPOCR) detect(m *rgbImage) ([]textRegion, error) {
	prob, w, h, err := e.detMap(m)
	if err != nil {
		return nil, err
	}
	regions, _ := findRegions(prob, w, h)
	sx, sy := float64(m.W)/float64(w), float64(m.H)/float64(h)
	for i := range regions {
		r := &regions[i].rect
		r.CX *= sx
		r.CY *= sy
		r.W *= sx
		r.H *= sy
	}
	return regions, nil
}

// recognise reads one upright text line; glyphs are the characters the
// glyph matcher put in.
func (e *PPOCR) recognise(m *rgbImage, allowed []bool) (text string, conf float64, glyphs string, err error) {
	h := e.recHeight
	w := int(math.Ceil(float64(m.W) * float64(h) / float64(m.H)))
	w = min(max(w, 8), 2400)
	r := m.resize(w, h)
	pw := (w + 7) / 8 * 8
	plane := pw * h
	data := make([]float32, 3*plane) // zero padding is mid-grey after normalisation
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := r.Pix[3*(y*w+x):]
			for c := 0; c < 3; c++ {
				data[c*plane+y*pw+x] = (float32(p[2-c])/255 - 0.5) / 0.5
			}
		}
	}
	in, err := ort.NewTensor(ort.NewShape(1, 3, int64(h), int64(pw)), data)
	if err != nil {
		return "", 0, "", errs.Internalf("ppocr rec input: %w", err)
	}
	defer in.Destroy()
	outs := []ort.Value{nil}
	if err := e.rec.Run([]ort.Value{in}, outs); err != nil {
		return "", 0, "", errs.Internalf("ppocr rec: %w", err)
	}
	defer outs[0].Destroy()
	t, ok := outs[0].(*ort.Tensor[float32])
	if !ok {
		return "", 0, "", errs.Internalf("ppocr rec: unexpected output type")
	}
	shape := t.GetShape()
	if len(shape) != 3 {
		return "", 0, "", errs.Internalf("ppocr rec: unexpected output shape %v", shape)
	}
	text, conf = ctcDecode(t.GetData(), int(shape[1]), int(shape[2]), e.dict, allowed)
	if !e.NoGlyphs && allowed == nil && shape[1] > 0 {
		spans := ctcSpans(t.GetData(), int(shape[1]), int(shape[2]), nil)
		if refined, added, ok := e.refineGlyphs(r, float64(pw)/float64(shape[1]), spans); ok {
			return refined, min(conf, glyphConfidence), added, nil
		}
	}
	return strings.TrimSpace(text), conf, "", nil
}

// sortLines orders lines top to bottom, then left to right within a row.
func sortLines(lines []Line) {
	sort.SliceStable(lines, func(i, j int) bool {
		a, b := lines[i].Box, lines[j].Box
		ca, cb := (a.Min.Y+a.Max.Y)/2, (b.Min.Y+b.Max.Y)/2
		if sameRow(a, b) {
			return a.Min.X < b.Min.X
		}
		return ca < cb
	})
}

// sameRow reports whether two boxes overlap vertically by more than half the
// smaller height.
func sameRow(a, b image.Rectangle) bool {
	top, bot := max(a.Min.Y, b.Min.Y), min(a.Max.Y, b.Max.Y)
	return float64(bot-top) > 0.5*float64(min(a.Dy(), b.Dy()))
}
