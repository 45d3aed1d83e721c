package ocr

import (
	"image"
	"math"
)

// EstimateSkew estimates how far the text in img is rotated, in degrees
// counter-clockwise within ±maxDeg (rotate by the negative to straighten),
// without any OCR engine: it finds the angle at which the dark pixels' row
// profile is sharpest (text lines fall into the fewest rows). It returns 0
// for an image without dark text.
func EstimateSkew(img image.Image, maxDeg float64) float64 {
	if img == nil || img.Bounds().Dx() < 8 || img.Bounds().Dy() < 8 {
		return 0
	}
	m := toRGB(img)
	// Work at about 600 px wide: plenty for line geometry, and fast.
	if m.W > 600 {
		m = m.resize(600, max(1, m.H*600/m.W))
	}
	g := m.gray()
	// Ink: pixels clearly darker than their neighbourhood (a box mean from an
	// integral image), so dark backgrounds and photos do not count, only
	// strokes and edges.
	w, h := m.W, m.H
	integ := make([]float64, (w+1)*(h+1))
	for y := 0; y < h; y++ {
		var row float64
		for x := 0; x < w; x++ {
			row += float64(g[y*w+x])
			integ[(y+1)*(w+1)+x+1] = integ[y*(w+1)+x+1] + row
		}
	}
	const r = 8
	type pt struct{ x, y float64 }
	var pts []pt
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-r), min(h, y+r+1)
		for x := 0; x < w; x++ {
			x0, x1 := max(0, x-r), min(w, x+r+1)
			s := integ[y1*(w+1)+x1] - integ[y0*(w+1)+x1] - integ[y1*(w+1)+x0] + integ[y0*(w+1)+x0]
			local := s / float64((y1-y0)*(x1-x0))
			if v := float64(g[y*w+x]); v < 0.8*local && local-v > 20 {
				pts = append(pts, pt{float64(x), float64(y)})
			}
		}
	}
	if len(pts) < 50 {
		return 0
	}
	diag := math.Hypot(float64(m.W), float64(m.H))
	bins := make([]float64, int(2*diag)+2)
	score := func(deg float64) float64 {
		rad := deg * math.Pi / 180
		s, c := math.Sin(rad), math.Cos(rad)
		clear(bins)
		for _, p := range pts {
			v := p.x*s + p.y*c + diag
			bins[int(v)]++
		}
		var sc float64
		for _, b := range bins {
			sc += b * b
		}
		return sc
	}
	best, bestScore := 0.0, -1.0
	for d := -maxDeg; d <= maxDeg+1e-9; d += 0.5 {
		if s := score(d); s > bestScore {
			best, bestScore = d, s
		}
	}
	// Refine around the coarse optimum.
	coarse := best
	for d := coarse - 0.5; d <= coarse+0.5+1e-9; d += 0.1 {
		if s := score(d); s > bestScore {
			best, bestScore = d, s
		}
	}
	return best
}
