package face

import (
	"math"
	"sort"
)

// Detector geometry (fr_detect.onnx, an Ultra-Light-Fast-Generic-Face-Detector
// "RFB-320"-shaped network: input 1×3×240×320, outputs scores 1×4420×2 and
// corner boxes 1×4420×4 already decoded and normalised to 0..1).
const (
	detW, detH    = 320, 240
	detAnchors    = 4420
	detMinScore   = 0.8 // the JS library uses 0.65; on the tuning set stray boxes scored 0.71–0.74, real faces > 0.99
	detNMSIoU     = 0.3
	detMinSidePix = 12 // smaller boxes (input pixels) are not reported as faces
	// MinEmbedSide is the smallest face side, in pixels of the (at most
	// 1280-pixel) working image, that gets an embedding: the embedding crop
	// is 112 pixels, and a face much smaller than half of it is mostly
	// interpolation. A smaller face has Faces but no Embedding (a reviewer
	// compares it).
	MinEmbedSide = 48
	lmSize       = 64
	embSize      = 112
	liveSize     = 128
	liveScale    = 2.7 // context around the face the liveness model was given (fr_liveness.js)
	regionScale  = 3.5 // the face\'s surroundings read again from a reduced image (> liveScale: room to shift the crop)
	regionMax    = 768 // … at up to this many pixels
	regionBelow  = 224 // … when the face is smaller than this in the reduced image (2× the embedding crop)
)

// refPoints are the five ArcFace reference points (eye centres, nose tip,
// mouth corners) in the 112×112 crop fr_feature.onnx expects (fr_feature.js).
var refPoints = [5][2]float64{
	{38.2946, 51.6963}, {73.5318, 51.5014}, {56.0252, 71.7366}, {41.5493, 92.3655}, {70.7299, 92.2041},
}

// letterbox is where the work image sits inside the detector's 320×240
// input: scaled by s and placed at the top-left; the rest is mid-grey.
type letterbox struct{ s float64 }

func newLetterbox(w, h int) letterbox {
	return letterbox{s: math.Min(float64(detW)/float64(w), float64(detH)/float64(h))}
}

// detectInput builds the detector's input tensor: RGB, (v-127)/128, CHW.
func detectInput(m *rgbImage) ([]float32, letterbox) {
	lb := newLetterbox(m.w, m.h)
	data := make([]float32, 3*detW*detH) // zero = grey 127 after normalisation
	dw := min(detW, max(1, int(math.Round(float64(m.w)*lb.s))))
	dh := min(detH, max(1, int(math.Round(float64(m.h)*lb.s))))
	plane := detW * detH
	m.resizeRegion(0, 0, float64(m.w), float64(m.h), dw, dh, func(x, y int, r, g, b float64) {
		i := y*detW + x
		data[i] = float32((r - 127) / 128)
		data[plane+i] = float32((g - 127) / 128)
		data[2*plane+i] = float32((b - 127) / 128)
	})
	return data, lb
}

// box is a face box in work-image coordinates.
type box struct {
	x1, y1, x2, y2 float64
	score          float64
}

func (b box) w() float64 { return b.x2 - b.x1 }
func (b box) h() float64 { return b.y2 - b.y1 }

// decodeDetections turns the detector's outputs into boxes in work-image
// coordinates (w×h), above detMinScore, after non-maximum suppression,
// largest first. Malformed outputs (wrong lengths, NaN) yield no boxes.
func decodeDetections(scores, boxes []float32, lb letterbox, w, h int) []box {
	n := len(scores) / 2
	if n*4 > len(boxes) {
		n = len(boxes) / 4
	}
	if lb.s <= 0 || math.IsNaN(lb.s) || w <= 0 || h <= 0 {
		return nil
	}
	var cand []box
	for i := 0; i < n; i++ {
		s := float64(scores[2*i+1])
		if !(s >= detMinScore) || s > 1.0001 { // !(>=) also drops NaN
			continue
		}
		x1 := float64(boxes[4*i]) * detW / lb.s
		y1 := float64(boxes[4*i+1]) * detH / lb.s
		x2 := float64(boxes[4*i+2]) * detW / lb.s
		y2 := float64(boxes[4*i+3]) * detH / lb.s
		if !finite(x1, y1, x2, y2) || x2 <= x1 || y2 <= y1 {
			continue
		}
		cand = append(cand, box{x1, y1, x2, y2, s})
	}
	sort.SliceStable(cand, func(i, j int) bool { return cand[i].score > cand[j].score })
	var keep []box
	for _, c := range cand {
		ok := true
		for _, k := range keep {
			if iou(c, k) > detNMSIoU {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, c)
		}
	}
	// Square boxes (side = the box's height, centred), as fr_detect.js
	// returns them and as the landmark model was fed; clipped to the image.
	var out []box
	for _, k := range keep {
		side := k.h()
		cx, cy := (k.x1+k.x2)/2, (k.y1+k.y2)/2
		sq := box{
			x1: clampF(cx-side/2, 0, float64(w)), y1: clampF(cy-side/2, 0, float64(h)),
			x2: clampF(cx+side/2, 0, float64(w)), y2: clampF(cy+side/2, 0, float64(h)),
			score: k.score,
		}
		if sq.w() < 2 || sq.h() < 2 {
			continue
		}
		out = append(out, sq)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].w()*out[i].h() > out[j].w()*out[j].h() })
	return out
}

// mergeBoxes drops boxes overlapping a higher-scoring one (boxes found in
// overlapping tiles) and sorts the rest largest first.
func mergeBoxes(all []box) []box {
	sort.SliceStable(all, func(i, j int) bool { return all[i].score > all[j].score })
	var keep []box
	for _, c := range all {
		ok := true
		for _, k := range keep {
			if iou(c, k) > detNMSIoU || contains(k, c) || contains(c, k) {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, c)
		}
	}
	sort.SliceStable(keep, func(i, j int) bool { return keep[i].w()*keep[i].h() > keep[j].w()*keep[j].h() })
	return keep
}

// contains reports whether most of b lies inside a (a face cut by a tile's
// edge is found again, smaller, inside the whole one).
func contains(a, b box) bool {
	ix := math.Min(a.x2, b.x2) - math.Max(a.x1, b.x1)
	iy := math.Min(a.y2, b.y2) - math.Max(a.y1, b.y1)
	return ix > 0 && iy > 0 && ix*iy > 0.7*b.w()*b.h()
}

func iou(a, b box) float64 {
	ix := math.Min(a.x2, b.x2) - math.Max(a.x1, b.x1)
	iy := math.Min(a.y2, b.y2) - math.Max(a.y1, b.y1)
	if ix <= 0 || iy <= 0 {
		return 0
	}
	inter := ix * iy
	return inter / (a.w()*a.h() + b.w()*b.h() - inter)
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// contextRect is fr_liveness.js/fr_landmark.js's crop: the box scaled by
// scale about its centre (no more than the image allows), shifted to lie
// inside the image.
func contextRect(b box, scale float64, w, h int) (x, y, cw, ch float64) {
	bw, bh := b.w(), b.h()
	if bw <= 0 || bh <= 0 {
		return 0, 0, float64(w), float64(h)
	}
	s := math.Min(math.Min(float64(h-1)/bh, float64(w-1)/bw), scale)
	if s <= 0 {
		s = 1
	}
	nw, nh := bw*s, bh*s
	cx, cy := b.x1+bw/2, b.y1+bh/2
	x1, y1, x2, y2 := cx-nw/2, cy-nh/2, cx+nw/2, cy+nh/2
	if x1 < 0 {
		x2 -= x1
		x1 = 0
	}
	if y1 < 0 {
		y2 -= y1
		y1 = 0
	}
	if x2 > float64(w) {
		x1 -= x2 - float64(w)
		x2 = float64(w)
	}
	if y2 > float64(h) {
		y1 -= y2 - float64(h)
		y2 = float64(h)
	}
	x1, y1 = math.Max(x1, 0), math.Max(y1, 0)
	return x1, y1, math.Max(x2-x1, 1), math.Max(y2-y1, 1)
}

// landmarkInput is the landmark model's input for box b: the box region,
// 64×64 grey, v/256.
func landmarkInput(m *rgbImage, b box) ([]float32, [4]float64) {
	x, y, w, h := contextRect(b, 1.0, m.w, m.h)
	data := make([]float32, lmSize*lmSize)
	m.resizeRegion(x, y, w, h, lmSize, lmSize, func(dx, dy int, r, g, bl float64) {
		data[dy*lmSize+dx] = float32((0.299*r + 0.587*g + 0.114*bl) / 256)
	})
	return data, [4]float64{x, y, w, h}
}

// fivePoints converts the landmark model's 68 points (normalised to the
// crop rect) into the five points the embedding is aligned on, as
// fr_feature.js's convert68pts5pts does. ok is false on malformed output.
func fivePoints(out []float32, rect [4]float64) (pts [5][2]float64, ok bool) {
	if len(out) < 136 {
		return pts, false
	}
	p := func(i int) (float64, float64) {
		return float64(out[2*i])*rect[2] + rect[0], float64(out[2*i+1])*rect[3] + rect[1]
	}
	avg := func(idx ...int) [2]float64 {
		var sx, sy float64
		for _, i := range idx {
			x, y := p(i)
			sx, sy = sx+x, sy+y
		}
		return [2]float64{sx / float64(len(idx)), sy / float64(len(idx))}
	}
	pts[0] = avg(37, 38, 40, 41) // left eye (image left)
	pts[1] = avg(43, 44, 46, 47) // right eye
	pts[2] = avg(30)             // nose tip
	pts[3] = avg(48, 60)         // mouth corners
	pts[4] = avg(54, 64)
	for _, q := range pts {
		if !finite(q[0], q[1]) {
			return pts, false
		}
	}
	return pts, true
}

// similarity fits, by least squares, the similarity transform that maps
// reference (crop) points onto image points: x = a·u − b·v + tx,
// y = b·u + a·v + ty. ok is false when the points are degenerate.
func similarity(img, ref [5][2]float64) (a, b, tx, ty float64, ok bool) {
	var mu, mv, mx, my float64
	for i := range ref {
		mu, mv = mu+ref[i][0], mv+ref[i][1]
		mx, my = mx+img[i][0], my+img[i][1]
	}
	n := float64(len(ref))
	mu, mv, mx, my = mu/n, mv/n, mx/n, my/n
	var num1, num2, den float64
	for i := range ref {
		u, v := ref[i][0]-mu, ref[i][1]-mv
		x, y := img[i][0]-mx, img[i][1]-my
		num1 += u*x + v*y
		num2 += u*y - v*x
		den += u*u + v*v
	}
	if den == 0 {
		return 0, 0, 0, 0, false
	}
	a, b = num1/den, num2/den
	if !finite(a, b) || math.Hypot(a, b) < 1e-3 {
		return 0, 0, 0, 0, false
	}
	tx = mx - a*mu + b*mv
	ty = my - b*mu - a*mv
	return a, b, tx, ty, true
}

// embedInput warps the face onto the 112×112 reference crop and normalises
// it as fr_feature.js does: RGB, (v-127)/128, CHW.
func embedInput(m *rgbImage, pts [5][2]float64) ([]float32, bool) {
	a, b, tx, ty, ok := similarity(pts, refPoints)
	if !ok {
		return nil, false
	}
	plane := embSize * embSize
	data := make([]float32, 3*plane)
	for v := 0; v < embSize; v++ {
		for u := 0; u < embSize; u++ {
			fu, fv := float64(u), float64(v)
			x := a*fu - b*fv + tx
			y := b*fu + a*fv + ty
			var r, g, bl float64 = 0, 0, 0
			if x >= -0.5 && y >= -0.5 && x <= float64(m.w)-0.5 && y <= float64(m.h)-0.5 {
				r, g, bl = m.sample(x, y)
			}
			i := v*embSize + u
			data[i] = float32((r - 127) / 128)
			data[plane+i] = float32((g - 127) / 128)
			data[2*plane+i] = float32((bl - 127) / 128)
		}
	}
	return data, true
}

// liveInput is the liveness model's input: the face with 2.7× context,
// 128×128, raw 0..255 values, CHW in the channel order of liveOrder.
func liveInput(m *rgbImage, b box) []float32 {
	x, y, w, h := contextRect(b, liveScale, m.w, m.h)
	plane := liveSize * liveSize
	data := make([]float32, 3*plane)
	m.resizeRegion(x, y, w, h, liveSize, liveSize, func(dx, dy int, r, g, bl float64) {
		i := dy*liveSize + dx
		c := [3]float64{r, g, bl}
		data[i] = float32(c[liveOrder[0]])
		data[plane+i] = float32(c[liveOrder[1]])
		data[2*plane+i] = float32(c[liveOrder[2]])
	})
	return data
}

// liveOrder is the channel order fed to the liveness model (0=R, 1=G, 2=B):
// BGR. fr_liveness.js feeds RGB (it reads an RGBA canvas), but the model's
// family (MiniFASNet, trained with OpenCV) takes BGR, and on the tuning set
// RGB scored an untouched frontal photograph (pigo.jpg) 0.36 "live" where
// BGR gave ≥ 0.97 to every unmodified and lightly transformed photograph.
var liveOrder = [3]int{2, 1, 0}

// liveClass is the index of the "live" class in the liveness model's
// three outputs.
var liveClass = 0

// softmaxAt returns softmax(v)[i], or -1 when v is malformed.
func softmaxAt(v []float32, i int) float64 {
	if i < 0 || i >= len(v) {
		return -1
	}
	mx := math.Inf(-1)
	for _, x := range v {
		mx = math.Max(mx, float64(x))
	}
	if math.IsInf(mx, 0) || math.IsNaN(mx) {
		return -1
	}
	var sum float64
	for _, x := range v {
		sum += math.Exp(float64(x) - mx)
	}
	p := math.Exp(float64(v[i])-mx) / sum
	if math.IsNaN(p) {
		return -1
	}
	return p
}

// normalize returns v scaled to unit length, or nil when v is zero or not
// finite.
func normalize(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return nil
	}
	n := math.Sqrt(s)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) / n)
	}
	return out
}
