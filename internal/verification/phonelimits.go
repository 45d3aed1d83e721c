package verification

import (
	"strconv"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// PhoneSends are the earlier sends a new one-time code is counted against,
// each list oldest first: to the same phone number and by the same user in
// the last 24 hours, from the same client address in the last hour.
type PhoneSends struct {
	Phone, User, Client []time.Time
}

// Check says whether one more code may be sent at now. Errors: TooMany
// PHONE_CODE_TOO_SOON, PHONE_CODE_LIMIT, PHONE_CODE_USER_LIMIT,
// PHONE_CODE_CLIENT_LIMIT, each with RetryAfter (the wait until the oldest
// send that counts leaves its window).
func (l PhoneLimits) Check(now time.Time, s PhoneSends) error {
	for _, c := range []struct {
		times  []time.Time
		max    int
		window time.Duration
		code   string
		en, zh string // {wait} stands for the wait, in unit
		unit   func(time.Duration) string
	}{
		{s.Phone, l.PerMinute, time.Minute, "PHONE_CODE_TOO_SOON",
			"A code was sent to this number less than a minute ago; wait for it, or ask again in {wait} s.",
			"验证码刚刚已发送到此号码，请稍候查收，或 {wait} 秒后再试。", seconds},
		{s.Phone, l.PerHour, time.Hour, "PHONE_CODE_LIMIT",
			"Too many codes were sent to this number in the last hour. Try again in {wait} min.",
			"过去一小时内发送到此号码的验证码过多，请 {wait} 分钟后再试。", minutes},
		{s.Phone, l.PerDay, 24 * time.Hour, "PHONE_CODE_LIMIT",
			"Too many codes were sent to this number in the last 24 hours. Try again in {wait} min.",
			"过去 24 小时内发送到此号码的验证码过多，请 {wait} 分钟后再试。", minutes},
		{s.User, l.PerUserDay, 24 * time.Hour, "PHONE_CODE_USER_LIMIT",
			"Your account asked for too many codes in the last 24 hours. Try again in {wait} min, or contact support.",
			"您的账户在过去 24 小时内获取验证码的次数过多，请 {wait} 分钟后再试，或联系客服。", minutes},
		{s.Client, l.PerClientHour, time.Hour, "PHONE_CODE_CLIENT_LIMIT",
			"Too many codes were asked for from your network in the last hour. Try again in {wait} min.",
			"过去一小时内从您的网络获取验证码的次数过多，请 {wait} 分钟后再试。", minutes},
	} {
		if wait := over(now, c.times, c.max, c.window); wait > 0 {
			w := c.unit(wait)
			e := errs.New(errs.TooMany, c.code, strings.ReplaceAll(c.en, "{wait}", w), strings.ReplaceAll(c.zh, "{wait}", w))
			e.RetryAfter = wait
			return e
		}
	}
	return nil
}

// over returns how long to wait until fewer than max of times (oldest
// first) fall within window before now; 0 when one more fits (or max <= 0).
func over(now time.Time, times []time.Time, max int, window time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	from := now.Add(-window)
	in := times
	for len(in) > 0 && !in[0].After(from) {
		in = in[1:]
	}
	if len(in) < max {
		return 0
	}
	// Once the (len-max)th oldest leaves the window, max-1 remain.
	// A concurrent send that took its time just after now (and committed
	// first) can lie ahead of now: never ask for more than the window.
	wait := min(in[len(in)-max].Add(window).Sub(now), window)
	if wait <= 0 {
		wait = time.Second
	}
	return wait
}

func seconds(d time.Duration) string { return strconv.Itoa(int((d + time.Second - 1) / time.Second)) }
func minutes(d time.Duration) string { return strconv.Itoa(int((d + time.Minute - 1) / time.Minute)) }
