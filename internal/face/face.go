// Package face finds faces in photographs, computes a face embedding to
// compare a selfie with a document's portrait, and estimates whether a
// selfie is a live capture (passive anti-spoofing). It runs four ONNX
// models from the npm package faceplugin-face-recognition-js 0.0.1 on the
// ONNX Runtime shared with internal/ocr (see internal/onnx), installed by
// scripts/face/setup.sh. Without them Open returns ErrUnavailable and the
// service goes on without faces.
//
// The package knows nothing about cases or customers: it takes images and
// returns numbers. What a score means for a verification is decided by the
// caller, with Thresholds and Decide as a starting point.
package face

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/onnx"
)

// ErrUnavailable (code FACE_UNAVAILABLE, kind Unavailable) is what Open
// returns, wrapped with the reason, when the runtime or a model is missing
// or cannot be loaded; errors.Is(err, ErrUnavailable) holds for it.
var ErrUnavailable = errs.New(errs.Unavailable, "FACE_UNAVAILABLE",
	"Face matching is not available on this server; your selfie will be checked by a reviewer.",
	"本服务器暂不支持自动人脸比对，您的自拍将由审核员人工核对。")

// Face is one face found in an image.
type Face struct {
	Box   image.Rectangle // in the input image's coordinates (upright); square (side = the detector box's height) unless clipped by the image's edge
	Score float64         // detector confidence 0..1
}

// Analysis is what Analyze found in one image.
type Analysis struct {
	Faces     []Face    // all faces found above the detection threshold, largest first
	Embedding []float32 // embedding of Faces[0] (nil when no face, or a face too small to embed: see MinEmbedSide); L2-normalised
	Liveness  float64   // 0..1 probability of a live capture of Faces[0]; -1 when not computed
}

// Options chooses what Analyze computes beyond detection and embedding.
type Options struct {
	Liveness bool // run the anti-spoofing model on Faces[0] (selfies; not document portraits)
}

// Files are the files Open loads, relative to its directory.
var Files = struct{ Lib, Detect, Landmark, Feature, Liveness, Version string }{
	Lib:      "lib/libonnxruntime.so.1",
	Detect:   "models/fr_detect.onnx",
	Landmark: "models/fr_landmark.onnx",
	Feature:  "models/fr_feature.onnx",
	Liveness: "models/fr_liveness.onnx",
	Version:  "VERSION",
}

// DefaultDir is where scripts/face/setup.sh installs the models:
// $VERIWALLET_FACE_DIR; else "face" beside $VERIWALLET_OCR_DIR when that is
// set; else $XDG_CACHE_HOME/veriwallet/face (~/.cache/veriwallet/face).
func DefaultDir() string {
	if d := os.Getenv("VERIWALLET_FACE_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("VERIWALLET_OCR_DIR"); d != "" {
		return filepath.Join(filepath.Dir(filepath.Clean(d)), "face")
	}
	if c, err := os.UserCacheDir(); err == nil {
		return filepath.Join(c, "veriwallet", "face")
	}
	return filepath.Join("data", "face")
}

// Engine runs the face models. It is safe for concurrent use; at most
// Parallel analyses run at once (each on one CPU thread), others wait.
type Engine struct {
	mu                        sync.RWMutex // Close takes it exclusively
	detect, landmark, feature *ort.DynamicAdvancedSession
	liveness                  *ort.DynamicAdvancedSession
	slots                     chan struct{}
	version                   string
}

// Parallel is how many analyses one Engine runs at once.
const Parallel = 2

// Open loads the ONNX Runtime library and the four models from dir (see
// DefaultDir). Errors: ErrUnavailable, wrapped with which file is missing or
// why it did not load.
func Open(dir string) (*Engine, error) {
	paths := map[string]string{}
	for k, rel := range map[string]string{"lib": Files.Lib, "detect": Files.Detect, "landmark": Files.Landmark,
		"feature": Files.Feature, "liveness": Files.Liveness} {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err != nil {
			return nil, unavailable("%s not found at %s (run scripts/face/setup.sh)", filepath.Base(rel), p)
		}
		paths[k] = p
	}
	if err := onnx.Init(paths["lib"]); err != nil {
		return nil, unavailable("cannot load %s: %v", paths["lib"], err)
	}
	e := &Engine{slots: make(chan struct{}, Parallel)}
	var err error
	load := func(name string, ins, outs []string) *ort.DynamicAdvancedSession {
		if err != nil {
			return nil
		}
		var s *ort.DynamicAdvancedSession
		s, err = newSession(paths[name], ins, outs)
		if err != nil {
			err = fmt.Errorf("cannot load %s: %w", paths[name], err)
		}
		return s
	}
	e.detect = load("detect", []string{"input"}, []string{"scores", "boxes"})
	e.landmark = load("landmark", []string{"input"}, []string{"output"})
	e.feature = load("feature", []string{"input"}, []string{"output"})
	e.liveness = load("liveness", []string{"input"}, []string{"output"})
	if err != nil {
		e.Close()
		return nil, unavailable("%v", err)
	}
	e.version = "faceplugin-face-recognition-js models (onnxruntime " + onnx.Version() + ")"
	if b, err := os.ReadFile(filepath.Join(dir, Files.Version)); err == nil {
		e.version += "; " + strings.ReplaceAll(strings.TrimSpace(string(b)), "\n", "; ")
	}
	return e, nil
}

// newSession opens one model with one intra-op and one inter-op thread,
// after checking it has the named inputs and outputs.
func newSession(path string, ins, outs []string) (*ort.DynamicAdvancedSession, error) {
	in, out, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, err
	}
	has := func(infos []ort.InputOutputInfo, names []string) bool {
		for _, n := range names {
			found := false
			for _, i := range infos {
				found = found || i.Name == n
			}
			if !found {
				return false
			}
		}
		return true
	}
	if !has(in, ins) || !has(out, outs) {
		return nil, fmt.Errorf("unexpected inputs/outputs (want %v → %v)", ins, outs)
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
	return ort.NewDynamicAdvancedSession(path, ins, outs, opts)
}

// Version names the models and runtime, for /readyz and reports.
func (e *Engine) Version() string { return e.version }

// Close releases the models. Analyses still running finish first; later
// ones fail.
func (e *Engine) Close() error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range []**ort.DynamicAdvancedSession{&e.detect, &e.landmark, &e.feature, &e.liveness} {
		if *s != nil {
			(*s).Destroy()
			*s = nil
		}
	}
	return nil
}

// errClosed is returned by Analyze on a closed (or nil) Engine.
var errClosed = errors.New("face: engine closed")

// Analyze finds the faces in img and, for the largest, computes its
// embedding and (with o.Liveness) its liveness. An image with no face, or
// one too small or degenerate to analyse, gives an Analysis with no faces
// and a nil error. Errors: the context's error (waiting for a slot or
// between models); an internal error if a model fails to run or the engine
// is closed.
func (e *Engine) Analyze(ctx context.Context, img image.Image, o Options) (Analysis, error) {
	res := Analysis{Liveness: -1}
	if e == nil {
		return res, errs.Internalf("%w", errClosed)
	}
	if img == nil {
		return res, nil
	}
	select {
	case e.slots <- struct{}{}:
		defer func() { <-e.slots }()
	case <-ctx.Done():
		return res, ctx.Err()
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.detect == nil {
		return res, errs.Internalf("%w", errClosed)
	}
	b := img.Bounds()
	if b.Dx() < 8 || b.Dy() < 8 {
		return res, nil
	}
	m, factor, err := toRGB(img)
	if err != nil {
		return res, errs.Internalf("%w", err)
	}
	boxes, err := e.runDetect(m)
	if err != nil {
		return res, err
	}
	var kept []box // kept[i] is Faces[i] in work-image coordinates
	for _, bx := range boxes {
		r := image.Rect(
			b.Min.X+int(math.Floor(bx.x1*factor)), b.Min.Y+int(math.Floor(bx.y1*factor)),
			b.Min.X+int(math.Ceil(bx.x2*factor)), b.Min.Y+int(math.Ceil(bx.y2*factor)),
		).Intersect(b)
		if r.Dx() < detMinSidePix || r.Dy() < detMinSidePix {
			continue
		}
		res.Faces = append(res.Faces, Face{Box: r, Score: bx.score})
		kept = append(kept, bx)
	}
	if len(res.Faces) == 0 {
		return res, nil
	}
	main := kept[0]
	if err := ctx.Err(); err != nil {
		return res, err
	}
	// A reduced image may have lost detail the embedding and liveness models
	// want (a face under regionBelow pixels): read the face's surroundings
	// again at up to regionMax pixels.
	fm, fb := m, main
	if factor > 1 && main.w() < regionBelow {
		c := res.Faces[0].Box
		half := float64(max(c.Dx(), c.Dy())) * regionScale / 2
		cx, cy := float64(c.Min.X+c.Max.X)/2, float64(c.Min.Y+c.Max.Y)/2
		region := image.Rect(int(cx-half), int(cy-half), int(math.Ceil(cx+half)), int(math.Ceil(cy+half))).Intersect(b)
		rm, rf, err := regionRGB(img, region, regionMax)
		if err != nil {
			return res, errs.Internalf("%w", err)
		}
		fm = rm
		fb = box{
			x1: (float64(c.Min.X - region.Min.X)) / rf, y1: (float64(c.Min.Y - region.Min.Y)) / rf,
			x2: (float64(c.Max.X - region.Min.X)) / rf, y2: (float64(c.Max.Y - region.Min.Y)) / rf,
			score: main.score,
		}
	}
	if fb.w() >= MinEmbedSide && fb.h() >= MinEmbedSide {
		emb, err := e.runEmbed(fm, fb)
		if err != nil {
			return res, err
		}
		res.Embedding = emb
	}
	if o.Liveness {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if res.Liveness, err = e.runLiveness(fm, fb); err != nil {
			return res, err
		}
	}
	return res, nil
}

// runDetect finds faces in the whole image and, when there are none and
// the image is much larger than the detector's input, in four overlapping
// tiles, so that a small portrait in a large photo is still found.
func (e *Engine) runDetect(m *rgbImage) ([]box, error) {
	boxes, err := e.detectOnce(m)
	if err != nil || len(boxes) > 0 || (m.w < 2*detW && m.h < 2*detH) {
		return boxes, err
	}
	tw, th := (m.w*3+4)/5, (m.h*3+4)/5 // 60 %: the tiles overlap by a fifth
	var all []box
	for _, y0 := range []int{0, m.h - th} {
		for _, x0 := range []int{0, m.w - tw} {
			found, err := e.detectOnce(m.crop(x0, y0, tw, th))
			if err != nil {
				return nil, err
			}
			for _, f := range found {
				f.x1, f.x2, f.y1, f.y2 = f.x1+float64(x0), f.x2+float64(x0), f.y1+float64(y0), f.y2+float64(y0)
				all = append(all, f)
			}
		}
	}
	return mergeBoxes(all), nil
}

func (e *Engine) detectOnce(m *rgbImage) ([]box, error) {
	data, lb := detectInput(m)
	outs, err := run(e.detect, 2, data, 1, 3, detH, detW)
	if err != nil {
		return nil, err
	}
	return decodeDetections(outs[0], outs[1], lb, m.w, m.h), nil
}

func (e *Engine) runEmbed(m *rgbImage, b box) ([]float32, error) {
	in, rect := landmarkInput(m, b)
	outs, err := run(e.landmark, 1, in, 1, 1, lmSize, lmSize)
	if err != nil {
		return nil, err
	}
	pts, ok := fivePoints(outs[0], rect)
	if !ok {
		return nil, nil
	}
	data, ok := embedInput(m, pts)
	if !ok {
		return nil, nil
	}
	outs, err = run(e.feature, 1, data, 1, 3, embSize, embSize)
	if err != nil {
		return nil, err
	}
	return normalize(outs[0]), nil
}

func (e *Engine) runLiveness(m *rgbImage, b box) (float64, error) {
	outs, err := run(e.liveness, 1, liveInput(m, b), 1, 3, liveSize, liveSize)
	if err != nil {
		return -1, err
	}
	return softmaxAt(outs[0], liveClass), nil
}

// run feeds one float tensor of the given shape to s and returns a copy of
// every output's data.
func run(s *ort.DynamicAdvancedSession, nOut int, data []float32, shape ...int64) ([][]float32, error) {
	in, err := ort.NewTensor(ort.NewShape(shape...), data)
	if err != nil {
		return nil, errs.Internalf("face: input tensor: %w", err)
	}
	defer in.Destroy()
	outs := make([]ort.Value, nOut)
	if err := s.Run([]ort.Value{in}, outs); err != nil {
		return nil, errs.Internalf("face: run model: %w", err)
	}
	res := make([][]float32, len(outs))
	for i, o := range outs {
		if o == nil {
			continue
		}
		t, ok := o.(*ort.Tensor[float32])
		if ok {
			res[i] = append([]float32(nil), t.GetData()...)
		}
		o.Destroy()
	}
	return res, nil
}

// unavailable builds a FACE_UNAVAILABLE error whose cause is the detail.
func unavailable(format string, args ...any) error {
	return ErrUnavailable.Wrap(unavailableDetail(fmt.Sprintf(format, args...)))
}

// unavailableDetail is the operator-facing reason behind ErrUnavailable;
// it makes errors.Is(err, ErrUnavailable) hold for the wrapped copy.
type unavailableDetail string

func (d unavailableDetail) Error() string        { return string(d) }
func (d unavailableDetail) Is(target error) bool { return target == ErrUnavailable }

// Detail returns the operator-facing explanation in an Open error, e.g.
// "fr_detect.onnx not found at /x/models/fr_detect.onnx (run scripts/face/setup.sh)".
func Detail(err error) string {
	var d unavailableDetail
	if errors.As(err, &d) {
		return string(d)
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
