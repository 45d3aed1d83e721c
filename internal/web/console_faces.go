package web

import (
	"strconv"

	"github.com/veriwallet/veriwallet/internal/verification"
)

// faceRow is the reviewer's view of the face checks: the selfie's face and
// the document portrait's face side by side (cropped in the browser from
// the stored photos by static/faces.js), with the similarity, the
// thresholds and the liveness score.
type faceRow struct {
	Selfie, Portrait     faceImage
	Similarity           string // "" when not compared
	Match, Review        string // the thresholds used
	Outcome, Reasons     string
	Liveness, LiveThresh string
	LiveOutcome          string
}

type faceImage struct {
	Kind, URL string
	Box       string // "x,y,w,h" in the photo's pixels; "" when no face was found
}

// facesOf builds the face row of a case from its checks (nil when the face
// checks did not run).
func facesOf(c verification.Case, checks []verification.CheckResult) *faceRow {
	var match, live *verification.CheckResult
	for i := range checks {
		switch checks[i].Kind {
		case verification.CheckFaceMatch:
			match = &checks[i]
		case verification.CheckLiveness:
			live = &checks[i]
		}
	}
	selfieID, ok := c.Documents[verification.DocSelfie]
	if match == nil || !ok {
		return nil
	}
	img := func(kind, id, box string) faceImage {
		if _, ok := verification.ParseFaceBox(box); !ok {
			box = ""
		}
		return faceImage{Kind: kind, URL: "/api/v1/documents/" + id + "/image", Box: box}
	}
	r := &faceRow{Selfie: img(verification.DocSelfie, selfieID, match.Detail["selfie_box"]), Outcome: match.Outcome,
		Similarity: match.Detail["similarity"], Match: match.Detail["threshold_match"], Review: match.Detail["threshold_review"]}
	for _, code := range match.Reasons {
		r.Reasons += code + " "
	}
	if k := match.Detail["portrait_document"]; k != "" && c.Documents[k] != "" {
		r.Portrait = img(k, c.Documents[k], match.Detail["portrait_box"])
	}
	if live != nil {
		r.LiveOutcome, r.LiveThresh = live.Outcome, live.Detail["threshold"]
		if live.Outcome == verification.OutcomePass || live.Outcome == verification.OutcomeFail {
			r.Liveness = strconv.FormatFloat(live.Score, 'f', 2, 64)
		}
	}
	return r
}
