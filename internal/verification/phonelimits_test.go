package verification

import (
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

func TestPhoneLimitsCheck(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	ago := func(ds ...time.Duration) []time.Time {
		var out []time.Time
		for i := len(ds) - 1; i >= 0; i-- { // oldest first
			out = append(out, now.Add(-ds[i]))
		}
		return out
	}
	l := DefaultPhoneLimits
	for _, c := range []struct {
		name string
		s    PhoneSends
		code string
		wait time.Duration
	}{
		{"none", PhoneSends{}, "", 0},
		{"a minute ago", PhoneSends{Phone: ago(61 * time.Second)}, "", 0},
		{"ten seconds ago", PhoneSends{Phone: ago(10 * time.Second)}, "PHONE_CODE_TOO_SOON", 50 * time.Second},
		{"five this hour", PhoneSends{Phone: ago(2*time.Minute, 10*time.Minute, 20*time.Minute, 30*time.Minute, 40*time.Minute)}, "PHONE_CODE_LIMIT", 20 * time.Minute},
		{"five, the oldest just out", PhoneSends{Phone: ago(2*time.Minute, 10*time.Minute, 20*time.Minute, 30*time.Minute, 61*time.Minute)}, "", 0},
		{"ten today", PhoneSends{Phone: ago(2*time.Hour, 3*time.Hour, 4*time.Hour, 5*time.Hour, 6*time.Hour, 7*time.Hour, 8*time.Hour, 9*time.Hour, 10*time.Hour, 23*time.Hour)}, "PHONE_CODE_LIMIT", time.Hour},
		{"user ten today", PhoneSends{User: ago(1, 2, 3, 4, 5, 6, 7, 8, 9, 20*time.Hour)}, "PHONE_CODE_USER_LIMIT", 4 * time.Hour},
		{"client twenty", PhoneSends{Client: ago(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 30*time.Minute)}, "PHONE_CODE_CLIENT_LIMIT", 30 * time.Minute},
		{"client nineteen", PhoneSends{Client: ago(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)}, "", 0},
	} {
		err := l.Check(now, c.s)
		if c.code == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		e, ok := err.(*errs.Error)
		if !ok || e.Code != c.code || e.Kind != errs.TooMany || e.RetryAfter != c.wait || e.Message.ZH == "" {
			t.Errorf("%s: got %#v, want %s waiting %v", c.name, err, c.code, c.wait)
		}
	}
	// A concurrent send recorded just after now: the wait stays within the window.
	if e, ok := l.Check(now, PhoneSends{Phone: []time.Time{now.Add(300 * time.Millisecond)}}).(*errs.Error); !ok || e.RetryAfter != time.Minute {
		t.Errorf("send ahead of now: %#v", e)
	}
	if err := (PhoneLimits{}).Check(now, PhoneSends{Phone: ago(1, 2, 3)}); err != nil {
		t.Errorf("zero limits are off: %v", err)
	}
}
