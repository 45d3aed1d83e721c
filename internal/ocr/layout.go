package ocr

import (
	"math"
	"sort"
	"strings"
)

// placed is a line with coordinates in the text's own frame: u along the
// lines, v across them (so a tilted card still has straight rows).
type placed struct {
	Line
	u0, u1, v, h float64
}

// row is a set of lines on one text row, left to right.
type row []placed

// text joins the row's lines with single spaces.
func (r row) text() string {
	parts := make([]string, len(r))
	for i, l := range r {
		parts[i] = l.Text
	}
	return strings.Join(parts, " ")
}

// conf is the lowest confidence in the row.
func (r row) conf() float64 {
	c := 1.0
	for _, l := range r {
		c = math.Min(c, l.Confidence)
	}
	return c
}

// layout places lines in the text frame and groups them into rows, top to
// bottom.
func layout(lines []Line) []row {
	if len(lines) == 0 {
		return nil
	}
	angles := make([]float64, 0, len(lines))
	for _, l := range lines {
		if l.Width >= 3*l.Height || l.Width == 0 {
			angles = append(angles, l.Angle)
		}
	}
	theta := 0.0
	if len(angles) > 0 {
		sort.Float64s(angles)
		theta = angles[len(angles)/2]
	}
	rad := theta * math.Pi / 180
	c, s := math.Cos(rad), math.Sin(rad)
	ps := make([]placed, len(lines))
	for i, l := range lines {
		cx := float64(l.Box.Min.X+l.Box.Max.X) / 2
		cy := float64(l.Box.Min.Y+l.Box.Max.Y) / 2
		w, h := l.Width, l.Height
		if w == 0 || h == 0 {
			w, h = float64(l.Box.Dx()), float64(l.Box.Dy())
		}
		u := cx*c - cy*s
		ps[i] = placed{Line: l, u0: u - w/2, u1: u + w/2, v: cx*s + cy*c, h: h}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].v < ps[j].v })
	var rows []row
	for _, p := range ps {
		if n := len(rows); n > 0 {
			last := rows[n-1]
			ref := last[0]
			if math.Abs(p.v-ref.v) < 0.5*math.Min(p.h, ref.h) {
				rows[n-1] = append(last, p)
				continue
			}
		}
		rows = append(rows, row{p})
	}
	for _, r := range rows {
		sort.SliceStable(r, func(i, j int) bool { return r[i].u0 < r[j].u0 })
	}
	return rows
}

// compact removes all white space.
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\u3000' {
			return -1
		}
		return r
	}, s)
}
