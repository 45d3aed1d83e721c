package verification

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// WebhookHeader is the HTTP header that carries a delivery's signature.
const WebhookHeader = "Veriwallet-Signature"

// DefaultWebhookTolerance is how old (or how far in the future) a signed
// timestamp may be before VerifyWebhook refuses it as a replay.
const DefaultWebhookTolerance = 5 * time.Minute

// maxWebhookHeader bounds the header VerifyWebhook parses.
const maxWebhookHeader = 4096

// SignWebhook signs a webhook delivery. The result goes in the
// Veriwallet-Signature header:
//
//	t=<unix seconds>,v1=<hex HMAC-SHA256>
//
// Recipe for receivers, in any language:
//
//  1. Split the header on "," and each part on the first "="; take t and
//     every v1 (there may be several while a secret is being rotated).
//  2. Refuse the delivery when t is more than 5 minutes from your clock
//     (a replay).
//  3. Compute HMAC-SHA256 with the endpoint's secret over the bytes of t
//     (the decimal digits as sent), a full stop ".", and the raw request
//     body exactly as received (before any JSON parsing).
//  4. Hex-encode it (lower case) and compare it with each v1 in constant
//     time (hmac.Equal, crypto.timingSafeEqual, hmac.compare_digest); accept
//     when one matches.
//
// Example in shell: printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac "$secret".
func SignWebhook(secret []byte, timestamp time.Time, body []byte) string {
	t := strconv.FormatInt(timestamp.Unix(), 10)
	return "t=" + t + ",v1=" + webhookMAC(secret, t, body)
}

func webhookMAC(secret []byte, t string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(t))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// The errors VerifyWebhook returns (kind Unauthenticated).
var (
	ErrWebhookSignatureMissing = errs.New(errs.Unauthenticated, "WEBHOOK_SIGNATURE_MISSING",
		"The webhook signature header is missing or malformed.", "Webhook 签名头缺失或格式错误。")
	ErrWebhookSignatureExpired = errs.New(errs.Unauthenticated, "WEBHOOK_SIGNATURE_EXPIRED",
		"The webhook signature's timestamp is outside the allowed tolerance (a replay?).", "Webhook 签名的时间戳超出允许范围（可能是重放）。")
	ErrWebhookSignatureInvalid = errs.New(errs.Unauthenticated, "WEBHOOK_SIGNATURE_INVALID",
		"The webhook signature does not match the body.", "Webhook 签名与请求内容不匹配。")
)

// VerifyWebhook checks a Veriwallet-Signature header against body with
// secret, as the recipe of SignWebhook says: it refuses a malformed header
// (ErrWebhookSignatureMissing), a timestamp further than tolerance from now
// in either direction (ErrWebhookSignatureExpired; DefaultWebhookTolerance
// when tolerance is not positive) and a signature that matches no v1 value
// (ErrWebhookSignatureInvalid). Comparisons are constant-time.
func VerifyWebhook(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	if header == "" || len(header) > maxWebhookHeader {
		return ErrWebhookSignatureMissing
	}
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrWebhookSignatureMissing
		}
		switch k {
		case "t":
			if ts != "" {
				return ErrWebhookSignatureMissing
			}
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return ErrWebhookSignatureMissing
	}
	for i := 0; i < len(ts); i++ {
		if ts[i] < '0' || ts[i] > '9' {
			return ErrWebhookSignatureMissing
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrWebhookSignatureMissing
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance || sec > now.Unix()+int64(tolerance/time.Second)+1 {
		return ErrWebhookSignatureExpired
	}
	want := []byte(webhookMAC(secret, ts, body))
	ok := false
	for _, s := range sigs {
		if hmac.Equal(want, []byte(strings.ToLower(s))) {
			ok = true
		}
	}
	if !ok {
		return ErrWebhookSignatureInvalid
	}
	return nil
}
