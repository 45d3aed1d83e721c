package wallet

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/veriwallet/veriwallet/internal/idrules"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// CaseLister lists a user's verification cases (verification.Store, as
// *sqlstore.Cases implements it).
type CaseLister interface {
	CasesOf(ctx context.Context, userID string) ([]*verification.Case, error)
}

// Verified answers what the wallet needs to know of a customer's
// verification: their level (the highest approved, ranked by the levels
// file), the birth date on their ID and their masked name.
type Verified struct {
	Cases  CaseLister
	Levels verification.Levels
	Now    func() time.Time
}

// Best returns the user's approved case of the highest rank (nil when
// none) and that rank (-1 when none).
func (v *Verified) Best(ctx context.Context, userID string) (*verification.Case, int, error) {
	cs, err := v.Cases.CasesOf(ctx, userID)
	if err != nil {
		return nil, -1, err
	}
	var best *verification.Case
	rank := -1
	for _, c := range cs {
		if c.Status != verification.StatusApproved {
			continue
		}
		if r := v.Levels.LevelRank(c.Level); r > rank {
			best, rank = c, r
		}
	}
	return best, rank, nil
}

// VerifiedBirthDate implements Identity's birth date: from the user's
// best approved case (zero when the ID carries none).
func (v *Verified) VerifiedBirthDate(ctx context.Context, userID string) (idrules.Date, bool, error) {
	c, _, err := v.Best(ctx, userID)
	if err != nil || c == nil {
		return idrules.Date{}, false, err
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	d, _ := verification.BirthDate(c.Applicant, now)
	return d, true, nil
}

// MaskedName is the user's verified name masked as Chinese wallets show a
// payee: the family name's first character kept (李*, 欧阳** → 欧**), or
// each Latin word's first letter kept (J*** S****). ok is false when the
// user is not verified.
func (v *Verified) MaskedName(ctx context.Context, userID string) (string, bool, error) {
	c, _, err := v.Best(ctx, userID)
	if err != nil || c == nil {
		return "", false, err
	}
	return MaskName(c.Applicant.FullName), true, nil
}

// MaskName masks a full name: Han names keep their first character (李*,
// 张** for 张小明), Latin names each word's first letter (J*** S****).
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	first, _ := utf8.DecodeRuneInString(name)
	if unicode.Is(unicode.Han, first) {
		n := 0
		for _, r := range name {
			if !unicode.IsSpace(r) && r != '·' {
				n++
			}
		}
		return string(first) + strings.Repeat("*", max(n-1, 1))
	}
	words := strings.FieldsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
	for i, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + strings.Repeat("*", max(utf8.RuneCountInString(w[size:]), 1))
	}
	return strings.Join(words, " ")
}
