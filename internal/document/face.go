package document

import (
	_ "embed"
	"fmt"

	pigo "github.com/esimov/pigo/core"
)

// facefinder is pigo's frontal face cascade (github.com/esimov/pigo
// v1.4.6, cascade/facefinder, MIT licence).
//
//go:embed facefinder
var facefinder []byte

// faceFinder wraps an unpacked pigo cascade. It is safe for concurrent use:
// RunCascade only reads the cascade.
type faceFinder struct{ pg *pigo.Pigo }

func newFaceFinder() (*faceFinder, error) {
	pg, err := pigo.NewPigo().Unpack(facefinder)
	if err != nil {
		return nil, fmt.Errorf("document: unpack face cascade: %w", err)
	}
	return &faceFinder{pg: pg}, nil
}

// faceHit is the best face found: centre, size (side of the square) and the
// cascade's summed score.
type faceHit struct {
	X, Y, Size int
	Q          float64
}

// find runs the cascade on p for faces between minSize and maxSize pixels
// and returns the highest-scoring cluster.
func (f *faceFinder) find(p *plane, minSize, maxSize int) (faceHit, bool) {
	var best faceHit
	ok := false
	for _, h := range f.findAll(p, minSize, maxSize) {
		if !ok || h.Q > best.Q {
			best, ok = h, true
		}
	}
	return best, ok
}

// findAll runs the cascade on p for faces between minSize and maxSize
// pixels and returns every cluster.
func (f *faceFinder) findAll(p *plane, minSize, maxSize int) []faceHit {
	minSize = max(minSize, 20)
	maxSize = min(maxSize, min(p.w, p.h))
	if maxSize < minSize {
		return nil
	}
	cp := pigo.CascadeParams{
		MinSize:     minSize,
		MaxSize:     maxSize,
		ShiftFactor: 0.1,
		ScaleFactor: 1.1,
		ImageParams: pigo.ImageParams{Pixels: p.p, Rows: p.h, Cols: p.w, Dim: p.w},
	}
	dets := f.pg.RunCascade(cp, 0)
	if len(dets) == 0 {
		return nil
	}
	dets = f.pg.ClusterDetections(dets, 0.2)
	out := make([]faceHit, 0, len(dets))
	for _, d := range dets {
		out = append(out, faceHit{X: d.Col, Y: d.Row, Size: d.Scale, Q: float64(d.Q)})
	}
	return out
}
