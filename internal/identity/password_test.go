package identity

import (
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/errs"
)

var cheap = Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		pw, personal, code string
	}{
		{"short", "", "PASSWORD_TOO_SHORT"},
		{"密码太短了", "", "PASSWORD_TOO_SHORT"},
		{strings.Repeat("x", 129) + "1", "", "PASSWORD_TOO_LONG"},
		{"Password123", "", "PASSWORD_TOO_COMMON"},
		{"woaini1314", "", "PASSWORD_TOO_COMMON"},
		{"zzzzzzzzzz", "", "PASSWORD_TOO_COMMON"},
		{"alice-rocks-2026", "alice", "PASSWORD_TOO_COMMON"},
		{"correct horse battery", "", ""},
		{"长城长又长的密码啊", "", ""},
	} {
		err := CheckPassword(tc.pw, tc.personal)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%q: unexpected %v", tc.pw, err)
			}
			continue
		}
		if !errs.Is(err, tc.code) {
			t.Errorf("%q: got %v, want %s", tc.pw, err, tc.code)
		}
		if e := errs.As(err); e.Field != "password" || e.Message.ZH == "" || e.Message.EN == "" {
			t.Errorf("%q: error lacks field or a language: %+v", tc.pw, e)
		}
	}
}

func TestHashVerify(t *testing.T) {
	h := HashPassword("s3cret-pass", []byte("0123456789abcdef"), cheap)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash format: %s", h)
	}
	if !VerifyPassword("s3cret-pass", h) {
		t.Fatal("right password refused")
	}
	for _, bad := range []string{"s3cret-pasS", "", "s3cret-pass "} {
		if VerifyPassword(bad, h) {
			t.Errorf("wrong password %q accepted", bad)
		}
	}
	for _, junk := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=64,t=1,p=0$AAAA$AAAA"} {
		if VerifyPassword("x", junk) {
			t.Errorf("junk hash %q verified", junk)
		}
	}
}
