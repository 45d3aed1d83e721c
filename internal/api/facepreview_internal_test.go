package api

import (
	"testing"
	"time"
)

// TestPreviewLimiter: a burst of previewBurst frames, then one per
// previewEvery, per user.
func TestPreviewLimiter(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	l := &previewLimiter{now: func() time.Time { return now }}
	for i := range previewBurst {
		if !l.allow("u1") {
			t.Fatalf("frame %d of the burst refused", i+1)
		}
	}
	if l.allow("u1") {
		t.Fatal("a frame past the burst allowed")
	}
	if !l.allow("u2") {
		t.Fatal("another user limited")
	}
	now = now.Add(previewEvery)
	if !l.allow("u1") || l.allow("u1") {
		t.Fatal("not one frame per previewEvery after the burst")
	}
	now = now.Add(time.Hour)
	n := 0
	for l.allow("u1") {
		n++
	}
	if n != previewBurst {
		t.Fatalf("after an hour %d frames, want the burst %d", n, previewBurst)
	}
}
