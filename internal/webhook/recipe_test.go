package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/verification"
)

// verify is the receiver's recipe exactly as the package documentation
// shows it for receivers that do not use this module.
func verify(secret string, header string, body []byte, now time.Time) bool {
	var t string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			t = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(t + "."))
	m.Write(body)
	want := []byte(hex.EncodeToString(m.Sum(nil)))
	for _, s := range sigs {
		if hmac.Equal(want, []byte(s)) {
			return true
		}
	}
	return false
}

// TestDocumentedRecipe checks the documented standalone recipe against the
// signer, both ways round.
func TestDocumentedRecipe(t *testing.T) {
	secret := "whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	body := []byte(`{"case_id":"cas_1","status":"approved"}`)
	header := verification.SignWebhook([]byte(secret), t0, body)
	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   bool
	}{
		{"genuine", secret, header, body, t0, true},
		{"genuine, 4 minutes late", secret, header, body, t0.Add(4 * time.Minute), true},
		{"replayed 6 minutes later", secret, header, body, t0.Add(6 * time.Minute), false},
		{"body changed", secret, header, append([]byte(nil), strings.Replace(string(body), "approved", "rejected", 1)...), t0, false},
		{"body re-serialised", secret, header, []byte(`{"case_id": "cas_1", "status": "approved"}`), t0, false},
		{"other secret", secret + "x", header, body, t0, false},
		{"rotated: old and new signatures", secret, header + ",v1=" + strings.Repeat("0", 64), body, t0, true},
		{"no header", secret, "", body, t0, false},
	}
	for _, tt := range tests {
		got := verify(tt.secret, tt.header, tt.body, tt.now)
		lib := verification.VerifyWebhook([]byte(tt.secret), tt.header, tt.body, tt.now, 0) == nil
		if got != tt.want || lib != tt.want {
			t.Errorf("%s: recipe %v, VerifyWebhook %v; want %v", tt.name, got, lib, tt.want)
		}
	}
}
