package identity

import (
	"testing"
	"time"
)

// TestTOTPCode: the RFC 6238 appendix B vectors (SHA-1), cut to 6 digits.
func TestTOTPCode(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, tc := range []struct {
		at   int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		if got := TOTPCode(secret, time.Unix(tc.at, 0)); got != tc.want {
			t.Errorf("TOTPCode(%d) = %s, want %s", tc.at, got, tc.want)
		}
	}
	now := time.Unix(1111111109, 0)
	if matchStep(secret, "081804", now) != 1111111109/30 || matchStep(secret, "081804", now.Add(20*time.Second)) != 1111111109/30 {
		t.Error("a code of this step or the one before is accepted")
	}
	if matchStep(secret, "081804", now.Add(61*time.Second)) != -1 || matchStep(secret, "", now) != -1 || matchStep(secret, "08180", now) != -1 {
		t.Error("an old, empty or short code is refused")
	}
	if recoveryHash("u1", "ABCD-efgh") == nil || string(recoveryHash("u1", "abcd-efgh")) != string(recoveryHash("u1", " ABCDEFGH ")) ||
		string(recoveryHash("u1", "abcdefgh")) == string(recoveryHash("u2", "abcdefgh")) {
		t.Error("recovery codes: case and dashes ignored, salted by user")
	}
}
