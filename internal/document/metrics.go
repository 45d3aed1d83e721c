package document

import (
	"math"
	"math/bits"
)

// exposure returns the mean luma of p and the fraction of clipped highlights
// (luma at or above level).
func exposure(p *plane, level uint8) (mean, clipped float64) {
	var sum, n uint64
	for _, v := range p.p {
		sum += uint64(v)
		if v >= level {
			n++
		}
	}
	t := float64(len(p.p))
	if t == 0 {
		return 0, 0
	}
	return float64(sum) / t, float64(n) / t
}

// percentiles returns the lo-th and hi-th percentiles (0..1) of p.
func percentiles(p *plane, lo, hi float64) (int, int) {
	var hist [256]int
	for _, v := range p.p {
		hist[v]++
	}
	n := len(p.p)
	a, b := -1, 255
	acc := 0
	for i, c := range hist {
		acc += c
		if a < 0 && float64(acc) >= lo*float64(n) {
			a = i
		}
		if float64(acc) >= hi*float64(n) {
			b = i
			break
		}
	}
	return max(a, 0), b
}

// sharpness is the variance of the 4-neighbour Laplacian of p, after
// stretching p's 1st..99th percentile contrast to 0..200, so that a dim but
// sharp photo is not mistaken for a blurry one.
func sharpness(p *plane) float64 {
	w, h := p.w, p.h
	if w < 3 || h < 3 {
		return 0
	}
	var sum, sum2 float64
	for y := 1; y < h-1; y++ {
		r := p.p[y*w : (y+1)*w]
		up := p.p[(y-1)*w : y*w]
		dn := p.p[(y+1)*w : (y+2)*w]
		for x := 1; x < w-1; x++ {
			l := float64(int(up[x]) + int(dn[x]) + int(r[x-1]) + int(r[x+1]) - 4*int(r[x]))
			sum += l
			sum2 += l * l
		}
	}
	n := float64((w - 2) * (h - 2))
	v := sum2/n - (sum/n)*(sum/n)
	lo, hi := percentiles(p, 0.01, 0.99)
	span := float64(max(hi-lo, 16))
	return v * (200 / span) * (200 / span)
}

// glare returns the fraction of p covered by clipped-highlight blobs (luma
// at or above level) whose area is at least minBlob of p's area: specular
// reflections, not the odd bright pixel.
func glare(p *plane, level uint8, minBlob float64) float64 {
	w, h := p.w, p.h
	mask := make([]bool, w*h)
	any := false
	for i, v := range p.p {
		if v >= level {
			mask[i] = true
			any = true
		}
	}
	if !any {
		return 0
	}
	seen := make([]bool, w*h)
	min := int(minBlob * float64(w*h))
	total := 0
	stack := make([]int32, 0, 256)
	for i := range mask {
		if !mask[i] || seen[i] {
			continue
		}
		seen[i] = true
		stack = append(stack[:0], int32(i))
		n := 0
		for len(stack) > 0 {
			j := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			n++
			x, y := j%w, j/w
			try := func(k int) {
				if mask[k] && !seen[k] {
					seen[k] = true
					stack = append(stack, int32(k))
				}
			}
			if x > 0 {
				try(j - 1)
			}
			if x < w-1 {
				try(j + 1)
			}
			if y > 0 {
				try(j - w)
			}
			if y < h-1 {
				try(j + w)
			}
		}
		if n >= min {
			total += n
		}
	}
	return float64(total) / float64(w*h)
}

// phash is the 64-bit DCT perceptual hash of p: the signs, against their
// median, of 63 low frequencies of a 32×32 copy.
func phash(p *plane) uint64 { return phashAt(p, 0, 32) }

// phashAt hashes the 8×8 DCT frequencies f0..f0+7 (in each direction) of an
// n×n copy of p. phash uses the classic choice (f0=0, n=32): other choices
// did not separate the calibration set better.
func phashAt(p *plane, f0, n int) uint64 {
	// Area-average into 32×32 cells, kept in floating point: rounding to
	// bytes would make the hash of dark, low-contrast photos unstable.
	in := make([][]float64, n)
	cnt := make([][]float64, n)
	for i := range in {
		in[i] = make([]float64, n)
		cnt[i] = make([]float64, n)
	}
	for y := 0; y < p.h; y++ {
		cy := y * n / p.h
		row := p.p[y*p.w : (y+1)*p.w]
		for x, v := range row {
			cx := x * n / p.w
			in[cy][cx] += float64(v)
			cnt[cy][cx]++
		}
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if cnt[y][x] > 0 {
				in[y][x] /= cnt[y][x]
			}
		}
	}
	cos := make([][]float64, 8)
	for i := range cos {
		cos[i] = make([]float64, n)
	}
	for u := 0; u < 8; u++ {
		for x := 0; x < n; x++ {
			cos[u][x] = math.Cos(float64(2*x+1) * float64(u+f0) * math.Pi / float64(2*n))
		}
	}
	// Rows first, then columns, low frequencies only.
	rows := make([][8]float64, n)
	for y := 0; y < n; y++ {
		for u := 0; u < 8; u++ {
			var s float64
			for x := 0; x < n; x++ {
				s += in[y][x] * cos[u][x]
			}
			rows[y][u] = s
		}
	}
	var coef [64]float64
	for v := 0; v < 8; v++ {
		for u := 0; u < 8; u++ {
			var s float64
			for y := 0; y < n; y++ {
				s += rows[y][u] * cos[v][y]
			}
			coef[v*8+u] = s
		}
	}
	vals := make([]float64, 0, 63)
	vals = append(vals, coef[1:]...)
	med := median(vals)
	var hash uint64
	for i := 1; i < 64; i++ {
		if coef[i] > med {
			hash |= 1 << uint(i)
		}
	}
	return hash
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sortFloats(s)
	return s[len(s)/2]
}

// HammingDistance returns the number of bits in which two perceptual hashes
// differ: 0 for the same picture, up to about 10 for re-encoded, resized or
// slightly retouched copies of it, around 32 for unrelated pictures.
func HammingDistance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// DuplicateMaxDistance is the largest HammingDistance at which two PHash
// values are treated as the same picture. On the calibration set, resized
// and recompressed copies stay within 4 bits, a copy cropped by 1% within
// about 6, but two distinct photos of cards with the same layout on similar
// backgrounds came as close as 2: a match is a lead for a reviewer (compare
// SHA256 for exact re-uploads), never proof and never a refusal on its own.
const DuplicateMaxDistance = 4

// IsDuplicate reports whether two perceptual hashes denote the same picture.
func IsDuplicate(a, b uint64) bool { return HammingDistance(a, b) <= DuplicateMaxDistance }

// duplicateMaxFine bounds the summed distance of the three fine-band
// hashes for IsDuplicatePhoto. Copies of good photos resized to 70–100% and
// recompressed at JPEG quality 60–85 measured up to 10 bits (calibration
// set and generated cards; TestPHashOnCalibrationSet,
// TestDuplicatePhotoOnGeneratedDocuments). Distinct photos overlap that
// range: of 434 pairs of different generated cards of one template whose
// PHash collided, the closest were 10, 14 and 14 bits apart, so at this
// bound about one such pair in 400 is taken for a duplicate and goes to a
// reviewer (never refused). A hash of the rectified card at higher
// resolution would separate them; byte-identical re-uploads are caught by
// SHA-256 whatever this says.
const duplicateMaxFine = 12

// IsDuplicatePhoto reports whether two photos are the same picture (a copy,
// resized or recompressed): PHash within DuplicateMaxDistance and the fine
// bands within duplicateMaxFine together.
func IsDuplicatePhoto(a uint64, af [3]uint64, b uint64, bf [3]uint64) bool {
	if !IsDuplicate(a, b) {
		return false
	}
	d := 0
	for i := range af {
		d += HammingDistance(af[i], bf[i])
	}
	return d <= duplicateMaxFine
}
