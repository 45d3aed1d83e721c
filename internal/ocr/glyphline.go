package ocr

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// Thresholds of the glyph matcher, tuned on the generated set of seed 2026
// with the whole bank and with a bank of fonts the generator does not use
// (see README), then checked on seed 7; cosine similarities of smoothed
// 24×24 ink rasters.
var (
	// glyphPerRead: at most this many cells are matched per Read (about
	// 15 ms each), so a page of smudged text cannot take seconds.
	glyphPerRead = 8
	// glyphLowP: a Han character the model read with a probability below
	// this is checked against the bank.
	glyphLowP float32 = 0.95
	// A cell the model left out gets the bank's best character when it
	// scores at least glyphMinScore and beats every other character by
	// glyphMargin; a character the model read is replaced only by one the
	// model cannot output, scoring at least glyphReplaceScore and beating
	// the model's own reading, and every other character, by glyphMargin.
	// (Every right replacement seen scored ≥ 0.809; a review found 侯 in a
	// bold face not in the bank replaced by 曩 at 0.739.)
	glyphMinScore     = 0.72
	glyphReplaceScore = 0.80
	glyphMargin       = 0.04
)

// lineItem is one character of a refined line, placed by its x.
type lineItem struct {
	text string
	x    float64
}

// refineGlyphs re-reads, with the glyph bank, the characters of one
// recognised line (r: the line resized to the model's height, fw: pixels per
// CTC step) that the model left out or read with low probability. It returns
// the new text, the characters it put in and whether anything changed.
func (e *PPOCR) refineGlyphs(r *rgbImage, fw float64, spans []ctcSpan) (string, string, bool) {
	if len(spans) == 0 || len(spans) > 24 || e.glyphLeft <= 0 {
		return "", "", false
	}
	for _, s := range spans {
		if s.class < 1 || s.class-1 >= len(e.dict) {
			return "", "", false
		}
	}
	han := func(s ctcSpan) bool {
		t := e.dict[s.class-1]
		rs := []rune(t)
		return len(rs) == 1 && unicode.Is(unicode.Han, rs[0])
	}
	anyHan := false
	for _, s := range spans {
		anyHan = anyHan || han(s)
	}
	if !anyHan {
		return "", "", false
	}
	ink, top, bot, ok := inkMap(r)
	if !ok {
		return "", "", false
	}
	em := float64(bot - top + 1)
	w := r.W
	band := ink[top*w : (bot+1)*w]
	bh := bot - top + 1

	// Ink runs: maximal ranges of columns holding ink.
	type run struct{ x0, x1, owner int } // [x0,x1), owner span or -1
	var runs []run
	for x := 0; x < w; {
		if colInk(band, w, bh, x) < 1 {
			x++
			continue
		}
		x0 := x
		for x < w && colInk(band, w, bh, x) >= 1 {
			x++
		}
		runs = append(runs, run{x0, x, -1})
	}
	centre := func(s ctcSpan) float64 { return (float64(s.t0+s.t1) + 1) / 2 * fw }
	for i := range runs {
		rc := float64(runs[i].x0+runs[i].x1) / 2
		bestD := math.Inf(1)
		for j, s := range spans {
			if d := math.Abs(rc - centre(s)); d < bestD {
				bestD, runs[i].owner = d, j
			}
		}
		if bestD > 0.6*em {
			runs[i].owner = -1
		}
	}

	bk := sharedGlyphBank(e.glyphCache)
	if bk == nil {
		return "", "", false
	}
	items := make([]lineItem, 0, len(spans)+2)
	for _, s := range spans {
		items = append(items, lineItem{text: e.dict[s.class-1], x: centre(s)})
	}
	var added []rune

	// Characters the model read with low probability.
	for j, s := range spans {
		if s.p >= glyphLowP || !han(s) {
			continue
		}
		x0, x1 := w, 0
		for _, rn := range runs {
			if rn.owner == j {
				x0, x1 = min(x0, rn.x0), max(x1, rn.x1)
			}
		}
		if x1 <= x0 {
			continue
		}
		q, ok := glyphFeature(band, w, bh, x0, x1)
		if !ok || e.glyphLeft <= 0 {
			continue
		}
		e.glyphLeft--
		m := bk.match(q)
		own := []rune(e.dict[s.class-1])[0]
		ownScore, known := m.scoreOf(own)
		if !known {
			ownScore = -1
		}
		if m.best != own && !e.CanRead(m.best) && m.score >= glyphReplaceScore && m.score-ownScore >= glyphMargin && m.score-m.score2 >= glyphMargin {
			items[j].text = string(m.best)
			added = append(added, m.best)
		}
	}

	// Cells of ink no character was read from.
	for i := 0; i < len(runs); {
		if runs[i].owner >= 0 {
			i++
			continue
		}
		x0, x1 := runs[i].x0, runs[i].x1
		i++
		for i < len(runs) && runs[i].owner < 0 && float64(runs[i].x1-x0) <= 1.25*em {
			x1 = runs[i].x1
			i++
		}
		if float64(x1-x0) < 0.45*em || float64(x1-x0) > 1.3*em {
			continue
		}
		// Only next to a Chinese character the model read: a dropped
		// character inside or at the end of a name, not a stray mark.
		cx := float64(x0+x1) / 2
		near := -1
		nearD := math.Inf(1)
		for j, s := range spans {
			if d := math.Abs(centre(s) - cx); d < nearD {
				near, nearD = j, d
			}
		}
		if near < 0 || !han(spans[near]) || nearD > 1.7*em {
			continue
		}
		q, ok := glyphFeature(band, w, bh, x0, x1)
		if !ok || inkHeight(band, w, bh, x0, x1) < 0.45*em || e.glyphLeft <= 0 {
			continue
		}
		e.glyphLeft--
		m := bk.match(q)
		if m.score >= glyphMinScore && m.score-m.score2 >= glyphMargin {
			items = append(items, lineItem{text: string(m.best), x: cx})
			added = append(added, m.best)
		}
	}
	if len(added) == 0 {
		return "", "", false
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].x < items[b].x })
	var sb strings.Builder
	for _, it := range items {
		sb.WriteString(it.text)
	}
	return strings.TrimSpace(sb.String()), string(added), true
}

// inkMap returns how much ink (0..1) each pixel of r holds, judged against
// the line's own background and darkest strokes, and the rows of the text
// band. ok is false for a line without contrast.
func inkMap(r *rgbImage) (ink []float32, top, bot int, ok bool) {
	g := r.gray()
	var hist [256]int
	for _, v := range g {
		hist[min(255, max(0, int(v)))]++
	}
	pct := func(p float64) float32 {
		n := int(p * float64(len(g)))
		acc := 0
		for i, c := range hist {
			acc += c
			if acc > n {
				return float32(i)
			}
		}
		return 255
	}
	bg, fg := pct(0.80), pct(0.02)
	if bg-fg < 40 {
		return nil, 0, 0, false
	}
	ink = make([]float32, len(g))
	for i, v := range g {
		ink[i] = min(1, max(0, (bg-v)/(bg-fg)))
	}
	rows := make([]float32, r.H)
	var peak float32
	for y := 0; y < r.H; y++ {
		for x := 0; x < r.W; x++ {
			if ink[y*r.W+x] >= 0.5 {
				rows[y]++
			}
		}
		peak = max(peak, rows[y])
	}
	// The text band: the longest run of rows with a fair share of ink.
	bestLen := 0
	for y := 0; y < r.H; {
		if rows[y] < 0.06*peak {
			y++
			continue
		}
		y0 := y
		for y < r.H && rows[y] >= 0.06*peak {
			y++
		}
		if y-y0 > bestLen {
			bestLen, top, bot = y-y0, y0, y-1
		}
	}
	if bestLen < 12 {
		return nil, 0, 0, false
	}
	return ink, top, bot, true
}

// colInk counts the pixels of column x that are mostly ink.
func colInk(band []float32, w, h, x int) float32 {
	var s float32
	for y := 0; y < h; y++ {
		if band[y*w+x] >= 0.5 {
			s++
		}
	}
	return s
}

// inkHeight is the height of the ink between columns x0 and x1.
func inkHeight(band []float32, w, h, x0, x1 int) float64 {
	top, bot := h, -1
	for y := 0; y < h; y++ {
		for x := x0; x < x1; x++ {
			if band[y*w+x] >= 0.35 {
				top, bot = min(top, y), max(bot, y)
				break
			}
		}
	}
	return float64(bot - top + 1)
}
