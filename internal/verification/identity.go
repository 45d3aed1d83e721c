package verification

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// IdentityHash returns the keyed hash (hex HMAC-SHA256 with key, a server
// secret) that identifies the person behind a's ID document, so that the
// same identity on two accounts can be found without storing the number in
// plain text. It covers the normalised ID type and number, and for passports
// the nationality too (passport numbers are unique only per issuing
// country). It returns "" when a has no ID type or number.
func IdentityHash(key []byte, a Applicant) string {
	t, n := normType(a.IDType), normNumber(a.IDNumber)
	if t == "" || n == "" {
		return ""
	}
	msg := t + ":" + n
	if t == IDPassport {
		msg = t + ":" + normCode(a.Nationality) + ":" + n
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("veriwallet identity v1\x00" + msg))
	return hex.EncodeToString(m.Sum(nil))
}

// Webhook event names, one per outcome a customer's case can reach.
const (
	WebhookSubmitted     = "verification.submitted"
	WebhookApproved      = "verification.approved"
	WebhookRetryRequired = "verification.retry_required"
	WebhookRejected      = "verification.rejected"
	WebhookManualReview  = "verification.manual_review"
)

// WebhookEvent returns the webhook event a case entering status s sends;
// ok is false for statuses that send none (draft, processing, on_hold).
func WebhookEvent(s Status) (event string, ok bool) {
	switch s {
	case StatusSubmitted:
		return WebhookSubmitted, true
	case StatusApproved:
		return WebhookApproved, true
	case StatusRetryRequired:
		return WebhookRetryRequired, true
	case StatusRejected:
		return WebhookRejected, true
	case StatusManualReview:
		return WebhookManualReview, true
	}
	return "", false
}

// Steps returns the wizard's steps for requirements, in order and without
// repeats: StepApplicant when any field is required, StepPhone, one
// "documents:<kind>" per required document (the first kind of a choice) and
// "review" when a person will review.
func Steps(reqs []Requirement) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, r := range reqs {
		switch r.Type {
		case ReqField:
			add(StepApplicant)
		case ReqStep:
			add(r.Name)
		case ReqDocument:
			add(DocumentStep(r.Name))
		case ReqReview:
			add("review")
		}
	}
	return out
}

// Left applies the policy: see AttemptsLeft.
func (p AttemptPolicy) Left(submits []time.Time, now time.Time) (left int, nextAt time.Time) {
	return AttemptsLeft(submits, now, p.Limit, time.Duration(p.Window))
}
