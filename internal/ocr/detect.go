package ocr

import (
	"math"
	"sort"
)

// DB post-processing parameters (PaddleOCR's defaults).
const (
	dbThresh      = 0.3 // a pixel is text when its probability exceeds this
	dbBoxThresh   = 0.5 // a region is kept when its mean probability exceeds this
	dbUnclipRatio = 1.6
	dbMinPixels   = 6
)

// textRegion is one detected line in the coordinates of the probability map.
type textRegion struct {
	rect  rotRect
	score float64
}

// findRegions turns a DB probability map (w×h) into text regions: connected
// components of pixels above dbThresh, each fitted with a rotated rectangle
// along its principal axis and grown back ("unclipped") by the DB ratio.
// Short components take the dominant angle of the long ones, which is more
// reliable than their own. It also returns that dominant angle (degrees).
func findRegions(prob []float32, w, h int) ([]textRegion, float64) {
	labels := make([]int32, w*h)
	type comp struct {
		pix   []int32
		score float64
	}
	var comps []comp
	stack := make([]int32, 0, 256)
	for i := range prob {
		if prob[i] <= dbThresh || labels[i] != 0 {
			continue
		}
		id := int32(len(comps) + 1)
		labels[i] = id
		stack = append(stack[:0], int32(i))
		var pix []int32
		var sum float64
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			pix = append(pix, p)
			sum += float64(prob[p])
			x, y := int(p)%w, int(p)/w
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				nx, ny := x+d[0], y+d[1]
				if nx < 0 || ny < 0 || nx >= w || ny >= h {
					continue
				}
				q := ny*w + nx
				if labels[q] == 0 && prob[q] > dbThresh {
					labels[q] = id
					stack = append(stack, int32(q))
				}
			}
		}
		comps = append(comps, comp{pix: pix, score: sum / float64(len(pix))})
	}

	type fitted struct {
		pix   []int32
		rect  rotRect
		score float64
		long  bool
	}
	var fits []fitted
	for _, c := range comps {
		if len(c.pix) < dbMinPixels || c.score < dbBoxThresh {
			continue
		}
		angle := principalAngle(c.pix, w)
		r := fitRect(c.pix, w, angle)
		if r.H < 2 {
			continue
		}
		fits = append(fits, fitted{pix: c.pix, rect: r, score: c.score, long: r.W >= 3*r.H})
	}

	// Dominant angle: length-weighted median of the long regions' angles.
	type aw struct{ a, w float64 }
	var as []aw
	var total float64
	for _, f := range fits {
		if f.long {
			as = append(as, aw{f.rect.Angle, f.rect.W})
			total += f.rect.W
		}
	}
	dominant := 0.0
	if len(as) > 0 {
		sort.Slice(as, func(i, j int) bool { return as[i].a < as[j].a })
		acc := 0.0
		for _, x := range as {
			acc += x.w
			if acc >= total/2 {
				dominant = x.a
				break
			}
		}
	}

	out := make([]textRegion, 0, len(fits))
	for _, f := range fits {
		r := f.rect
		if !f.long || math.Abs(r.Angle-dominant) > 10 {
			r = fitRect(f.pix, w, dominant)
		}
		// Unclip: DB predicts a shrunk kernel; grow it by area*ratio/perimeter.
		d := r.W * r.H * dbUnclipRatio / (2 * (r.W + r.H))
		r.W += 2 * d
		r.H += 2 * d
		out = append(out, textRegion{rect: r, score: f.score})
	}
	return out, dominant
}

// principalAngle returns the angle (degrees, in (-90, 90]) of the major axis
// of a pixel set.
func principalAngle(pix []int32, w int) float64 {
	var sx, sy float64
	for _, p := range pix {
		sx += float64(int(p) % w)
		sy += float64(int(p) / w)
	}
	n := float64(len(pix))
	mx, my := sx/n, sy/n
	var cxx, cyy, cxy float64
	for _, p := range pix {
		dx, dy := float64(int(p)%w)-mx, float64(int(p)/w)-my
		cxx += dx * dx
		cyy += dy * dy
		cxy += dx * dy
	}
	a := 0.5 * math.Atan2(2*cxy, cxx-cyy) * 180 / math.Pi
	if a <= -90 {
		a += 180
	}
	if a > 90 {
		a -= 180
	}
	return a
}

// fitRect fits the tightest rectangle at the given angle around a pixel set.
func fitRect(pix []int32, w int, angle float64) rotRect {
	rad := angle * math.Pi / 180
	ux, uy := math.Cos(rad), math.Sin(rad)
	vx, vy := -uy, ux
	umin, vmin := math.Inf(1), math.Inf(1)
	umax, vmax := math.Inf(-1), math.Inf(-1)
	for _, p := range pix {
		x, y := float64(int(p)%w), float64(int(p)/w)
		u, v := x*ux+y*uy, x*vx+y*vy
		umin, umax = math.Min(umin, u), math.Max(umax, u)
		vmin, vmax = math.Min(vmin, v), math.Max(vmax, v)
	}
	uc, vc := (umin+umax)/2, (vmin+vmax)/2
	return rotRect{
		CX:    uc*ux + vc*vx + 0.5,
		CY:    uc*uy + vc*vy + 0.5,
		W:     umax - umin + 1,
		H:     vmax - vmin + 1,
		Angle: angle,
	}
}
