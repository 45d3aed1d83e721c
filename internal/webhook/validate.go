package webhook

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// MaxURLLength is the longest endpoint URL accepted, in bytes.
const MaxURLLength = 2048

// The validation errors, on field "url" or "events" (kind Invalid).
var (
	ErrURLInvalid = errs.New(errs.Invalid, "WEBHOOK_URL_INVALID",
		"Enter a complete URL such as https://example.com/webhooks.",
		"请输入完整的网址，例如 https://example.com/webhooks。").OnField("url")
	ErrURLTooLong = errs.New(errs.Invalid, "WEBHOOK_URL_TOO_LONG",
		"The URL is too long (at most 2048 characters).",
		"网址过长（最多 2048 个字符）。").OnField("url")
	ErrURLScheme = errs.New(errs.Invalid, "WEBHOOK_URL_SCHEME",
		"The URL must start with https:// or http://.",
		"网址必须以 https:// 或 http:// 开头。").OnField("url")
	ErrURLUserinfo = errs.New(errs.Invalid, "WEBHOOK_URL_USERINFO",
		"The URL must not contain a user name or password; deliveries are authenticated by their signature.",
		"网址中不能包含用户名或密码；投递通过签名进行认证。").OnField("url")
	ErrEventsEmpty = errs.New(errs.Invalid, "WEBHOOK_EVENTS_EMPTY",
		"Choose at least one event, or * for all of them.",
		"请至少选择一个事件，或用 * 订阅全部事件。").OnField("events")
	ErrEventUnknown = errs.New(errs.Invalid, "WEBHOOK_EVENT_UNKNOWN",
		"Unknown event. Known events: verification.submitted, verification.approved, verification.retry_required, verification.rejected, verification.manual_review, deposit.credited, transfer.completed, withdrawal.requested, withdrawal.completed, withdrawal.cancelled, account.frozen, account.unfrozen, or *.",
		"未知事件。可选事件：verification.submitted、verification.approved、verification.retry_required、verification.rejected、verification.manual_review、deposit.credited、transfer.completed、withdrawal.requested、withdrawal.completed、withdrawal.cancelled、account.frozen、account.unfrozen，或 *。").OnField("events")
)

// ValidateURL checks an endpoint URL and returns it normalised (surrounding
// space trimmed, scheme and host in lower case). It must be an absolute
// http or https URL with a host, at most MaxURLLength bytes of printable
// ASCII (internationalised hosts in punycode), a valid port if any, no user
// name or password and no fragment. Private and loopback addresses are
// allowed: endpoints are configured by administrators, and receivers often
// live on the operator's own network.
//
// Errors (Invalid, field "url"): WEBHOOK_URL_TOO_LONG, WEBHOOK_URL_SCHEME,
// WEBHOOK_URL_USERINFO, WEBHOOK_URL_INVALID.
func ValidateURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if len(s) > MaxURLLength {
		return "", ErrURLTooLong
	}
	if s == "" {
		return "", ErrURLInvalid
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return "", ErrURLInvalid
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", ErrURLInvalid
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", ErrURLScheme
	}
	if u.User != nil {
		return "", ErrURLUserinfo
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" || strings.Contains(s, "#") {
		return "", ErrURLInvalid
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", ErrURLInvalid
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", ErrURLInvalid
	}
	u.Scheme = scheme
	u.Host = strings.ToLower(u.Host)
	out := u.String()
	if len(out) > MaxURLLength {
		return "", ErrURLTooLong
	}
	return out, nil
}

// ValidateEvents checks a subscription list and returns it without repeats,
// in the order given; a list naming AllEvents becomes just [AllEvents].
//
// Errors (Invalid, field "events"): WEBHOOK_EVENTS_EMPTY,
// WEBHOOK_EVENT_UNKNOWN.
func ValidateEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, ErrEventsEmpty
	}
	if len(events) > 64 {
		return nil, ErrEventUnknown // more than could be distinct
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range events {
		e = strings.TrimSpace(e)
		if e == AllEvents {
			out = []string{AllEvents}
			for _, rest := range events {
				if r := strings.TrimSpace(rest); r != AllEvents && !KnownEvent(r) {
					return nil, ErrEventUnknown
				}
			}
			return out, nil
		}
		if !KnownEvent(e) {
			return nil, ErrEventUnknown
		}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out, nil
}
