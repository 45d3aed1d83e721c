package audit

import (
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	key := []byte("k")
	var evs []Event
	prev := ""
	for i := range 4 {
		e := Event{Seq: int64(i + 1), At: time.Date(2026, 11, 26, 8, 0, i, 0, time.UTC), Actor: "user:u", Action: "case.review.read", Subject: "ver_1", PrevHash: prev}
		e.Hash = HashOf(key, e)
		prev = e.Hash
		evs = append(evs, e)
	}
	if seq, err := Verify(key, evs); err != nil || seq != 0 {
		t.Fatalf("good chain: %d %v", seq, err)
	}
	if seq, _ := Verify([]byte("other"), evs); seq != 1 {
		t.Fatalf("wrong key accepted (first bad %d)", seq)
	}
	cut := append(append([]Event(nil), evs[:1]...), evs[2:]...)
	if seq, _ := Verify(key, cut); seq != 3 {
		t.Fatalf("removed event not found: %d", seq)
	}
	evs[2].Detail = "changed"
	if seq, _ := Verify(key, evs); seq != 3 {
		t.Fatalf("changed event not found: %d", seq)
	}
}
