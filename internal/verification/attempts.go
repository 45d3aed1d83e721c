package verification

import (
	"fmt"
	"sort"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

// AttemptsLeft says how many submissions a customer has left at now, given
// the times of their earlier submissions, when at most limit are allowed in
// any window (DefaultAttemptLimit and DefaultAttemptWindow when limit or
// window is not positive). A submission counts while it is less than window
// old (submissions stamped after now, from clock skew, count too). When
// none is left, nextAt is the moment the oldest counted submission leaves
// the window and one attempt opens again; otherwise nextAt is zero.
func AttemptsLeft(submits []time.Time, now time.Time, limit int, window time.Duration) (left int, nextAt time.Time) {
	if limit <= 0 {
		limit = DefaultAttemptLimit
	}
	if window <= 0 {
		window = DefaultAttemptWindow
	}
	start := now.Add(-window)
	var in []time.Time
	for _, s := range submits {
		if s.After(start) {
			in = append(in, s)
		}
	}
	left = limit - len(in)
	if left > 0 {
		return left, time.Time{}
	}
	sort.Slice(in, func(i, j int) bool { return in[i].Before(in[j]) })
	// One attempt opens when the count drops to limit-1, that is when
	// in[len(in)-limit] leaves the window.
	return 0, in[len(in)-limit].Add(window)
}

// chinaTime is UTC+8 (China Standard Time), fixed so that no time zone
// database is read.
var chinaTime = time.FixedZone("UTC+8", 8*3600)

// AttemptsExceeded returns the error for a submission refused by the
// attempt limit: kind TooMany, code ATTEMPTS_EXCEEDED, RetryAfter set, and a
// message in both languages that names the limit, the window and when the
// next attempt opens, formatted in loc (UTC+8 when nil), e.g. "You have used
// all 5 attempts allowed in 24 hours. You can try again from 2026-11-27 15:04
// (UTC+8)." / "您在 24 小时内的 5 次认证机会已用完，请于 2026年11月27日 15:04（UTC+8）之后再试。"
func AttemptsExceeded(limit int, window time.Duration, nextAt, now time.Time, loc *time.Location) *errs.Error {
	if loc == nil {
		loc = chinaTime
	}
	if limit <= 0 {
		limit = DefaultAttemptLimit
	}
	if window <= 0 {
		window = DefaultAttemptWindow
	}
	t := nextAt.In(loc)
	zone := t.Format("-07:00")
	if name, _ := t.Zone(); name != "" && name[0] != '+' && name[0] != '-' {
		zone = name
	}
	en, zh := windowText(window)
	e := errs.New(errs.TooMany, CodeAttemptsExceeded,
		fmt.Sprintf("You have used all %d attempts allowed in %s. You can try again from %s (%s); your data and photos are kept.",
			limit, en, t.Format("2006-01-02 15:04"), zone),
		fmt.Sprintf("您在 %s内的 %d 次认证机会已用完，请于 %s（%s）之后再试；您的资料和照片会保留。",
			zh, limit, t.Format("2006年1月2日 15:04"), zone))
	if d := nextAt.Sub(now); d > 0 {
		e.RetryAfter = d
	}
	return e
}

// windowText writes a window as "24 hours" / "24 小时".
func windowText(w time.Duration) (en, zh string) {
	switch {
	case w%(24*time.Hour) == 0 && w >= 48*time.Hour:
		n := int(w / (24 * time.Hour))
		return fmt.Sprintf("%d days", n), fmt.Sprintf("%d 天", n)
	case w%time.Hour == 0:
		n := int(w / time.Hour)
		if n == 1 {
			return "1 hour", "1 小时"
		}
		return fmt.Sprintf("%d hours", n), fmt.Sprintf("%d 小时", n)
	default:
		n := int((w + time.Minute - 1) / time.Minute)
		return fmt.Sprintf("%d minutes", n), fmt.Sprintf("%d 分钟", n)
	}
}

// AttemptsReason is ATTEMPTS_EXCEEDED as a PublicReason in lang, with the
// message of AttemptsExceeded, for the case status page.
func AttemptsReason(limit int, window time.Duration, nextAt, now time.Time, loc *time.Location, lang i18n.Lang) PublicReason {
	e := AttemptsExceeded(limit, window, nextAt, now, loc)
	r := registry[CodeAttemptsExceeded]
	return PublicReason{Code: CodeAttemptsExceeded, Disposition: r.Disposition,
		Message: e.Message.In(lang), Hint: r.Hint.In(lang)}
}
