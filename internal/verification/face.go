package verification

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// FaceAnalyzer finds the faces in a photo, embeds the largest one and
// scores it as a live capture (internal/face behind an adapter in
// internal/app). Its errors are our fault: the case goes to a reviewer.
type FaceAnalyzer interface {
	// Available says why face analysis is unavailable (the models are not
	// installed), or nil.
	Available() error
	// Analyze analyses an image (the stored JPEG or PNG bytes); with
	// liveness it also scores the largest face as a live capture.
	Analyze(ctx context.Context, image []byte, liveness bool) (FaceAnalysis, error)
}

// FaceAnalysis is what a FaceAnalyzer found in one photo. The embedding is
// biometric data: it lives in memory only, for the comparison, and is
// never stored, logged or put in a check's detail.
type FaceAnalysis struct {
	Faces     []FaceBox // largest first
	Embedding []float32 // of Faces[0], L2-normalised; nil when no face
	Liveness  float64   // 0..1 for Faces[0]; -1 when not computed
	Engine    string    // name and version of the engine, for the check record
}

// FaceBox is one face found, in the upright image's pixels.
type FaceBox struct {
	X, Y, W, H int
	Score      float64 // detector confidence 0..1
}

// FaceThresholds decide the face checks: a similarity of at least Match is
// the same person; between Review and Match a person compares the faces
// (FACE_REVIEW_REQUIRED); below Review it is FACE_MISMATCH, which a person
// decides too. A liveness score below Live asks for a new selfie
// (SELFIE_NOT_LIVE).
type FaceThresholds struct {
	Match, Review, Live float64
}

// Validate checks -1 ≤ Review ≤ Match ≤ 1 and 0 ≤ Live ≤ 1. Errors: Invalid
// FACE_THRESHOLDS_INVALID.
func (t FaceThresholds) Validate() error {
	bad := func(detail string) error {
		return errs.New(errs.Invalid, "FACE_THRESHOLDS_INVALID", "Face thresholds are invalid: "+detail, "人脸比对阈值无效："+detail)
	}
	for _, v := range []float64{t.Match, t.Review, t.Live} {
		if math.IsNaN(v) {
			return bad("not a number")
		}
	}
	switch {
	case t.Match < -1 || t.Match > 1 || t.Review < -1 || t.Review > 1:
		return bad("match and review must be between -1 and 1")
	case t.Review > t.Match:
		return bad("the review threshold must not be above the match threshold")
	case t.Live < 0 || t.Live > 1:
		return bad("the live threshold must be between 0 and 1")
	case t == FaceThresholds{}:
		return bad("not set")
	}
	return nil
}

// portraitKinds are the document kinds whose photo carries the holder's
// portrait, in the order the face match prefers them.
var portraitKinds = []string{DocIDFront, DocPassport, DocResidencePermit}

// wantsFaces reports whether the pipeline must run the face checks for a
// case of spec holding documents: the level asks for them, or a selfie was
// attached (an operator's level may take one without checking it, and a
// reviewer should still see the comparison).
func wantsFaces(spec LevelSpec, documents map[string]string) bool {
	_, selfie := documents[DocSelfie]
	return selfie || slices.Contains(spec.Checks, CheckFaceMatch) || slices.Contains(spec.Checks, CheckLiveness)
}

// faceChecks runs face_match and liveness for a case: the selfie must hold
// exactly one face, scored live; the portrait of the first accepted photo
// document is compared with it. quality holds the document_quality checks
// already run: a photo the gate refused is not analysed (its reasons are the
// customer's to fix). Without a selfie, or with a refused one, both checks
// are skipped (the missing document or the photo's reasons decide). Engine
// failures and unavailable models give error outcomes: a reviewer decides.
func (s *Service) faceChecks(ctx context.Context, c *Case, quality []CheckResult) ([]CheckResult, error) {
	load := func(documentID string) ([]byte, error) {
		_, img, err := s.Documents.Image(ctx, c.UserID, true, documentID)
		return img, err
	}
	spec, _ := s.Levels.Level(c.Level)
	required := slices.Contains(spec.Checks, CheckFaceMatch) || slices.Contains(spec.Checks, CheckLiveness) ||
		eddAsked(c, DocSelfie) // the EDD path asked for it: checked as at the EDD level
	cs, err := runFaceChecks(ctx, s.Faces, s.FaceThresholds, c.Documents, quality, load)
	if err == nil && !required {
		// A selfie the level does not ask for: compared when possible (a
		// mismatch still goes to a reviewer), but our own failure to
		// compare it holds nothing up.
		for i := range cs {
			if cs[i].Outcome == OutcomeError {
				cs[i].Outcome, cs[i].Reasons = OutcomeSkipped, nil
				cs[i].Detail["why"] = "not required at this level: " + cs[i].Detail["why"]
			}
		}
	}
	return cs, err
}

// runFaceChecks is faceChecks with the analyser, the thresholds and the
// loader of a document's image given. An error from load is returned (the
// queue retries, then a reviewer decides).
func runFaceChecks(ctx context.Context, faces FaceAnalyzer, th FaceThresholds, documents map[string]string,
	quality []CheckResult, load func(documentID string) ([]byte, error)) ([]CheckResult, error) {
	match := CheckResult{Kind: CheckFaceMatch, Document: DocSelfie, Outcome: OutcomeSkipped, Detail: map[string]string{}}
	live := CheckResult{Kind: CheckLiveness, Document: DocSelfie, Outcome: OutcomeSkipped, Detail: map[string]string{}}
	both := func() []CheckResult { return []CheckResult{match, live} }
	fail := func(why string, err error, engine string) []CheckResult {
		for _, r := range []*CheckResult{&match, &live} {
			r.Outcome, r.Reasons, r.Engine = OutcomeError, []string{"FACE_UNAVAILABLE"}, engine
			r.Detail["why"] = why
			if err != nil {
				// An engine's error names files and models, never a face.
				r.Detail["error"] = truncate(err.Error(), 200)
			}
		}
		return both()
	}
	accepted := func(kind string) bool {
		for _, q := range quality {
			if q.Kind == CheckDocumentQuality && q.Document == kind {
				return q.Outcome == OutcomePass
			}
		}
		return false
	}
	selfieID, ok := documents[DocSelfie]
	if !ok {
		match.Detail["why"], live.Detail["why"] = "no selfie", "no selfie"
		return both(), nil
	}
	if !accepted(DocSelfie) {
		match.Detail["why"], live.Detail["why"] = "the selfie was refused", "the selfie was refused"
		return both(), nil
	}
	if faces == nil {
		return fail("face models not installed", nil, ""), nil
	}
	if err := faces.Available(); err != nil {
		return fail("face models not installed", err, ""), nil
	}
	if err := th.Validate(); err != nil {
		return fail("face thresholds not configured", err, ""), nil
	}
	img, err := load(selfieID)
	if err != nil {
		return nil, err
	}
	self, err := faces.Analyze(ctx, img, true)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return fail("the face engine failed on the selfie", err, self.Engine), nil
	}
	match.Engine, live.Engine = self.Engine, self.Engine
	match.Detail["selfie_faces"] = strconv.Itoa(len(self.Faces))
	switch {
	case len(self.Faces) == 0:
		match.Outcome, match.Reasons = OutcomeFail, []string{CodeSelfieNoFace}
		live.Detail["why"] = "no face in the selfie"
		return both(), nil
	case len(self.Faces) > 1:
		match.Outcome, match.Reasons = OutcomeFail, []string{CodeSelfieManyFaces}
		live.Detail["why"] = "several faces in the selfie"
		return both(), nil
	}
	match.Detail["selfie_box"] = boxDetail(self.Faces[0])
	switch l := self.Liveness; {
	case l < 0 || math.IsNaN(l) || l > 1:
		live.Outcome, live.Reasons = OutcomeError, []string{"FACE_UNAVAILABLE"}
		live.Detail["why"] = "liveness not computed"
	case l < th.Live:
		live.Outcome, live.Score, live.Reasons = OutcomeFail, round3(l), []string{CodeSelfieNotLive}
	default:
		live.Outcome, live.Score = OutcomePass, round3(l)
	}
	live.Detail["threshold"] = fmt.Sprint(th.Live)

	portrait := ""
	for _, k := range portraitKinds {
		if _, ok := documents[k]; ok && accepted(k) {
			portrait = k
			break
		}
	}
	if portrait == "" {
		// The document's photo is missing or refused: the customer fixes
		// that first, then the faces are compared.
		match.Outcome, match.Reasons = OutcomeSkipped, nil
		match.Detail["why"] = "no accepted photo of a document with a portrait"
		return both(), nil
	}
	match.Detail["portrait_document"] = portrait
	pimg, err := load(documents[portrait])
	if err != nil {
		return nil, err
	}
	doc, err := faces.Analyze(ctx, pimg, false)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		match.Outcome, match.Reasons = OutcomeError, []string{"FACE_UNAVAILABLE"}
		match.Detail["why"] = "the face engine failed on the document"
		match.Detail["error"] = truncate(err.Error(), 200)
		return both(), nil
	}
	match.Detail["portrait_faces"] = strconv.Itoa(len(doc.Faces))
	if len(doc.Faces) == 0 || len(doc.Embedding) == 0 || len(self.Embedding) == 0 {
		// A drawn, worn or laminated portrait the detector misses: a new
		// selfie cannot help, a person compares.
		match.Outcome, match.Reasons = OutcomeUnreadable, []string{CodeFaceReviewRequired}
		match.Detail["why"] = "no face found on the document's portrait"
		return both(), nil
	}
	match.Detail["portrait_box"] = boxDetail(doc.Faces[0])
	sim, ok := cosine(self.Embedding, doc.Embedding)
	if !ok {
		match.Outcome, match.Reasons = OutcomeError, []string{"FACE_UNAVAILABLE"}
		match.Detail["why"] = "embeddings of different lengths"
		return both(), nil
	}
	match.Score = round3(sim)
	match.Detail["similarity"] = strconv.FormatFloat(round3(sim), 'f', 3, 64)
	match.Detail["threshold_match"], match.Detail["threshold_review"] = fmt.Sprint(th.Match), fmt.Sprint(th.Review)
	switch {
	case sim >= th.Match:
		match.Outcome = OutcomePass
	case sim >= th.Review:
		match.Outcome, match.Reasons = OutcomeUnreadable, []string{CodeFaceReviewRequired}
	default:
		match.Outcome, match.Reasons = OutcomeFail, []string{CodeFaceMismatch}
	}
	return both(), nil
}

// cosine is the cosine similarity of two embeddings; false when their
// lengths differ or either is zero.
func cosine(a, b []float32) (float64, bool) {
	if len(a) != len(b) || len(a) == 0 {
		return 0, false
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 || math.IsNaN(dot) {
		return 0, false
	}
	return dot / math.Sqrt(na*nb), true
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// boxDetail writes a face box as "x,y,w,h" (pixels: where the reviewer's
// page crops the face from the stored photo; not biometric by itself).
func boxDetail(b FaceBox) string { return fmt.Sprintf("%d,%d,%d,%d", b.X, b.Y, b.W, b.H) }

// ParseFaceBox reads a box written by the pipeline into a check's detail.
func ParseFaceBox(s string) (FaceBox, bool) {
	var b FaceBox
	if _, err := fmt.Sscanf(s, "%d,%d,%d,%d", &b.X, &b.Y, &b.W, &b.H); err != nil || b.W <= 0 || b.H <= 0 || b.X < 0 || b.Y < 0 {
		return FaceBox{}, false
	}
	return b, true
}

// ErrFacesUnavailable is what a FaceAnalyzer without models reports.
var ErrFacesUnavailable = errors.New("face models are not installed: cases that need a selfie go to a reviewer; run scripts/setup.sh")

// selfieProven reports whether the checks hold positive evidence for the
// selfie slot: the faces matched at or above the match threshold and the
// selfie scored live.
func selfieProven(checks []CheckResult) bool {
	m, l := false, false
	for _, c := range checks {
		switch {
		case c.Kind == CheckFaceMatch && c.Outcome == OutcomePass:
			m = true
		case c.Kind == CheckLiveness && c.Outcome == OutcomePass:
			l = true
		}
	}
	return m && l
}
