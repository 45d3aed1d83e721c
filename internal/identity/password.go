package identity

import (
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Argon2Params are the argon2id cost parameters. The defaults follow the
// OWASP password storage recommendation (19 MiB, 2 passes, 1 lane).
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2 is the production cost.
var DefaultArgon2 = Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

// Password length bounds, in characters.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, l := range strings.Split(commonPasswordsText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = struct{}{}
		}
	}
	return m
}()

// CheckPassword says why a new password is not acceptable, or nil.
// Errors: Invalid PASSWORD_TOO_SHORT, PASSWORD_TOO_LONG, PASSWORD_TOO_COMMON.
func CheckPassword(pw string, personal ...string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return errs.New(errs.Invalid, "PASSWORD_TOO_SHORT",
			fmt.Sprintf("The password must have at least %d characters.", MinPasswordLen),
			fmt.Sprintf("密码至少需要 %d 个字符。", MinPasswordLen)).OnField("password")
	case n > MaxPasswordLen:
		return errs.New(errs.Invalid, "PASSWORD_TOO_LONG",
			fmt.Sprintf("The password may have at most %d characters.", MaxPasswordLen),
			fmt.Sprintf("密码最多 %d 个字符。", MaxPasswordLen)).OnField("password")
	}
	low := strings.ToLower(pw)
	_, common := commonPasswords[low]
	if !common && allSame(low) {
		common = true
	}
	for _, p := range personal {
		if p = strings.ToLower(p); len(p) >= 4 && strings.Contains(low, p) {
			common = true
		}
	}
	if common {
		return errs.New(errs.Invalid, "PASSWORD_TOO_COMMON",
			"This password is too common or too easy to guess (or contains your email or phone number). Choose another.",
			"这个密码太常见或太容易被猜到（或包含您的邮箱、手机号），请换一个。").OnField("password")
	}
	return nil
}

func allSame(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string, salt []byte, p Argon2Params) string {
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword reports whether pw matches a hash made by HashPassword.
func VerifyPassword(pw, hash string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || p.MemoryKiB > 1<<21 || p.Time > 16 || p.Threads == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
