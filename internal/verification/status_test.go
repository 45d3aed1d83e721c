package verification

import (
	"errors"
	"testing"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// TestNextEveryPair checks every (status, event kind, target) triple against
// the expected table written out here, independently of the implementation's
// table.
func TestNextEveryPair(t *testing.T) {
	type key struct {
		from Status
		kind EventKind
		to   Status // "" for events without target
	}
	S := func(s Status) Status { return s }
	legal := map[key]Status{
		{StatusDraft, EventEditApplicant, ""}:  S(StatusDraft),
		{StatusDraft, EventAttachDocument, ""}: S(StatusDraft),
		{StatusDraft, EventConfirmPhone, ""}:   S(StatusDraft),
		{StatusDraft, EventSubmit, ""}:         S(StatusSubmitted),

		{StatusSubmitted, EventStartProcessing, ""}: S(StatusProcessing),
		{StatusSubmitted, EventHold, ""}:            S(StatusOnHold),

		{StatusProcessing, EventDecide, StatusApproved}:      S(StatusApproved),
		{StatusProcessing, EventDecide, StatusRetryRequired}: S(StatusRetryRequired),
		{StatusProcessing, EventDecide, StatusRejected}:      S(StatusRejected),
		{StatusProcessing, EventDecide, StatusManualReview}:  S(StatusManualReview),
		{StatusProcessing, EventRequeue, ""}:                 S(StatusSubmitted),
		{StatusProcessing, EventHold, ""}:                    S(StatusOnHold),

		{StatusRetryRequired, EventEditApplicant, ""}:  S(StatusRetryRequired),
		{StatusRetryRequired, EventAttachDocument, ""}: S(StatusRetryRequired),
		{StatusRetryRequired, EventConfirmPhone, ""}:   S(StatusRetryRequired),
		{StatusRetryRequired, EventResubmit, ""}:       S(StatusSubmitted),
		{StatusRetryRequired, EventHold, ""}:           S(StatusOnHold),

		{StatusManualReview, EventReviewerDecide, StatusApproved}:      S(StatusApproved),
		{StatusManualReview, EventReviewerDecide, StatusRetryRequired}: S(StatusRetryRequired),
		{StatusManualReview, EventReviewerDecide, StatusRejected}:      S(StatusRejected),
		{StatusManualReview, EventHold, ""}:                            S(StatusOnHold),

		{StatusOnHold, EventRelease, StatusSubmitted}:     S(StatusSubmitted),
		{StatusOnHold, EventRelease, StatusManualReview}:  S(StatusManualReview),
		{StatusOnHold, EventRelease, StatusRetryRequired}: S(StatusRetryRequired),
	}
	froms := append(append([]Status{}, Statuses...), "", "bogus")
	kinds := append(append([]EventKind{}, EventKinds...), "", "bogus")
	tos := append([]Status{""}, Statuses...)
	tos = append(tos, "bogus")
	n, ok := 0, 0
	for _, from := range froms {
		for _, kind := range kinds {
			for _, to := range tos {
				n++
				got, err := Next(from, Event{Kind: kind, To: to})
				want, isLegal := legal[key{from, kind, to}]
				if isLegal {
					ok++
					if err != nil || got != want {
						t.Errorf("Next(%q, %q→%q) = %q, %v; want %q", from, kind, to, got, err, want)
					}
					if !Can(from, Event{Kind: kind, To: to}) {
						t.Errorf("Can(%q, %q→%q) = false", from, kind, to)
					}
					continue
				}
				if err == nil {
					t.Errorf("Next(%q, %q→%q) = %q, nil; want INVALID_TRANSITION", from, kind, to, got)
					continue
				}
				var e *errs.Error
				if !errors.As(err, &e) || e.Kind != errs.Conflict || e.Code != "INVALID_TRANSITION" || e.Message.EN == "" || e.Message.ZH == "" {
					t.Errorf("Next(%q, %q→%q) error = %#v; want Conflict INVALID_TRANSITION in both languages", from, kind, to, err)
				}
				if got != from {
					t.Errorf("Next(%q, %q→%q) returned %q on error; want the unchanged status", from, kind, to, got)
				}
			}
		}
	}
	if ok != len(legal) {
		t.Errorf("checked %d legal transitions, table has %d", ok, len(legal))
	}
	t.Logf("%d (status, event, target) triples, %d legal", n, ok)
}

func TestEventConstructors(t *testing.T) {
	for _, tc := range []struct {
		ev   Event
		from Status
		want Status
	}{
		{Submit, StatusDraft, StatusSubmitted},
		{StartProcessing, StatusSubmitted, StatusProcessing},
		{AutoDecision(StatusApproved), StatusProcessing, StatusApproved},
		{ReviewerDecision(StatusRejected), StatusManualReview, StatusRejected},
		{Hold, StatusManualReview, StatusOnHold},
		{Release(StatusSubmitted), StatusOnHold, StatusSubmitted},
		{Resubmit, StatusRetryRequired, StatusSubmitted},
		{EditApplicant, StatusRetryRequired, StatusRetryRequired},
		{Requeue, StatusProcessing, StatusSubmitted},
	} {
		if got, err := Next(tc.from, tc.ev); err != nil || got != tc.want {
			t.Errorf("Next(%s, %+v) = %s, %v; want %s", tc.from, tc.ev, got, err, tc.want)
		}
	}
	// The editing rule: only draft and retry_required.
	for _, s := range Statuses {
		if Can(s, EditApplicant) != s.Editable() {
			t.Errorf("EditApplicant from %s: Can=%v, Editable=%v", s, Can(s, EditApplicant), s.Editable())
		}
		if s.Terminal() && Can(s, Hold) {
			t.Errorf("terminal %s can be held", s)
		}
		if !s.Valid() || s.Title().EN == "" || s.Title().ZH == "" {
			t.Errorf("status %s: invalid or untitled", s)
		}
	}
	if Status("x").Valid() {
		t.Error(`Status("x").Valid()`)
	}
	// The error names the transition for logs.
	_, err := Next(StatusApproved, Submit)
	if err == nil || err.Error() != "INVALID_TRANSITION: This action is not possible in the case's current state; reload the page to see it.: no transition from approved on submit" {
		t.Errorf("error text = %v", err)
	}
}
