package verification

import (
	"context"
	"strings"
	"time"
)

// Screener screens a case's applicant against sanctions and PEP lists
// (internal/screening implements it). Errors are ours: the case goes to a
// reviewer.
type Screener interface {
	Screen(ctx context.Context, s ScreeningSubject) (ScreeningResult, error)
}

// ScreeningSubject is who is screened.
type ScreeningSubject struct {
	UserID      string
	CaseID      string
	Name        string
	BirthDate   string // YYYY-MM-DD or empty
	Nationality string // ISO alpha-3 or empty
	Documents   []string
}

// ScreeningResult is the outcome of screening one subject.
type ScreeningResult struct {
	// Configured is false when no list is imported: the check is skipped
	// and the case is not held for it.
	Configured bool
	// Hits are the matches over the threshold a reviewer must decide (a
	// match a reviewer cleared as a false positive is not among them).
	Hits          []ScreeningHit
	EngineVersion string // the list versions screened against
}

// ScreeningHit is one match, without personal data.
type ScreeningHit struct {
	ID       string  // the review item's id
	List     string  // source list
	EntityID string  // the entity's id in the list
	Category string  // sanctions or pep
	Score    float64 // 0..1
}

// SkipNotConfigured is the Detail "reason" of a screening check skipped
// because no list is imported; Decide counts it as run.
const SkipNotConfigured = "not_configured"

// screeningCheck screens the case's applicant.
func (s *Service) screeningCheck(ctx context.Context, c *Case, at time.Time) CheckResult {
	r := CheckResult{Kind: CheckScreening, Outcome: OutcomePass, Score: 1, Engine: "screening"}
	if s.Screener == nil {
		r.Outcome, r.Score, r.Detail = OutcomeSkipped, 0, map[string]string{"reason": SkipNotConfigured}
		return r
	}
	a := NormalizeApplicant(c.Applicant)
	subj := ScreeningSubject{UserID: c.UserID, CaseID: c.ID, Name: a.FullName, Nationality: a.Nationality}
	if d, ok := BirthDate(a, at); ok {
		subj.BirthDate = d.String()
	}
	if a.IDNumber != "" {
		subj.Documents = []string{a.IDNumber}
	}
	res, err := s.Screener.Screen(ctx, subj)
	if err != nil {
		r.Outcome, r.Score, r.Reasons = OutcomeError, 0, []string{CodeEngineUnavailable}
		return r
	}
	r.EngineVersion = res.EngineVersion
	if !res.Configured {
		r.Outcome, r.Score, r.Detail = OutcomeSkipped, 0, map[string]string{"reason": SkipNotConfigured}
		return r
	}
	if len(res.Hits) == 0 {
		return r
	}
	r.Outcome, r.Score = OutcomeFail, 0
	var ids []string
	for _, h := range res.Hits {
		code := CodeSanctionsHit
		if h.Category == "pep" {
			code = CodePEPHit
		}
		if !contains(r.Reasons, code) {
			r.Reasons = append(r.Reasons, code)
		}
		r.Score = max(r.Score, h.Score)
		ids = append(ids, h.ID)
	}
	r.Detail = map[string]string{"hits": strings.Join(ids, ",")}
	return r
}
