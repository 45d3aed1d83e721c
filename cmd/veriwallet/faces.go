package main

import (
	"errors"
	"log/slog"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/config"
	"github.com/veriwallet/veriwallet/internal/face"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// openFaces loads the face models (--face-dir, else face.DefaultDir) and
// the thresholds (the engine's defaults, each overridden by its flag).
// Without the models veriwallet still runs: the engine is nil, cases that
// need a selfie go to a reviewer and /readyz says why. Thresholds that do
// not fit together (review above match) stop the start. The analyser it
// returns says why it is unavailable when the models did not load.
func openFaces(cfg *config.Config, log *slog.Logger) (*face.Engine, verification.FaceAnalyzer, verification.FaceThresholds, error) {
	th := face.DefaultThresholds()
	for _, o := range []struct {
		v   *float64
		dst *float64
	}{{cfg.FaceMatch, &th.Match}, {cfg.FaceReview, &th.Review}, {cfg.FaceLive, &th.Live}} {
		if o.v != nil {
			*o.dst = *o.v
		}
	}
	vt := app.FaceThresholds(th)
	if err := vt.Validate(); err != nil {
		return nil, nil, vt, err
	}
	dir := cfg.FaceDir
	if dir == "" {
		dir = face.DefaultDir()
	}
	e, err := face.Open(dir)
	if err != nil {
		if !errors.Is(err, face.ErrUnavailable) {
			log.Error("face models failed to load", "detail", face.Detail(err))
		} else {
			log.Warn("face matching unavailable: cases that need a selfie go to a reviewer", "detail", face.Detail(err))
		}
		return nil, app.FaceAnalyzer(nil, err), vt, nil
	}
	log.Info("face matching ready", "engine", e.Version(), "match", vt.Match, "review", vt.Review, "live", vt.Live)
	return e, app.FaceAnalyzer(e, nil), vt, nil
}
