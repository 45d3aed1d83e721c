package face

import "math"

// Similarity is the cosine similarity of two embeddings, -1..1 (1: the
// same direction). It returns 0 when either is empty, they differ in
// length, or a value is not finite.
func Similarity(a, b []float32) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	s := dot / math.Sqrt(na*nb)
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return 0
	}
	return math.Max(-1, math.Min(1, s))
}

// Thresholds turn scores into decisions.
type Thresholds struct {
	Match  float64 `json:"match"`  // similarity ≥ Match: the same person
	Review float64 `json:"review"` // Review ≤ similarity < Match: a reviewer decides; below Review: a mismatch (still to a reviewer, never an automatic rejection)
	Live   float64 `json:"live"`   // liveness ≥ Live: a live capture
}

// DefaultThresholds are the thresholds chosen on the tuning set (two
// people's photographs under the transformations in sets_test.go;
// TestTuningSet checks they still separate it; internal/face/README.md has
// the figures). Three identities support no accuracy claim: measure false
// match and false non-match rates on your own labelled pairs with
// scripts/face/evaluate.sh before relying on them.
func DefaultThresholds() Thresholds {
	return Thresholds{Match: 0.5, Review: 0.3, Live: 0.5}
}
