// Package audit is veriwallet's append-only audit trail: who read or
// decided what, when. Each event carries the SHA-256 of the previous one, so
// an event that is changed or removed breaks the chain (Verify finds where).
// Events name people by account id and things by id; they hold no personal
// data.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Event is one audited action.
type Event struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`   // "user:<id>" with role, or "system"
	Action    string    `json:"action"`  // e.g. "document.image.read", "case.review.read", "case.review.decide"
	Subject   string    `json:"subject"` // the id acted on
	Detail    string    `json:"detail,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

// Store appends and reads events. Append computes the chain inside its
// transaction, so concurrent appends stay in one line.
type Store interface {
	Append(ctx context.Context, e *Event) error
	Events(ctx context.Context, afterSeq int64, limit int) ([]Event, error)
}

// HashOf is the hash an event must carry: SHA-256 over the previous hash
// and the event's fields (not Seq, not Hash), as canonical JSON.
func HashOf(e Event) string {
	b, _ := json.Marshal([]any{e.PrevHash, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.Subject, e.Detail, e.RequestID})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Verify checks a run of events (consecutive, oldest first) and returns
// the seq of the first one whose hash or link is wrong, or 0.
func Verify(events []Event) (int64, error) {
	for i, e := range events {
		if i > 0 && e.PrevHash != events[i-1].Hash {
			return e.Seq, fmt.Errorf("event %d does not follow event %d", e.Seq, events[i-1].Seq)
		}
		if HashOf(e) != e.Hash {
			return e.Seq, fmt.Errorf("event %d was altered", e.Seq)
		}
	}
	return 0, nil
}
