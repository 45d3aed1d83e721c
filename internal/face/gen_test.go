package face

import (
	"fmt"
	"image"
	"testing"

	docsynth "github.com/veriwallet/veriwallet/internal/document/gen/synth"
	ocrsynth "github.com/veriwallet/veriwallet/internal/ocr/synth"
)

// generatedDocuments renders documents with drawn portraits from both
// generators in the repository.
func generatedDocuments(t *testing.T) map[string]image.Image {
	out := map[string]image.Image{}
	for i, side := range []docsynth.Side{docsynth.Front, docsynth.Passport, docsynth.Front, docsynth.Passport} {
		s := docsynth.Spec{Seed: uint64(100 + i), W: 800, H: 600, Side: side, CardWidth: 0.75, CX: 0.5, CY: 0.5,
			Angle: float64(i*3 - 4), Background: i, Noise: 1, Gain: 0.95}
		out[fmt.Sprintf("document/gen %s #%d", side, i)] = docsynth.Render(s)
	}
	g, err := ocrsynth.New(7, ocrsynth.Options{})
	if err != nil {
		t.Logf("ocr/synth documents skipped: %v", err)
		return out
	}
	for i, k := range []string{ocrsynth.IDFront, ocrsynth.Passport, ocrsynth.ResidencePermit} {
		d, err := g.Generate(k)
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("ocr/synth %s #%d", k, i)] = d.Image
	}
	return out
}
