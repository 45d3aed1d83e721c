package verification

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

func TestSignWebhookRecipe(t *testing.T) {
	secret := []byte("whsec_test")
	ts := time.Unix(1764151200, 0)
	body := []byte(`{"event":"verification.approved","id":"c_1"}`)
	got := SignWebhook(secret, ts, body)
	// The documented recipe, computed independently.
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("1764151200." + string(body)))
	want := "t=1764151200,v1=" + hex.EncodeToString(m.Sum(nil))
	if got != want {
		t.Fatalf("SignWebhook = %s, want %s", got, want)
	}
	// A fixed vector, so that receivers in other languages can test against it.
	if got != "t=1764151200,v1="+fixedVector {
		t.Errorf("fixed vector changed: %s", got)
	}
}

// fixedVector is HMAC-SHA256("whsec_test", `1764151200.{"event":"verification.approved","id":"c_1"}`),
// computed with: printf '%s' '1764151200.{"event":"verification.approved","id":"c_1"}' | openssl dgst -sha256 -hmac whsec_test
const fixedVector = "62d9ec023e5ebc515e5c6c6dd2e1190f3f8bdf555b50605a89d678ae06559d18"

func TestVerifyWebhook(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"a":1}`)
	good := SignWebhook(secret, now.Add(-time.Minute), body)
	sig := good[strings.Index(good, "v1=")+3:]
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		tol    time.Duration
		want   *errs.Error
	}{
		{"good", secret, good, body, now, 0, nil},
		{"good with spaces and a rotated extra signature", secret, "t=" + strconv.FormatInt(now.Add(-time.Minute).Unix(), 10) + ", v1=deadbeef, v1=" + sig, body, now, 0, nil},
		{"upper-case keys", secret, strings.ToUpper(good[:2]) + strings.ToUpper(good[2:]), body, now, 0, ErrWebhookSignatureMissing},
		{"upper-case hex value", secret, good[:strings.Index(good, "v1=")+3] + strings.ToUpper(sig), body, now, 0, nil},
		{"wrong secret", []byte("other"), good, body, now, 0, ErrWebhookSignatureInvalid},
		{"body changed", secret, good, []byte(`{"a":2}`), now, 0, ErrWebhookSignatureInvalid},
		{"body re-serialised", secret, good, []byte(`{"a": 1}`), now, 0, ErrWebhookSignatureInvalid},
		{"replay older than tolerance", secret, good, body, now.Add(5 * time.Minute), 0, ErrWebhookSignatureExpired},
		{"custom tolerance", secret, good, body, now.Add(5 * time.Minute), 10 * time.Minute, nil},
		{"from the future", secret, SignWebhook(secret, now.Add(10*time.Minute), body), body, now, 0, ErrWebhookSignatureExpired},
		{"timestamp changed", secret, strings.Replace(good, "t=", "t=1", 1), body, now, 0, ErrWebhookSignatureExpired},
		{"timestamp moved within tolerance", secret, "t=" + strconv.FormatInt(now.Unix(), 10) + ",v1=" + sig, body, now, 0, ErrWebhookSignatureInvalid},
		{"empty", secret, "", body, now, 0, ErrWebhookSignatureMissing},
		{"no v1", secret, "t=1", body, now, 0, ErrWebhookSignatureMissing},
		{"no t", secret, "v1=" + sig, body, now, 0, ErrWebhookSignatureMissing},
		{"two t", secret, good + ",t=1", body, now, 0, ErrWebhookSignatureMissing},
		{"signed t", secret, "t=-1,v1=" + sig, body, now, 0, ErrWebhookSignatureMissing},
		{"huge t", secret, "t=99999999999999999999999,v1=" + sig, body, now, 0, ErrWebhookSignatureMissing},
		{"garbage", secret, "hello", body, now, 0, ErrWebhookSignatureMissing},
		{"too long", secret, good + "," + strings.Repeat("x=1,", 2000), body, now, 0, ErrWebhookSignatureMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyWebhook(tc.secret, tc.header, tc.body, tc.now, tc.tol)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != tc.want {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if errs.KindOf(err) != errs.Unauthenticated {
				t.Errorf("kind = %v", errs.KindOf(err))
			}
		})
	}
}
