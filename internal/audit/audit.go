// Package audit is veriwallet's append-only audit trail: who read or
// decided what, when. Each event carries a keyed hash (HMAC-SHA256 with a
// server secret) over the previous event's hash and its own fields, so an
// event that is changed or removed breaks the chain (Verify finds where),
// and without the secret the chain cannot be recomputed after tampering.
// Events name people by account id and things by id; they hold no personal
// data.
package audit

import (
	"context"
	"crypto/hmac"
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
	// Verify checks a run of events read from the store (see Verify).
	Verify(events []Event) (int64, error)
}

// HashOf is the hash an event must carry: HMAC-SHA256 with key over the
// previous hash and the event's fields (not Seq, not Hash), as canonical JSON.
func HashOf(key []byte, e Event) string {
	b, _ := json.Marshal([]any{e.PrevHash, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.Subject, e.Detail, e.RequestID})
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a run of events (consecutive, oldest first) and returns
// the seq of the first one whose hash or link is wrong, or 0.
func Verify(key []byte, events []Event) (int64, error) {
	for i, e := range events {
		if i > 0 && e.PrevHash != events[i-1].Hash {
			return e.Seq, fmt.Errorf("event %d does not follow event %d", e.Seq, events[i-1].Seq)
		}
		if !hmac.Equal([]byte(HashOf(key, e)), []byte(e.Hash)) {
			return e.Seq, fmt.Errorf("event %d was altered", e.Seq)
		}
	}
	return 0, nil
}
