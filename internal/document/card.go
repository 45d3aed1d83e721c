package document

import (
	"math"
	"sort"
)

// card is a document found in a plane: an oriented rectangle (centre, unit
// axes, half extents; U is the long axis) plus how much of it touches the
// frame border.
type card struct {
	CX, CY   float64 // centre
	UX, UY   float64 // long axis (unit)
	VX, VY   float64 // short axis (unit)
	HalfLong float64
	HalfShrt float64
	Fill     float64 // convex hull area / rectangle area: 1 for a clean rectangle
	Solid    float64 // region area / convex hull area
	Area     float64 // pixels of the filled region
	Contact  float64 // region pixels on the frame border / rectangle perimeter
	Sides    int     // frame sides the region touches
}

// corners returns the four corners of the rectangle.
func (c *card) corners() [4][2]float64 {
	var out [4][2]float64
	for i, s := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
		out[i][0] = c.CX + s[0]*c.HalfLong*c.UX + s[1]*c.HalfShrt*c.VX
		out[i][1] = c.CY + s[0]*c.HalfLong*c.UY + s[1]*c.HalfShrt*c.VY
	}
	return out
}

// scaled returns the card in a plane k times larger.
func (c card) scaled(k float64) card {
	c.CX = (c.CX+0.5)*k - 0.5
	c.CY = (c.CY+0.5)*k - 0.5
	c.HalfLong *= k
	c.HalfShrt *= k
	return c
}

// boxBlur returns p blurred with a (2r+1)² box, computed with running sums.
func boxBlur(p *plane, r int) *plane {
	w, h := p.w, p.h
	tmp := make([]uint32, w*h)
	for y := 0; y < h; y++ {
		row := p.p[y*w : (y+1)*w]
		var s uint32
		for x := -r; x <= r; x++ {
			s += uint32(row[clampi(x, 0, w-1)])
		}
		for x := 0; x < w; x++ {
			tmp[y*w+x] = s
			s += uint32(row[clampi(x+r+1, 0, w-1)])
			s -= uint32(row[clampi(x-r, 0, w-1)])
		}
	}
	out := newPlane(w, h)
	n := uint32((2*r + 1) * (2*r + 1))
	for x := 0; x < w; x++ {
		var s uint32
		for y := -r; y <= r; y++ {
			s += tmp[clampi(y, 0, h-1)*w+x]
		}
		for y := 0; y < h; y++ {
			out.p[y*w+x] = uint8(s / n)
			s += tmp[clampi(y+r+1, 0, h-1)*w+x]
			s -= tmp[clampi(y-r, 0, h-1)*w+x]
		}
	}
	return out
}

func clampi(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// otsu returns the threshold that best splits the histogram of the pixels
// of p at or above from in two.
func otsu(p *plane, from int) int {
	var hist [256]float64
	for _, v := range p.p {
		if int(v) >= from {
			hist[v]++
		}
	}
	var total, sum float64
	for _, n := range hist {
		total += n
	}
	for i, n := range hist {
		sum += float64(i) * n
	}
	var sumB, wB, best float64
	t := from
	for i := 0; i < 256; i++ {
		wB += hist[i]
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i) * hist[i]
		mB := sumB / wB
		mF := (sum - sumB) / wF
		between := wB * wF * (mB - mF) * (mB - mF)
		if between > best {
			best = between
			t = i
		}
	}
	return t
}

// morph erodes (erode=true) or dilates a binary mask with a 3×3 square,
// as two separable passes (edges replicate).
func morph(m []bool, w, h int, erode bool) []bool {
	tmp := make([]bool, len(m))
	for y := 0; y < h; y++ {
		row, out := m[y*w:(y+1)*w], tmp[y*w:(y+1)*w]
		for x := 0; x < w; x++ {
			a, b, c := row[max(x-1, 0)], row[x], row[min(x+1, w-1)]
			if erode {
				out[x] = a && b && c
			} else {
				out[x] = a || b || c
			}
		}
	}
	out := make([]bool, len(m))
	for y := 0; y < h; y++ {
		up, mid, dn := tmp[max(y-1, 0)*w:], tmp[y*w:], tmp[min(y+1, h-1)*w:]
		o := out[y*w : (y+1)*w]
		for x := range o {
			if erode {
				o[x] = up[x] && mid[x] && dn[x]
			} else {
				o[x] = up[x] || mid[x] || dn[x]
			}
		}
	}
	return out
}

// largestComponent labels the 4-connected components of mask and returns the
// pixels of the largest one as a mask.
func largestComponent(mask []bool, w, h int) ([]bool, int) {
	seen := make([]bool, len(mask))
	var best []int32
	stack := make([]int32, 0, 1024)
	for i := range mask {
		if !mask[i] || seen[i] {
			continue
		}
		comp := make([]int32, 0, 256)
		stack = append(stack[:0], int32(i))
		seen[i] = true
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			comp = append(comp, j)
			x, y := int(j)%w, int(j)/w
			for _, n := range [4][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
				if n[0] < 0 || n[1] < 0 || n[0] >= w || n[1] >= h {
					continue
				}
				k := n[1]*w + n[0]
				if mask[k] && !seen[k] {
					seen[k] = true
					stack = append(stack, int32(k))
				}
			}
		}
		if len(comp) > len(best) {
			best = comp
		}
	}
	out := make([]bool, len(mask))
	for _, j := range best {
		out[j] = true
	}
	return out, len(best)
}

// fillHoles adds to region every pixel that cannot reach the frame border
// without crossing region (the portrait and text blocks inside a card).
func fillHoles(region []bool, w, h int) []bool {
	outside := make([]bool, len(region))
	stack := make([]int32, 0, 1024)
	push := func(k int) {
		if !region[k] && !outside[k] {
			outside[k] = true
			stack = append(stack, int32(k))
		}
	}
	for x := 0; x < w; x++ {
		push(x)
		push((h-1)*w + x)
	}
	for y := 0; y < h; y++ {
		push(y * w)
		push(y*w + w - 1)
	}
	for len(stack) > 0 {
		j := int(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		x, y := j%w, j/w
		if x > 0 {
			push(j - 1)
		}
		if x < w-1 {
			push(j + 1)
		}
		if y > 0 {
			push(j - w)
		}
		if y < h-1 {
			push(j + w)
		}
	}
	out := make([]bool, len(region))
	for i := range out {
		out[i] = !outside[i]
	}
	return out
}

// measureRegion fits the minimum-area rectangle to the convex hull of a
// region (rotating calipers) and reports how well the region fills it and how
// it meets the frame. The hull, not the region, is measured so that text and
// portrait holes, even where a cut-off edge opens them, do not matter.
func measureRegion(region []bool, w, h int) (card, bool) {
	var pts [][2]float64
	var area, border float64
	var top, bottom, left, right bool
	for y := 0; y < h; y++ {
		row := region[y*w : (y+1)*w]
		first, last := -1, -1
		for x, in := range row {
			if !in {
				continue
			}
			area++
			if first < 0 {
				first = x
			}
			last = x
			if x == 0 || y == 0 || x == w-1 || y == h-1 {
				border++
				top = top || y == 0
				bottom = bottom || y == h-1
				left = left || x == 0
				right = right || x == w-1
			}
		}
		if first >= 0 {
			// pixel corners, so a one-pixel-wide row still has extent
			pts = append(pts, [2]float64{float64(first), float64(y)}, [2]float64{float64(last + 1), float64(y)},
				[2]float64{float64(first), float64(y + 1)}, [2]float64{float64(last + 1), float64(y + 1)})
		}
	}
	if area < 16 {
		return card{}, false
	}
	hull := convexHull(pts)
	if len(hull) < 3 {
		return card{}, false
	}
	hullArea := 0.0
	for i := range hull {
		j := (i + 1) % len(hull)
		hullArea += hull[i][0]*hull[j][1] - hull[j][0]*hull[i][1]
	}
	hullArea = math.Abs(hullArea) / 2
	best := math.Inf(1)
	var c card
	for i := range hull {
		j := (i + 1) % len(hull)
		ex, ey := hull[j][0]-hull[i][0], hull[j][1]-hull[i][1]
		l := math.Hypot(ex, ey)
		if l == 0 {
			continue
		}
		ux, uy := ex/l, ey/l
		vx, vy := -uy, ux
		minU, maxU, minV, maxV := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, p := range hull {
			pu := p[0]*ux + p[1]*uy
			pv := p[0]*vx + p[1]*vy
			minU, maxU = math.Min(minU, pu), math.Max(maxU, pu)
			minV, maxV = math.Min(minV, pv), math.Max(maxV, pv)
		}
		lu, lv := maxU-minU, maxV-minV
		if a := lu * lv; a < best {
			best = a
			mu, mv := (minU+maxU)/2, (minV+maxV)/2
			c = card{
				// centre in pixel-centre coordinates
				CX: mu*ux + mv*vx - 0.5, CY: mu*uy + mv*vy - 0.5,
				UX: ux, UY: uy, VX: vx, VY: vy,
				HalfLong: lu / 2, HalfShrt: lv / 2,
			}
			if lv > lu {
				c.UX, c.UY, c.VX, c.VY = vx, vy, -ux, -uy
				c.HalfLong, c.HalfShrt = lv/2, lu/2
			}
		}
	}
	if best <= 0 || math.IsInf(best, 1) {
		return card{}, false
	}
	// Keep the long axis pointing right (or down), so the rectified card is
	// upright or upside down, never mirrored.
	if c.UX < 0 || (c.UX == 0 && c.UY < 0) {
		c.UX, c.UY = -c.UX, -c.UY
	}
	c.VX, c.VY = -c.UY, c.UX
	c.Area = area
	c.Fill = hullArea / best
	c.Solid = area / hullArea
	c.Contact = border / (4 * (c.HalfLong + c.HalfShrt))
	for _, t := range []bool{top, bottom, left, right} {
		if t {
			c.Sides++
		}
	}
	return c, true
}

// convexHull returns the convex hull of pts, counter-clockwise (Andrew's
// monotone chain).
func convexHull(pts [][2]float64) [][2]float64 {
	if len(pts) < 3 {
		return pts
	}
	sort.Slice(pts, func(i, j int) bool {
		if pts[i][0] != pts[j][0] {
			return pts[i][0] < pts[j][0]
		}
		return pts[i][1] < pts[j][1]
	})
	cross := func(o, a, b [2]float64) float64 {
		return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
	}
	hull := make([][2]float64, 0, 2*len(pts))
	for _, p := range pts {
		for len(hull) >= 2 && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	lower := len(hull) + 1
	for i := len(pts) - 2; i >= 0; i-- {
		p := pts[i]
		for len(hull) >= lower && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	return hull[:len(hull)-1]
}

// findCard looks for the document in a small plane: the largest region
// brighter than Otsu's threshold (documents are light: ID cards, passport
// data pages, permits) that is rectangular, not the background (it does not
// touch all four sides), large enough, and, unless it meets the frame edge,
// shaped like a card or page (long/short side between 1.2 and 1.9). When
// that fails (a light card on a light surface falls in one class with it),
// the light class is split again and the brighter part tried.
func findCard(p *plane, minFill, minArea float64) (card, bool) {
	w, h := p.w, p.h
	if w < 16 || h < 16 {
		return card{}, false
	}
	s := boxBlur(p, 2)
	t := otsu(s, 0)
	if c, ok := cardAbove(s, t, minFill, minArea); ok {
		return c, true
	}
	// A light card on a light surface falls in one class with it; split
	// the light class again (the card is usually the brighter of the two).
	if t2 := otsu(s, t+1); t2 > t {
		return cardAbove(s, t2, minFill, minArea)
	}
	return card{}, false
}

// cardAbove looks for the card among the pixels of s brighter than t.
func cardAbove(s *plane, t int, minFill, minArea float64) (card, bool) {
	w, h := s.w, s.h
	mask := make([]bool, w*h)
	for i, v := range s.p {
		mask[i] = int(v) > t
	}
	mask = morph(morph(mask, w, h, true), w, h, false)
	comp, n := largestComponent(mask, w, h)
	if float64(n) < minArea*float64(w*h) {
		return card{}, false
	}
	c, ok := measureRegion(fillHoles(comp, w, h), w, h)
	if !ok || c.Sides >= 4 || c.Fill < minFill || c.Solid < 0.6 || c.Area > 0.97*float64(w*h) {
		return card{}, false
	}
	if aspect := c.HalfLong / c.HalfShrt; c.Sides == 0 && (aspect < 1.2 || aspect > 1.9) {
		return card{}, false
	}
	return c, true
}

// rectify samples the card out of p as an upright plane (long side
// horizontal), inset by the given fraction on every side to leave out the
// card's edges and rounded corners. The long side is at most maxLong pixels.
func rectify(p *plane, c card, inset float64, maxLong int) *plane {
	long := 2 * c.HalfLong * (1 - 2*inset)
	shrt := 2 * c.HalfShrt * (1 - 2*inset)
	k := 1.0
	if long > float64(maxLong) {
		k = float64(maxLong) / long
	}
	rw, rh := max(8, int(long*k)), max(8, int(shrt*k))
	out := newPlane(rw, rh)
	for y := 0; y < rh; y++ {
		fv := ((float64(y)+0.5)/float64(rh) - 0.5) * shrt
		for x := 0; x < rw; x++ {
			fu := ((float64(x)+0.5)/float64(rw) - 0.5) * long
			px := c.CX + fu*c.UX + fv*c.VX
			py := c.CY + fu*c.UY + fv*c.VY
			out.p[y*rw+x] = p.bilinear(px, py)
		}
	}
	return out
}
