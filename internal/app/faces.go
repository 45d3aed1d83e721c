package app

import (
	"context"
	"fmt"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/face"
	"github.com/veriwallet/veriwallet/internal/server"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// FaceAnalyzer adapts a face engine to the verification pipeline. A nil
// engine (models not installed: openErr says why) reports itself
// unavailable; cases that need a selfie then go to a reviewer.
func FaceAnalyzer(e *face.Engine, openErr error) verification.FaceAnalyzer {
	return &faceAnalyzer{e: e, openErr: openErr}
}

type faceAnalyzer struct {
	e       *face.Engine
	openErr error
}

func (f *faceAnalyzer) Available() error {
	if f.e != nil {
		return nil
	}
	if f.openErr != nil {
		return fmt.Errorf("%w: %s", verification.ErrFacesUnavailable, face.Detail(f.openErr))
	}
	return verification.ErrFacesUnavailable
}

// Analyze decodes the stored photo upright (the gate stripped every tag but
// the EXIF orientation) and runs the engine. The embedding it returns stays in memory.
func (f *faceAnalyzer) Analyze(ctx context.Context, data []byte, liveness bool) (verification.FaceAnalysis, error) {
	if err := f.Available(); err != nil {
		return verification.FaceAnalysis{Liveness: -1}, err
	}
	// The stored copy keeps the photo's EXIF Orientation (its pixels as
	// shot): DecodeImage turns it upright, as the customer saw it.
	img, err := document.DecodeImage(data)
	if err != nil {
		return verification.FaceAnalysis{Liveness: -1}, fmt.Errorf("decode the stored photo: %w", err)
	}
	a, err := f.e.Analyze(ctx, img, face.Options{Liveness: liveness})
	out := verification.FaceAnalysis{Embedding: a.Embedding, Liveness: a.Liveness, Engine: f.e.Version()}
	if err != nil {
		out.Liveness = -1
		return out, err
	}
	for _, fc := range a.Faces {
		b := fc.Box.Intersect(img.Bounds())
		out.Faces = append(out.Faces, verification.FaceBox{X: b.Min.X - img.Bounds().Min.X, Y: b.Min.Y - img.Bounds().Min.Y,
			W: b.Dx(), H: b.Dy(), Score: fc.Score})
	}
	if !liveness {
		out.Liveness = -1
	}
	return out, nil
}

// FaceThresholds converts the engine's thresholds for the pipeline.
func FaceThresholds(t face.Thresholds) verification.FaceThresholds {
	return verification.FaceThresholds{Match: t.Match, Review: t.Review, Live: t.Live}
}

// facesCheck is the /readyz component "faces": optional, so that a replica
// without the face models stays in the balancer (cases that need a selfie
// go to a reviewer meanwhile), while the body says why it is unavailable.
func facesCheck(f verification.FaceAnalyzer) server.Check {
	return server.Check{Name: "faces", Optional: true, Check: func(context.Context) error {
		if f == nil {
			return verification.ErrFacesUnavailable
		}
		return f.Available()
	}}
}
