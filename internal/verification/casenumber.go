package verification

import (
	"context"
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// CaseNumberStore is implemented by stores that find cases by their short
// number (CaseNumber), for support staff.
type CaseNumberStore interface {
	// CaseIDsByNumber lists at most limit ids of cases whose number is
	// number (upper case).
	CaseIDsByNumber(ctx context.Context, number string, limit int) ([]string, error)
}

// IsCaseNumber reports whether s has the shape of a case number: 8
// hexadecimal digits, in either case (a case id is longer, so the two never
// mix up).
func IsCaseNumber(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// CaseIDByNumber finds the case a customer's case number names.
// Errors: NotFound CASE_NOT_FOUND; Conflict CASE_NUMBER_AMBIGUOUS (two
// cases share the number: ask for the case id).
func (s *Service) CaseIDByNumber(ctx context.Context, number string) (string, error) {
	st, ok := s.Store.(CaseNumberStore)
	if !ok || !IsCaseNumber(number) {
		return "", ErrCaseNotFound
	}
	ids, err := st.CaseIDsByNumber(ctx, strings.ToUpper(number), 2)
	if err != nil {
		return "", err
	}
	switch len(ids) {
	case 0:
		return "", ErrCaseNotFound
	case 1:
		return ids[0], nil
	}
	return "", errs.New(errs.Conflict, "CASE_NUMBER_AMBIGUOUS", "Two cases have this number; ask the customer for the case id.",
		"有两条认证记录使用此编号，请向客户索取认证记录 ID。")
}
