package verification

import (
	"sort"
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// ErrReviewReasons is the error ReviewerOutcome returns (kind Invalid, code
// REVIEW_REASONS_INVALID, field "reasons") when the reasons do not fit the
// outcome.
var ErrReviewReasons = errs.New(errs.Invalid, "REVIEW_REASONS_INVALID",
	"The reasons do not fit this decision: approve without reasons, ask for a retry with reasons the customer can act on, reject with final reasons.",
	"所选原因与审核结论不符：通过时不选原因；要求重新提交时请选择客户可以处理的原因；拒绝时请选择最终原因。").OnField("reasons")

// ReviewerOutcome turns a reviewer's outcome into a Decision, checking the
// reasons: approved takes none; retry_required needs at least one RETRY
// reason with a step to redo (the customer is told exactly what to fix, and
// only those steps reopen); rejected takes FINAL reasons (sensitive ones
// allowed, hidden from the customer) and defaults to REVIEWER_REJECTED.
// Any other outcome is ErrInvalidTransition; wrong reasons are
// ErrReviewReasons.
func ReviewerOutcome(to Status, reasons []string) (Decision, error) {
	switch to {
	case StatusApproved:
		if len(reasons) > 0 {
			return Decision{}, ErrReviewReasons
		}
		return decision(StatusApproved, nil), nil
	case StatusRetryRequired:
		if len(reasons) == 0 {
			return Decision{}, ErrReviewReasons
		}
		var fs []Finding
		steps := map[string]bool{}
		for _, code := range reasons {
			// "DOCUMENT_UNREADABLE@id_front" asks for that one document again.
			c, doc, _ := strings.Cut(code, "@")
			r, ok := registry[c]
			if !ok || r.Disposition != Retry || r.Step == "" || r.Sensitive || doc != "" && (r.Step != StepDocuments || !validDocSlot(doc)) {
				return Decision{}, ErrReviewReasons
			}
			f := Finding{Code: c, Field: r.Field, Document: doc}
			f.Step = stepFor(r, f)
			steps[f.Step] = true
			fs = append(fs, f)
		}
		d := decision(StatusRetryRequired, dedupe(fs))
		for s := range steps {
			d.RetrySteps = append(d.RetrySteps, s)
		}
		sort.Strings(d.RetrySteps)
		return d, nil
	case StatusRejected:
		if len(reasons) == 0 {
			reasons = []string{CodeReviewerRejected}
		}
		var fs []Finding
		for _, c := range reasons {
			r, ok := registry[c]
			if !ok || r.Disposition != Final {
				return Decision{}, ErrReviewReasons
			}
			fs = append(fs, Finding{Code: c, Field: r.Field})
		}
		return decision(StatusRejected, dedupe(fs)), nil
	}
	return Decision{}, invalid(StatusManualReview, ReviewerDecision(to))
}

// validDocSlot reports whether s can name a document slot (id_front, passport…).
func validDocSlot(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}
