package verification

import (
	"slices"
	"testing"

	"github.com/veriwallet/veriwallet/internal/errs"
)

func TestReviewerOutcome(t *testing.T) {
	tests := []struct {
		to      Status
		reasons []string
		status  Status
		codes   []string
		steps   []string
		err     string
	}{
		{StatusApproved, nil, StatusApproved, []string{}, nil, ""},
		{StatusApproved, []string{CodeNameMismatch}, "", nil, nil, "REVIEW_REASONS_INVALID"},
		{StatusRetryRequired, []string{CodeNameMismatch, "IMAGE_GLARE", CodeNameMismatch}, StatusRetryRequired, []string{CodeNameMismatch, "IMAGE_GLARE"}, []string{StepApplicant, StepDocuments}, ""},
		{StatusRetryRequired, []string{CodeMinorGuardianRequired}, StatusRetryRequired, []string{CodeMinorGuardianRequired}, []string{StepDocuments}, ""},
		{StatusRetryRequired, nil, "", nil, nil, "REVIEW_REASONS_INVALID"},
		{StatusRetryRequired, []string{CodeDuplicateIdentity}, "", nil, nil, "REVIEW_REASONS_INVALID"},
		{StatusRetryRequired, []string{CodeAttemptsExceeded}, "", nil, nil, "REVIEW_REASONS_INVALID"},
		{StatusRetryRequired, []string{"MADE_UP"}, "", nil, nil, "REVIEW_REASONS_INVALID"},
		{StatusRejected, nil, StatusRejected, []string{CodeReviewerRejected}, nil, ""},
		{StatusRejected, []string{CodeSanctionsHit}, StatusRejected, []string{CodeSanctionsHit}, nil, ""},
		{StatusRejected, []string{CodeNameMismatch}, "", nil, nil, "REVIEW_REASONS_INVALID"},
		{StatusManualReview, nil, "", nil, nil, "INVALID_TRANSITION"},
		{StatusOnHold, nil, "", nil, nil, "INVALID_TRANSITION"},
	}
	for _, tc := range tests {
		d, err := ReviewerOutcome(tc.to, tc.reasons)
		if tc.err != "" {
			if !errs.Is(err, tc.err) {
				t.Errorf("%s %v: err %v, want %s", tc.to, tc.reasons, err, tc.err)
			}
			continue
		}
		if err != nil || d.Status != tc.status || !slices.Equal(d.Reasons, tc.codes) || !slices.Equal(d.RetrySteps, tc.steps) {
			t.Errorf("%s %v: %+v, %v", tc.to, tc.reasons, d, err)
		}
		if _, err := Next(StatusManualReview, ReviewerDecision(d.Status)); err != nil {
			t.Errorf("%s is not a legal reviewer outcome", d.Status)
		}
	}
	if errs.KindOf(ErrReviewReasons) != errs.Invalid || ErrReviewReasons.Field != "reasons" {
		t.Error("ErrReviewReasons kind or field")
	}
}
