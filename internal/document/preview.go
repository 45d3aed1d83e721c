package document

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg" // preview frames are small JPEGs from a canvas
	"math"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Limits of a preview frame (PreviewFaces): a small, downscaled camera
// frame the selfie step sends about once a second.
const (
	PreviewMaxBytes = 96 << 10
	PreviewMaxSide  = 400
	PreviewMinSide  = 64
)

// PreviewFace is one face found in a preview frame: its centre and the side
// of its square as fractions of the frame's width and height, and the
// cascade's score.
type PreviewFace struct {
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Size  float64 `json:"size"` // of the frame's shorter side
	Score float64 `json:"score"`
}

// ErrPreviewInvalid is returned for a preview frame that is not a small
// JPEG or PNG within PreviewMaxSide.
var ErrPreviewInvalid = errs.New(errs.Invalid, "PREVIEW_INVALID",
	"The preview frame must be a JPEG or PNG of at most 400×400 pixels and 96 KB.",
	"预览画面必须是不超过 400×400 像素、96 KB 的 JPEG 或 PNG 图片。")

// PreviewFaces finds the faces in a small camera frame with the gate's face
// cascade (the same pigo cascade that refuses a selfie without a face at
// upload), for live feedback: no face, several faces, too far. Nothing is
// stored. Errors: Invalid PREVIEW_INVALID.
func (g *Gate) PreviewFaces(data []byte) ([]PreviewFace, error) {
	if len(data) == 0 || len(data) > PreviewMaxBytes {
		return nil, ErrPreviewInvalid
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width > PreviewMaxSide || cfg.Height > PreviewMaxSide ||
		cfg.Width < PreviewMinSide || cfg.Height < PreviewMinSide {
		return nil, ErrPreviewInvalid
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, ErrPreviewInvalid
	}
	p := lumaPlane(img, PreviewMaxSide)
	side := min(p.w, p.h)
	minS, maxS := max(20, int(0.1*float64(side))), side
	if maxS < minS {
		return []PreviewFace{}, nil
	}
	hits := g.faces.findAll(p, minS, maxS)
	out := []PreviewFace{}
	for _, h := range hits {
		if h.Q < g.cfg.Thresholds.MinFaceScore {
			continue
		}
		out = append(out, PreviewFace{X: round3(float64(h.X) / float64(p.w)), Y: round3(float64(h.Y) / float64(p.h)),
			Size: round3(float64(h.Size) / float64(side)), Score: math.Round(h.Q*10) / 10})
	}
	return out, nil
}

// PreviewFaces finds the faces in a small camera frame (Gate.PreviewFaces),
// taking a decoding slot like an upload. Errors: Invalid PREVIEW_INVALID;
// Unavailable BUSY when ctx ends first.
func (s *Service) PreviewFaces(ctx context.Context, data []byte) ([]PreviewFace, error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, errs.New(errs.Unavailable, "BUSY", "The service is busy. Please try again in a moment.", "服务繁忙，请稍后重试。")
	}
	defer func() { <-s.slots }()
	return s.gate.PreviewFaces(data)
}
