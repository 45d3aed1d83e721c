package identity

import (
	"strings"
	"testing"
	"time"
)

func TestNetworkOf(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.0/24",
		"::ffff:203.0.113.200": "203.0.113.0/24",
		"2001:db8:1:2::1":      "2001:db8:1::/48",
		"not an address":       "",
		"":                     "",
	} {
		if got := NetworkOf(in); got != want {
			t.Errorf("NetworkOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrSendsBlockedSaysWhen(t *testing.T) {
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	e := ErrSendsBlocked(now.Add(24*time.Hour), now)
	if e.Code != "SENDS_BLOCKED_AFTER_RESET" || !strings.Contains(e.Message.EN, "2026-12-04 16:00") ||
		!strings.Contains(e.Message.ZH, "2026-12-04 16:00") || e.RetryAfter != 24*time.Hour {
		t.Fatalf("%+v", e)
	}
}
