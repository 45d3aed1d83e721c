package config

import (
	"fmt"
	"math"
	"strconv"
)

// FaceSettings are the face checks' settings (issue 18): where the models
// are and the thresholds that decide a comparison. A nil threshold keeps
// the face engine's default (face.DefaultThresholds).
type FaceSettings struct {
	FaceDir                         string // "": face.DefaultDir()
	FaceMatch, FaceReview, FaceLive *float64
}

// faceSettings are the rows of Settings for the face checks.
var faceSettings = []Setting{
	{"face-dir", "VERIWALLET_FACE_DIR", "(beside the OCR models; scripts/face/setup.sh installs them)", "directory holding the face models (ONNX); without them cases that need a selfie go to a reviewer", false},
	{"face-match-threshold", "VERIWALLET_FACE_MATCH_THRESHOLD", "(the engine's default)", "cosine similarity of selfie and document portrait at or above which they are the same person (-1..1)", false},
	{"face-review-threshold", "VERIWALLET_FACE_REVIEW_THRESHOLD", "(the engine's default)", "similarity below the match threshold but at least this goes to a reviewer as unsure; below it FACE_MISMATCH (a reviewer too)", false},
	{"face-live-threshold", "VERIWALLET_FACE_LIVE_THRESHOLD", "(the engine's default)", "liveness score (0..1) below which a selfie is asked for again (SELFIE_NOT_LIVE)", false},
}

func init() { Settings = append(Settings, faceSettings...) }

// loadFaces reads the face settings.
func (c *Config) loadFaces(str func(flagName, def string) string) error {
	c.FaceDir = str("face-dir", "")
	for _, f := range []struct {
		flag string
		dst  **float64
		lo   float64
	}{{"face-match-threshold", &c.FaceMatch, -1}, {"face-review-threshold", &c.FaceReview, -1}, {"face-live-threshold", &c.FaceLive, 0}} {
		v := str(f.flag, "")
		if v == "" {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || x < f.lo || x > 1 {
			return fmt.Errorf("%s: %q: want a number from %g to 1", f.flag, v, f.lo)
		}
		*f.dst = &x
	}
	if c.FaceMatch != nil && c.FaceReview != nil && *c.FaceReview > *c.FaceMatch {
		return fmt.Errorf("face-review-threshold %g is above face-match-threshold %g", *c.FaceReview, *c.FaceMatch)
	}
	return nil
}
