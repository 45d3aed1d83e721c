package face

// Verdict is the outcome of comparing a selfie with a document portrait.
type Verdict string

// The verdicts, in the order Decide checks them.
const (
	NoFaceSelfie   Verdict = "no_face_selfie"   // no face on the selfie
	ManyFaces      Verdict = "many_faces"       // more than one face on the selfie
	NotLive        Verdict = "not_live"         // the selfie looks like a photo of a photo or of a screen
	NoFaceDocument Verdict = "no_face_document" // no (usable) face on the document
	Match          Verdict = "match"            // the same person
	Review         Verdict = "review"           // a reviewer decides
	Mismatch       Verdict = "mismatch"         // looks like different people: still a reviewer's call, never an automatic rejection
)

// Decide compares the analyses of a document and a selfie. It returns the
// verdict and the similarity of the two embeddings (0 when either has
// none; reported whatever the verdict). Liveness is judged only when it was computed (selfie.Liveness ≥ 0).
// A face found whose embedding could not be computed gives Review, never
// Match.
func Decide(doc, selfie Analysis, t Thresholds) (Verdict, float64) {
	sim := Similarity(doc.Embedding, selfie.Embedding)
	switch {
	case len(selfie.Faces) == 0:
		return NoFaceSelfie, sim
	case len(selfie.Faces) > 1:
		return ManyFaces, sim
	case selfie.Liveness >= 0 && selfie.Liveness < t.Live:
		return NotLive, sim
	case len(doc.Faces) == 0:
		return NoFaceDocument, sim
	case doc.Embedding == nil || selfie.Embedding == nil:
		return Review, sim
	}
	switch {
	case sim >= t.Match:
		return Match, sim
	case sim >= t.Review:
		return Review, sim
	}
	return Mismatch, sim
}
