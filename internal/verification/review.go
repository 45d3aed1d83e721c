package verification

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// ReviewStore is what reviewers need beyond Store.
type ReviewStore interface {
	// CasesInStatus lists cases in a status, oldest first (a work queue).
	CasesInStatus(ctx context.Context, status Status, limit int) ([]*Case, error)
}

// ReviewQueue lists the cases waiting in a status (default manual_review).
func (s *Service) ReviewQueue(ctx context.Context, status Status) ([]*Case, error) {
	if status == "" {
		status = StatusManualReview
	}
	rs, ok := s.Store.(ReviewStore)
	if !ok {
		return nil, nil
	}
	return rs.CasesInStatus(ctx, status, 200)
}

// ReviewDetail is everything a reviewer sees of a case: the applicant, the
// documents, every check of the latest round (sensitive findings and
// linked accounts included), the decision and the status history.
type ReviewDetail struct {
	Case     *Case         `json:"case"`
	Checks   []CheckResult `json:"checks"`
	Decision *Decision     `json:"decision"`
	Events   []CaseEvent   `json:"events"`
}

// Review returns a case's reviewer view; id may be the case's short number
// (CaseNumber).
func (s *Service) Review(ctx context.Context, id string) (*ReviewDetail, error) {
	if IsCaseNumber(id) { // the short number a customer quotes
		var err error
		if id, err = s.CaseIDByNumber(ctx, id); err != nil {
			return nil, err
		}
	}
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	checks, err := s.Store.Checks(ctx, id)
	if err != nil {
		return nil, err
	}
	events, err := s.Store.Events(ctx, id)
	if err != nil {
		return nil, err
	}
	return &ReviewDetail{Case: c, Checks: checks, Decision: c.Decision, Events: events}, nil
}

// Decide records a reviewer's outcome for a case in manual review or on
// hold. Errors: Conflict INVALID_TRANSITION, Invalid (reasons), NotFound.
func (s *Service) ReviewerDecide(ctx context.Context, reviewerID, id string, to Status, reasons []string, note string) (*Case, error) {
	return s.ReviewerDecideWith(ctx, ReviewerInput{ReviewerID: reviewerID, CaseID: id, To: to, Reasons: reasons, Note: note})
}

// ReviewerInput is a reviewer's decision: the outcome, its reason codes,
// the internal note and the customer-visible comment. Confirmer is the
// second reviewer of a four-eyes decision ("" for one reviewer).
type ReviewerInput struct {
	ReviewerID, CaseID string
	To                 Status
	Reasons            []string
	Note, Comment      string
	Confirmer          string
}

// ReviewerDecideWith is ReviewerDecide with a customer-visible comment and
// a second reviewer. Errors: as ReviewerDecide.
func (s *Service) ReviewerDecideWith(ctx context.Context, in ReviewerInput) (*Case, error) {
	reviewerID, id, to, reasons, note := in.ReviewerID, in.CaseID, in.To, in.Reasons, in.Note
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.UserID == reviewerID || in.Confirmer != "" && c.UserID == in.Confirmer {
		return nil, errs.New(errs.Permission, "REVIEW_OWN_CASE", "You cannot decide your own verification; another reviewer must.",
			"不能审核自己的认证，请由其他审核员处理。")
	}
	if _, err := Next(c.Status, ReviewerDecision(to)); err != nil {
		return nil, err
	}
	d, err := ReviewerOutcome(to, reasons)
	if err != nil {
		return nil, err
	}
	if c.Decision != nil {
		d.Basis = c.Decision.Basis // the reviewer decided on the same submission
	}
	d.Comment = truncateRunes(strings.ToValidUTF8(strings.TrimSpace(in.Comment), ""), 1000)
	now := s.now()
	note = truncateRunes(strings.ToValidUTF8(note, ""), 1000)
	actor := "reviewer:" + reviewerID
	if in.Confirmer != "" {
		actor += "+" + in.Confirmer // four eyes: proposer and confirmer
	}
	ev := CaseEvent{From: c.Status, To: d.Status, Actor: actor, Note: note, At: now}
	if err := s.Store.SaveDecision(ctx, c, nil, d, ev); err != nil {
		return nil, err
	}
	c.Status, c.Decision, c.UpdatedAt, c.Version = d.Status, &d, now, c.Version+1
	return c, nil
}

// truncateRunes cuts s to at most n bytes on a character boundary.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
