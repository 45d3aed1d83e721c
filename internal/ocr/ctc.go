package ocr

import (
	"bufio"
	"io"
	"strings"
)

// ctcDecode greedily decodes a CTC output of T steps × C classes (class 0 is
// the blank): the best class per step, repeats collapsed, blanks dropped.
// dict[i-1] is the text of class i. allowed, when not nil, restricts the
// choice at each step to the blank and the allowed classes. It returns the
// text and the mean probability of the kept characters (0 when empty).
func ctcDecode(probs []float32, steps, classes int, dict []string, allowed []bool) (string, float64) {
	var sb strings.Builder
	prev := -1
	var sum float64
	n := 0
	minBlank := 1.0
	for t := 0; t < steps; t++ {
		best, bp := ctcBest(probs[t*classes:(t+1)*classes], allowed)
		if best == 0 && float64(bp) < minBlank {
			minBlank = float64(bp)
		}
		if best != 0 && best != prev && best-1 < len(dict) {
			sb.WriteString(dict[best-1])
			sum += float64(bp)
			n++
		}
		prev = best
	}
	if n == 0 {
		return "", 0
	}
	return sb.String(), min(sum/float64(n), minBlank)
}

// readDict reads a PaddleOCR character dictionary: one character per line.
func readDict(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		out = append(out, strings.TrimRight(sc.Text(), "\r\n"))
	}
	return out, sc.Err()
}

// ctcBest is the most probable class of one step (the blank, class 0, or an
// allowed class) and its probability.
func ctcBest(row []float32, allowed []bool) (int, float32) {
	best, bp := 0, row[0]
	for c := 1; c < len(row); c++ {
		if allowed != nil && (c >= len(allowed) || !allowed[c]) {
			continue
		}
		if row[c] > bp {
			best, bp = c, row[c]
		}
	}
	return best, bp
}

// ctcSpan is one character of a greedy CTC decoding: its class, the steps
// t0..t1 (inclusive) where it was the best class, and its best probability.
type ctcSpan struct {
	class, t0, t1 int
	p             float32
}

// ctcSpans decodes like ctcDecode and returns where each kept character was
// read.
func ctcSpans(probs []float32, steps, classes int, allowed []bool) []ctcSpan {
	var out []ctcSpan
	prev := -1
	for t := 0; t < steps; t++ {
		best, bp := ctcBest(probs[t*classes:(t+1)*classes], allowed)
		switch {
		case best != 0 && best == prev && len(out) > 0:
			s := &out[len(out)-1]
			s.t1 = t
			s.p = max(s.p, bp)
		case best != 0:
			out = append(out, ctcSpan{class: best, t0: t, t1: t, p: bp})
		}
		prev = best
	}
	return out
}
