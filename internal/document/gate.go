// Package document is veriwallet's document image gate: it decides the format
// of an uploaded file from its bytes, refuses what it cannot use (wrong
// format, corrupt, decompression bombs, absurd sizes), measures the quality
// of the document photo (resolution, blur, exposure, glare, cut-off edges,
// the portrait) and explains every refusal with a stable code and a message
// and hint in zh-CN and en. It also returns the clean copy to store (upright,
// all metadata stripped) and a perceptual hash for duplicate detection.
//
// The package is pure: no I/O, no logging, no network. Uploads, storage and
// the HTTP API live elsewhere and call Gate.Check.
package document

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Limits bound what the gate will even try to decode.
type Limits struct {
	MaxBytes  int64   // largest file accepted (FILE_TOO_LARGE); default 10 MB
	MaxPixels int     // largest width×height decoded (IMAGE_TOO_MANY_PIXELS); default 40 MP
	MaxSide   int     // longest side accepted (IMAGE_DIMENSIONS); default 20000
	MinSide   int     // shorter side below this is IMAGE_TOO_SMALL; default 320
	MaxAspect float64 // long/short side ratio above this is IMAGE_DIMENSIONS; default 8
}

// Thresholds are the quality limits, one per score (Report.Scores names in
// quotes). The defaults were calibrated on testdata/calib; CALIBRATION.md
// gives the measured score ranges and error rates. A zero field takes its
// default: to switch a check off, set an unreachable limit instead.
type Thresholds struct {
	MinDocumentPixels float64 // "resolution": document long side in pixels; below → IMAGE_TOO_SMALL
	MinSharpness      float64 // "sharpness": contrast-normalised Laplacian variance; below → IMAGE_BLURRY
	MinBrightness     float64 // "brightness": mean luma 0..255; below → IMAGE_TOO_DARK
	MaxBrightness     float64 // mean luma above this → IMAGE_OVEREXPOSED
	MaxClipped        float64 // "clipped": fraction of clipped pixels above this → IMAGE_OVEREXPOSED
	MaxGlare          float64 // "glare": fraction covered by clipped blobs above this → IMAGE_GLARE
	MaxCutOff         float64 // "cut_off": share of the document outline on the frame border above this → IMAGE_CUT_OFF
	MinFaceScore      float64 // "face": pigo cluster score below this → NO_FACE_ON_DOCUMENT / SELFIE_NO_FACE
	MinScreenScore    float64 // "screen_capture" at or above this → IMAGE_SCREEN_CAPTURE (a signal)
	ClipLevel         uint8   // luma at or above which a pixel counts as clipped
}

// Config configures a Gate. Zero fields take their defaults.
type Config struct {
	Limits     Limits
	Thresholds Thresholds
	// AlwaysReencode re-encodes every clean copy instead of rewriting the
	// file without its metadata when no rotation is needed.
	AlwaysReencode bool
	// JPEGQuality is the quality of re-encoded JPEG clean copies; default 90.
	JPEGQuality int
	// WorkingSide is the longest side of the copy the checks run on; default 800.
	WorkingSide int
}

// DefaultConfig returns the configuration with every default filled in.
func DefaultConfig() Config {
	return Config{
		Limits: Limits{MaxBytes: 10 << 20, MaxPixels: 40_000_000, MaxSide: 20000, MinSide: 320, MaxAspect: 8},
		Thresholds: Thresholds{
			MinDocumentPixels: 450,
			MinSharpness:      60,
			MinBrightness:     70,
			MaxBrightness:     235,
			MaxClipped:        0.3,
			MaxGlare:          0.01,
			MaxCutOff:         0.03,
			MinFaceScore:      20,
			MinScreenScore:    0.75,
			ClipLevel:         250,
		},
		JPEGQuality: 90,
		WorkingSide: 800,
	}
}

// withDefaults fills zero fields of c from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	setI64 := func(v *int64, dv int64) {
		if *v == 0 {
			*v = dv
		}
	}
	setI := func(v *int, dv int) {
		if *v == 0 {
			*v = dv
		}
	}
	setF := func(v *float64, dv float64) {
		if *v == 0 {
			*v = dv
		}
	}
	setI64(&c.Limits.MaxBytes, d.Limits.MaxBytes)
	setI(&c.Limits.MaxPixels, d.Limits.MaxPixels)
	setI(&c.Limits.MaxSide, d.Limits.MaxSide)
	setI(&c.Limits.MinSide, d.Limits.MinSide)
	setF(&c.Limits.MaxAspect, d.Limits.MaxAspect)
	t, dt := &c.Thresholds, d.Thresholds
	setF(&t.MinDocumentPixels, dt.MinDocumentPixels)
	setF(&t.MinSharpness, dt.MinSharpness)
	setF(&t.MinBrightness, dt.MinBrightness)
	setF(&t.MaxBrightness, dt.MaxBrightness)
	setF(&t.MaxClipped, dt.MaxClipped)
	setF(&t.MaxGlare, dt.MaxGlare)
	setF(&t.MaxCutOff, dt.MaxCutOff)
	setF(&t.MinFaceScore, dt.MinFaceScore)
	setF(&t.MinScreenScore, dt.MinScreenScore)
	if t.ClipLevel == 0 {
		t.ClipLevel = dt.ClipLevel
	}
	setI(&c.JPEGQuality, d.JPEGQuality)
	setI(&c.WorkingSide, d.WorkingSide)
	return c
}

// Validate reports a configuration that cannot work (after defaults).
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Limits.MaxBytes < 0, c.Limits.MaxPixels < 0, c.Limits.MaxSide < 0, c.Limits.MinSide < 0:
		return errors.New("document: limits must not be negative")
	case c.Limits.MinSide > c.Limits.MaxSide:
		return errors.New("document: MinSide is larger than MaxSide")
	case c.Limits.MaxAspect < 1:
		return errors.New("document: MaxAspect must be at least 1")
	case c.JPEGQuality < 1 || c.JPEGQuality > 100:
		return errors.New("document: JPEGQuality must be within 1..100")
	case c.WorkingSide < 64 || c.WorkingSide > 4096:
		return errors.New("document: WorkingSide must be within 64..4096")
	case c.Thresholds.MinBrightness >= c.Thresholds.MaxBrightness:
		return errors.New("document: MinBrightness must be below MaxBrightness")
	}
	return nil
}

// Rect is a rectangle in the pixels of the upright image.
type Rect struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Report is the gate's verdict on one image.
type Report struct {
	Format string `json:"format"` // from the bytes: "jpeg", "png", or what a refused file is ("heic", "pdf", …)
	Width  int    `json:"width"`  // upright (EXIF orientation applied) width; 0 when unknown
	Height int    `json:"height"` // upright height; 0 when unknown
	SHA256 string `json:"sha256"` // hex SHA-256 of the original bytes

	Accepted bool               `json:"accepted"` // no reason refuses the image (signals do not)
	Scores   map[string]float64 `json:"scores"`   // every measurement, by name (see Thresholds)
	Reasons  []Reason           `json:"reasons"`  // what is wrong, most fundamental first

	PHash uint64 `json:"phash"` // perceptual hash of the upright image; compare with HammingDistance
	// PHashFine hashes three finer frequency bands (DCT 4..11 and 8..15 of
	// a 64×64 copy, 16..23 of a 128×128 copy): photos of different cards of
	// one template can share PHash, but not these (see IsDuplicatePhoto).
	PHashFine [3]uint64 `json:"phash_fine"`
	Clean     []byte    `json:"-"`              // the copy to store and show: no metadata but the EXIF orientation (decode with DecodeImage); nil when refused before decoding
	Face      *Rect     `json:"face,omitempty"` // the portrait found, in upright pixels; nil when none

	// Document is the document's outline in upright pixels (corners
	// clockwise from the top-left of the card as found), when found.
	Document *[4][2]float64 `json:"document,omitempty"`
}

// AddReason appends a reason (for instance DUPLICATE_IMAGE, which the caller
// decides) and recomputes Accepted.
func (r *Report) AddReason(rs Reason) {
	r.Reasons = append(r.Reasons, rs)
	r.Accepted = true
	for _, x := range r.Reasons {
		if !x.Signal {
			r.Accepted = false
		}
	}
}

func (r *Report) add(code string) { r.AddReason(reason(code)) }

// Has reports whether the report carries the given reason code.
func (r *Report) Has(code string) bool {
	for _, x := range r.Reasons {
		if x.Code == code {
			return true
		}
	}
	return false
}

// Gate checks document images. It is safe for concurrent use.
type Gate struct {
	cfg   Config
	faces *faceFinder
}

// NewGate returns a gate with cfg (zero fields take their defaults). It
// loads the embedded face cascade once; it fails only on an invalid
// configuration.
func NewGate(cfg Config) (*Gate, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ff, err := newFaceFinder()
	if err != nil {
		return nil, err
	}
	return &Gate{cfg: cfg.withDefaults(), faces: ff}, nil
}

// Config returns the gate's configuration with defaults filled in.
func (g *Gate) Config() Config { return g.cfg }

// ErrKind is returned by Check for an unknown document kind.
var ErrKind = errs.New(errs.Invalid, "DOCUMENT_KIND_INVALID",
	"Unknown document kind.", "未知的证件类型。").OnField("kind")

// Check runs the whole gate on the bytes of one uploaded file. A bad file is
// not an error: it is a Report with Accepted false and its reasons. Check
// returns an error only for an unknown kind (ErrKind) or for a failure of
// its own (an Internal error).
func (g *Gate) Check(data []byte, kind Kind) (*Report, error) {
	return g.check(data, kind, true)
}

func (g *Gate) check(data []byte, kind Kind, withClean bool) (rep *Report, err error) {
	if !kind.Valid() {
		return nil, ErrKind
	}
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, errs.Internalf("document: check panicked: %v", p)
		}
	}()
	lim, th := g.cfg.Limits, g.cfg.Thresholds
	sum := sha256.Sum256(data)
	rep = &Report{SHA256: hex.EncodeToString(sum[:]), Scores: map[string]float64{}, Accepted: true}
	format, code := sniff(data)
	rep.Format = format
	if int64(len(data)) > lim.MaxBytes {
		rep.add(CodeFileTooLarge)
		return rep, nil
	}
	if code != "" {
		rep.add(code)
		return rep, nil
	}

	var cfg image.Config
	var md metadata
	if format == FormatJPEG {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
		md = readJPEGMeta(data)
	} else {
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
		md = readPNGMeta(data)
	}
	if err != nil {
		rep.add(decodeFailure(err))
		return rep, nil
	}
	w, h := cfg.Width, cfg.Height
	rep.Width, rep.Height = orientedSize(md.Orientation, w, h)
	switch {
	case w <= 0 || h <= 0:
		rep.add(CodeDimensions)
		return rep, nil
	case int64(w)*int64(h) > int64(lim.MaxPixels),
		// The decoded image may hold at most MaxPixels×4 bytes: a 16-bit
		// PNG takes 8 bytes a pixel (a small file can decode to gigabytes).
		int64(w)*int64(h)*bytesPerPixel(cfg.ColorModel) > int64(lim.MaxPixels)*4:
		rep.add(CodeTooManyPixels)
		return rep, nil
	case max(w, h) > lim.MaxSide || float64(max(w, h)) > lim.MaxAspect*float64(min(w, h)):
		rep.add(CodeDimensions)
		return rep, nil
	case min(w, h) < lim.MinSide:
		rep.Scores["resolution"] = float64(max(w, h))
		rep.add(CodeTooSmall)
		return rep, nil
	}

	var img image.Image
	if format == FormatJPEG {
		img, err = jpeg.Decode(bytes.NewReader(data))
		if errors.Is(err, io.ErrUnexpectedEOF) && !bytes.HasSuffix(data, []byte{0xff, 0xd9}) {
			// Some phone apps leave out the final EOI marker. With it put
			// back, a file whose scans are all there decodes; one cut short
			// inside its scan data still fails.
			fixed := append(data[:len(data):len(data)], 0xff, 0xd9)
			if img2, err2 := jpeg.Decode(bytes.NewReader(fixed)); err2 == nil {
				img, err, data = img2, nil, fixed
			}
		}
	} else {
		img, err = png.Decode(bytes.NewReader(data))
	}
	if err != nil || img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		rep.add(decodeFailure(err))
		return rep, nil
	}

	if kind == KindAttachment {
		// A support screenshot: format, size and metadata only, no
		// document-quality gate.
		if withClean {
			rep.Clean, err = cleanCopy(format, data, img, md.Orientation, g.cfg.AlwaysReencode, g.cfg.JPEGQuality)
			if err != nil {
				return nil, errs.Internalf("%w", err)
			}
		}
		return rep, nil
	}
	work := lumaPlane(img, g.cfg.WorkingSide).orient(md.Orientation)
	toOrig := float64(max(rep.Width, rep.Height)) / float64(max(work.w, work.h))
	g.analyze(rep, work, kind, toOrig)
	rep.PHash = phash(work)
	rep.PHashFine = [3]uint64{phashAt(work, 4, 64), phashAt(work, 8, 64), phashAt(work, 16, 128)}

	rep.Scores["screen_capture"] = screenScore(format, w, h, md)
	if rep.Scores["screen_capture"] >= th.MinScreenScore {
		rep.add(CodeScreenCapture)
	}

	if withClean {
		rep.Clean, err = cleanCopy(format, data, img, md.Orientation, g.cfg.AlwaysReencode, g.cfg.JPEGQuality)
		if err != nil {
			return nil, errs.Internalf("%w", err)
		}
	}
	return rep, nil
}

// analyze measures the quality of the upright working copy and adds the
// reasons. toOrig converts working pixels to upright original pixels.
func (g *Gate) analyze(rep *Report, work *plane, kind Kind, toOrig float64) {
	th := g.cfg.Thresholds
	det := work.downscale(320)
	kd := float64(work.w) / float64(det.w)

	// The document region: the rectified card when one is found, else the
	// central part of the frame.
	region := work
	resolution := float64(max(work.w, work.h)) * toOrig
	var toWork func(x, y float64) (float64, float64) // region → working pixels
	var regionScale float64                          // working pixels per region pixel
	if kind.isCard() {
		c, ok := findCard(det, 0.8, 0.05)
		if ok {
			rep.Scores["document_found"] = 1
			rep.Scores["cut_off"] = round3(c.Contact)
			cw := c.scaled(kd)
			const inset = 0.04
			region = rectify(work, cw, inset, 640)
			long := 2 * cw.HalfLong * (1 - 2*inset)
			shrt := 2 * cw.HalfShrt * (1 - 2*inset)
			resolution = 2 * cw.HalfLong * toOrig
			rw, rh := float64(region.w), float64(region.h)
			toWork = func(x, y float64) (float64, float64) {
				fu := (x/rw - 0.5) * long
				fv := (y/rh - 0.5) * shrt
				return cw.CX + fu*cw.UX + fv*cw.VX, cw.CY + fu*cw.UY + fv*cw.VY
			}
			regionScale = long / rw
			var outline [4][2]float64
			for i, p := range cw.corners() {
				outline[i] = [2]float64{math.Round((p[0] + 0.5) * toOrig), math.Round((p[1] + 0.5) * toOrig)}
			}
			rep.Document = &outline
			if c.Contact > th.MaxCutOff {
				rep.add(CodeCutOff)
			}
		} else {
			rep.Scores["document_found"] = 0
			rep.add(CodeEdgesNotFound)
		}
	}
	if toWork == nil {
		if kind != KindSelfie {
			mx, my := work.w/10, work.h/10
			region = crop(work, mx, my, work.w-2*mx, work.h-2*my)
			toWork = func(x, y float64) (float64, float64) { return x + float64(mx), y + float64(my) }
		} else {
			toWork = func(x, y float64) (float64, float64) { return x, y }
		}
		regionScale = 1
	}

	rep.Scores["resolution"] = math.Round(resolution)
	// A cut-off document shows only part of itself: its size is unknown, and
	// IMAGE_CUT_OFF already asks for the whole document.
	if resolution < th.MinDocumentPixels && !rep.Has(CodeCutOff) {
		rep.add(CodeTooSmall)
	}
	mean, clipped := exposure(region, th.ClipLevel)
	rep.Scores["brightness"] = round3(mean)
	rep.Scores["clipped"] = round3(clipped)
	sharp := sharpness(region)
	rep.Scores["sharpness"] = math.Round(sharp)
	// Paper is white and mostly background; a selfie is measured on the whole
	// frame, where a bright window behind the face is common: for both only
	// a frame blown out almost entirely counts as overexposed.
	loose := kind.isPaper() || kind == KindSelfie
	switch {
	case mean < th.MinBrightness:
		rep.add(CodeTooDark)
	case loose && clipped > looseMaxClipped:
		rep.add(CodeOverexposed)
	case !loose && (mean > th.MaxBrightness || clipped > th.MaxClipped):
		rep.add(CodeOverexposed)
	case kind.isCard():
		// Glare is a reflection on a laminated card; on paper a blown-out
		// white background is harmless and would read as glare.
		gl := glare(region, th.ClipLevel, 0.002)
		rep.Scores["glare"] = round3(gl)
		if gl > th.MaxGlare {
			rep.add(CodeGlare)
		}
	}
	if sharp < th.MinSharpness {
		rep.add(CodeBlurry)
	}

	if kind.hasPortrait() || kind == KindSelfie {
		hit, ok := g.findFace(region, kind == KindSelfie)
		q := 0.0
		if ok {
			q = hit.Q
		}
		rep.Scores["face"] = math.Round(q*10) / 10
		if q < th.MinFaceScore {
			if kind == KindSelfie {
				rep.add(CodeSelfieNoFace)
			} else {
				rep.add(CodeNoFace)
			}
		} else {
			x, y := toWork(float64(hit.X), float64(hit.Y))
			s := float64(hit.Size) * regionScale * toOrig
			rep.Face = &Rect{
				X: int((x+0.5)*toOrig - s/2), Y: int((y+0.5)*toOrig - s/2),
				W: int(s), H: int(s),
			}
		}
	}
}

// findFace runs the face cascade on the region, scaled so that a portrait of
// the expected size is within the cascade's window range, upright and then
// upside down. The hit is in region pixels.
func (g *Gate) findFace(region *plane, selfie bool) (faceHit, bool) {
	const target = 160 // region height (pixels) the cascade runs at
	p := region
	if p.h > target {
		p = p.resize(max(1, p.w*target/p.h), target)
	}
	k := float64(region.h) / float64(p.h)
	minS, maxS := int(0.2*float64(p.h)), int(0.8*float64(p.h))
	if selfie {
		minS, maxS = int(0.15*float64(min(p.w, p.h))), min(p.w, p.h)
	}
	best, ok := g.faces.find(p, minS, maxS)
	if !selfie && (!ok || best.Q < g.cfg.Thresholds.MinFaceScore) {
		if hit, ok2 := g.faces.find(p.rot180(), minS, maxS); ok2 && (!ok || hit.Q > best.Q) {
			hit.X, hit.Y = p.w-1-hit.X, p.h-1-hit.Y
			best, ok = hit, true
		}
	}
	if ok {
		best.X = int(float64(best.X) * k)
		best.Y = int(float64(best.Y) * k)
		best.Size = int(float64(best.Size) * k)
	}
	return best, ok
}

// decodeFailure names why a JPEG or PNG could not be decoded: a valid
// file in a variant the decoder does not support, or a damaged one.
func decodeFailure(err error) string {
	var ju jpeg.UnsupportedError
	var pu png.UnsupportedError
	if errors.As(err, &ju) || errors.As(err, &pu) {
		return CodeImageUnsupported
	}
	return CodeImageCorrupt
}

// looseMaxClipped is the clipped fraction above which a paper document or
// a selfie counts as overexposed: only when nearly all of it is blown out,
// since a white page or a bright background clipping to pure white loses
// nothing that matters.
const looseMaxClipped = 0.85

func crop(p *plane, x0, y0, w, h int) *plane {
	out := newPlane(w, h)
	for y := 0; y < h; y++ {
		copy(out.p[y*w:(y+1)*w], p.p[(y0+y)*p.w+x0:])
	}
	return out
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// String is a one-line summary for tests and logs (no personal data).
func (r *Report) String() string {
	codes := make([]string, len(r.Reasons))
	for i, x := range r.Reasons {
		codes[i] = x.Code
	}
	return fmt.Sprintf("%s %dx%d accepted=%v reasons=%v scores=%v", r.Format, r.Width, r.Height, r.Accepted, codes, r.Scores)
}

// bytesPerPixel is how much memory one decoded pixel of a color model takes.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.Gray16Model:
		return 2
	case color.GrayModel, color.AlphaModel:
		return 1
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}
