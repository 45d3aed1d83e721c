package idrules

import (
	"slices"
	"testing"
	"time"
)

// testNow is the fixed "today" of the tests.
var testNow = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// withCheck appends the GB 11643 check character to 17 digits.
func withCheck(s17 string) string { return s17 + string(mod112(s17)) }

func codes(rs []Reason) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func assertCodes(t *testing.T, got []Reason, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if g := codes(got); !slices.Equal(g, want) {
		t.Errorf("reason codes = %v, want %v", g, want)
	}
	for _, r := range got {
		if r.Message.EN == "" || r.Message.ZH == "" || r.Hint.EN == "" || r.Hint.ZH == "" {
			t.Errorf("reason %s has an empty message or hint: %+v", r.Code, r)
		}
	}
}
