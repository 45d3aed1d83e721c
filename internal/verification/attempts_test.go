package verification

import (
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

func TestAttemptsLeft(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	ago := func(d ...time.Duration) []time.Time {
		var out []time.Time
		for _, x := range d {
			out = append(out, now.Add(-x))
		}
		return out
	}
	h := time.Hour
	tests := []struct {
		name   string
		s      []time.Time
		limit  int
		window time.Duration
		left   int
		next   time.Time
	}{
		{"none", nil, 5, 24 * h, 5, time.Time{}},
		{"defaults", ago(h), 0, 0, 4, time.Time{}},
		{"four", ago(1*h, 2*h, 3*h, 4*h), 5, 24 * h, 1, time.Time{}},
		{"five: next when the oldest leaves", ago(1*h, 2*h, 3*h, 4*h, 5*h), 5, 24 * h, 0, now.Add(19 * h)},
		{"order does not matter", ago(3*h, 5*h, 1*h, 4*h, 2*h), 5, 24 * h, 0, now.Add(19 * h)},
		{"old ones do not count", ago(1*h, 2*h, 3*h, 4*h, 25*h, 48*h), 5, 24 * h, 1, time.Time{}},
		{"exactly window old does not count", ago(1*h, 2*h, 3*h, 4*h, 24*h), 5, 24 * h, 1, time.Time{}},
		{"seven with limit five: the third oldest must leave", ago(1*h, 2*h, 3*h, 4*h, 5*h, 6*h, 7*h), 5, 24 * h, 0, now.Add(19 * h)},
		{"future stamps count", []time.Time{now.Add(time.Minute)}, 1, 24 * h, 0, now.Add(time.Minute + 24*h)},
		{"short window", ago(10 * time.Minute), 1, 30 * time.Minute, 0, now.Add(20 * time.Minute)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			left, next := AttemptsLeft(tc.s, now, tc.limit, tc.window)
			if left != tc.left || !next.Equal(tc.next) {
				t.Errorf("got %d, %v; want %d, %v", left, next, tc.left, tc.next)
			}
		})
	}
}

func TestAttemptsExceeded(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	next := now.Add(19*time.Hour + 30*time.Minute) // 2026-11-27 07:30 UTC = 15:30 UTC+8
	e := AttemptsExceeded(5, 24*time.Hour, next, now, nil)
	if e.Kind != errs.TooMany || e.Code != CodeAttemptsExceeded || e.RetryAfter != 19*time.Hour+30*time.Minute {
		t.Errorf("error = %+v", e)
	}
	wantEN := "You have used all 5 attempts allowed in 24 hours. You can try again from 2026-11-27 15:30 (UTC+8); your data and photos are kept."
	wantZH := "您在 24 小时内的 5 次认证机会已用完，请于 2026年11月27日 15:30（UTC+8）之后再试；您的资料和照片会保留。"
	if e.Message.EN != wantEN || e.Message.ZH != wantZH {
		t.Errorf("messages:\n%s\n%s", e.Message.EN, e.Message.ZH)
	}
	utc := AttemptsExceeded(3, 48*time.Hour, next, now, time.UTC)
	if !strings.Contains(utc.Message.EN, "3 attempts allowed in 2 days") || !strings.Contains(utc.Message.EN, "2026-11-27 07:30 (UTC)") ||
		!strings.Contains(utc.Message.ZH, "2 天内") {
		t.Errorf("UTC message: %s / %s", utc.Message.EN, utc.Message.ZH)
	}
	if m := AttemptsExceeded(1, 90*time.Minute, now.Add(-time.Minute), now, time.FixedZone("", -5*3600)); m.RetryAfter != 0 ||
		!strings.Contains(m.Message.EN, "90 minutes") || !strings.Contains(m.Message.EN, "(-05:00)") {
		t.Errorf("past next / offset zone: %+v", m)
	}
	p := AttemptsReason(5, 24*time.Hour, next, now, nil, i18n.ZH)
	if p.Code != CodeAttemptsExceeded || p.Message != wantZH || p.Hint == "" || p.Disposition != Retry {
		t.Errorf("public reason = %+v", p)
	}
	// The whole flow: the 6th submission within a day is refused until the
	// first leaves the window.
	var subs []time.Time
	for i := 0; i < 5; i++ {
		subs = append(subs, now.Add(time.Duration(i)*time.Hour))
	}
	left, at := AttemptsLeft(subs, now.Add(5*time.Hour), DefaultAttemptLimit, DefaultAttemptWindow)
	if left != 0 || !at.Equal(now.Add(24*time.Hour)) {
		t.Errorf("left %d at %v", left, at)
	}
	if left, _ := AttemptsLeft(subs, now.Add(24*time.Hour), DefaultAttemptLimit, DefaultAttemptWindow); left != 1 {
		t.Errorf("after the window: %d left", left)
	}
}
