package verification

import (
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

// Status is the state of a verification case.
type Status string

// The statuses of a case.
const (
	StatusDraft         Status = "draft"          // the customer is filling it in
	StatusSubmitted     Status = "submitted"      // queued for the pipeline
	StatusProcessing    Status = "processing"     // a worker is running the checks
	StatusApproved      Status = "approved"       // verified (terminal)
	StatusRetryRequired Status = "retry_required" // the customer must redo some steps
	StatusRejected      Status = "rejected"       // cannot be approved (terminal)
	StatusManualReview  Status = "manual_review"  // waiting for a reviewer
	StatusOnHold        Status = "on_hold"        // paused by staff or by maintenance
)

// Statuses lists every status.
var Statuses = []Status{StatusDraft, StatusSubmitted, StatusProcessing, StatusApproved,
	StatusRetryRequired, StatusRejected, StatusManualReview, StatusOnHold}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Terminal reports whether no event but Hold can leave s (approved and rejected).
func (s Status) Terminal() bool { return s == StatusApproved || s == StatusRejected }

// Editable reports whether the customer may change the applicant data and the
// documents of a case in status s (draft and retry_required).
func (s Status) Editable() bool { return s == StatusDraft || s == StatusRetryRequired }

// EventKind names what happens to a case.
type EventKind string

// The event kinds.
const (
	EventEditApplicant   EventKind = "edit_applicant"   // the customer saves the applicant form
	EventAttachDocument  EventKind = "attach_document"  // the customer adds or replaces a document
	EventConfirmPhone    EventKind = "confirm_phone"    // the customer enters the one-time code
	EventSubmit          EventKind = "submit"           // the customer submits a draft
	EventResubmit        EventKind = "resubmit"         // the customer submits again after retry_required
	EventStartProcessing EventKind = "start_processing" // a worker picks the case up
	EventRequeue         EventKind = "requeue"          // a worker gives the case back (crash, shutdown, our fault)
	EventDecide          EventKind = "decide"           // the decision engine's outcome (To says which)
	EventReviewerDecide  EventKind = "reviewer_decide"  // a reviewer's outcome (To says which)
	EventHold            EventKind = "hold"             // staff or maintenance pause the case
	EventRelease         EventKind = "release"          // staff resume a held case (To says where)
)

// EventKinds lists every event kind.
var EventKinds = []EventKind{EventEditApplicant, EventAttachDocument, EventConfirmPhone,
	EventSubmit, EventResubmit, EventStartProcessing, EventRequeue, EventDecide,
	EventReviewerDecide, EventHold, EventRelease}

// Event is something that happens to a case. Decide, ReviewerDecide and
// Release name the status they lead to in To; the others leave To empty.
type Event struct {
	Kind EventKind `json:"kind"`
	To   Status    `json:"to,omitempty"`
}

// The events without a target.
var (
	EditApplicant   = Event{Kind: EventEditApplicant}
	AttachDocument  = Event{Kind: EventAttachDocument}
	ConfirmPhone    = Event{Kind: EventConfirmPhone}
	Submit          = Event{Kind: EventSubmit}
	Resubmit        = Event{Kind: EventResubmit}
	StartProcessing = Event{Kind: EventStartProcessing}
	Requeue         = Event{Kind: EventRequeue}
	Hold            = Event{Kind: EventHold}
)

// AutoDecision is the decision engine's outcome event: to is approved,
// retry_required, rejected or manual_review.
func AutoDecision(to Status) Event { return Event{Kind: EventDecide, To: to} }

// ReviewerDecision is a reviewer's outcome event: to is approved,
// retry_required or rejected.
func ReviewerDecision(to Status) Event { return Event{Kind: EventReviewerDecide, To: to} }

// Release resumes a held case: to is submitted (run the checks again),
// manual_review (give it to a reviewer) or retry_required (give it back to
// the customer).
func Release(to Status) Event { return Event{Kind: EventRelease, To: to} }

// transition is one row of the table: from a status, on an event kind, to one
// of the allowed targets (a fixed target when the event carries none).
type transition struct {
	to      Status   // for events without a target
	targets []Status // for Decide, ReviewerDecide and Release
}

// editing keeps the status: the customer changes data in draft or retry_required.
var editing = transition{}

// transitions is the whole state machine. Anything not listed is illegal.
var transitions = map[Status]map[EventKind]transition{
	StatusDraft: {
		EventEditApplicant:  editing,
		EventAttachDocument: editing,
		EventConfirmPhone:   editing,
		EventSubmit:         {to: StatusSubmitted},
	},
	StatusSubmitted: {
		EventStartProcessing: {to: StatusProcessing},
		EventHold:            {to: StatusOnHold},
	},
	StatusProcessing: {
		EventDecide:  {targets: []Status{StatusApproved, StatusRetryRequired, StatusRejected, StatusManualReview}},
		EventRequeue: {to: StatusSubmitted},
		EventHold:    {to: StatusOnHold},
	},
	StatusRetryRequired: {
		EventEditApplicant:  editing,
		EventAttachDocument: editing,
		EventConfirmPhone:   editing,
		EventResubmit:       {to: StatusSubmitted},
		EventHold:           {to: StatusOnHold},
	},
	StatusManualReview: {
		EventReviewerDecide: {targets: []Status{StatusApproved, StatusRetryRequired, StatusRejected}},
		EventHold:           {to: StatusOnHold},
	},
	StatusOnHold: {
		EventRelease: {targets: []Status{StatusSubmitted, StatusManualReview, StatusRetryRequired}},
	},
	StatusApproved: {},
	StatusRejected: {},
}

// ErrInvalidTransition is the error Next returns (kind Conflict, code
// INVALID_TRANSITION) for an event a case in its status cannot take.
var ErrInvalidTransition = errs.New(errs.Conflict, "INVALID_TRANSITION",
	"This action is not possible in the case's current state; reload the page to see it.",
	"当前认证状态下无法进行此操作，请刷新页面查看最新状态。")

// Next returns the status a case in status from moves to on ev. It is a pure
// lookup in one explicit table; an illegal transition (including an unknown
// status, event or target) returns ErrInvalidTransition, whose Err names the
// transition for logs.
func Next(from Status, ev Event) (Status, error) {
	row, ok := transitions[from]
	if !ok {
		return from, invalid(from, ev)
	}
	t, ok := row[ev.Kind]
	if !ok {
		return from, invalid(from, ev)
	}
	if t.targets == nil {
		if ev.To != "" {
			return from, invalid(from, ev)
		}
		if t.to == "" {
			return from, nil // editing keeps the status
		}
		return t.to, nil
	}
	for _, s := range t.targets {
		if ev.To == s {
			return s, nil
		}
	}
	return from, invalid(from, ev)
}

// Can reports whether Next(from, ev) is legal.
func Can(from Status, ev Event) bool {
	_, err := Next(from, ev)
	return err == nil
}

func invalid(from Status, ev Event) *errs.Error {
	return ErrInvalidTransition.Wrap(transitionError{from, ev})
}

type transitionError struct {
	from Status
	ev   Event
}

// Error names the refused transition, for logs.
func (e transitionError) Error() string {
	s := "no transition from " + string(e.from) + " on " + string(e.ev.Kind)
	if e.ev.To != "" {
		s += " to " + string(e.ev.To)
	}
	return s
}

// Title returns a status's name for customers in both languages.
func (s Status) Title() i18n.Text {
	switch s {
	case StatusDraft:
		return i18n.T("Not submitted", "未提交")
	case StatusSubmitted, StatusProcessing:
		return i18n.T("Checking", "核验中")
	case StatusApproved:
		return i18n.T("Verified", "已认证")
	case StatusRetryRequired:
		return i18n.T("Action needed", "需要补充或修改")
	case StatusRejected:
		return i18n.T("Not approved", "未通过")
	case StatusManualReview, StatusOnHold:
		return i18n.T("Being reviewed", "人工审核中")
	}
	return i18n.T("Unknown", "未知")
}
