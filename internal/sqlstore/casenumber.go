package sqlstore

import (
	"context"
	"strings"

	"github.com/veriwallet/veriwallet/internal/verification"
)

var _ verification.CaseNumberStore = (*Cases)(nil)

// CaseIDsByNumber implements verification.CaseNumberStore: a case's number
// is the upper-cased start of its id (verification.CaseNumber).
func (s *Cases) CaseIDsByNumber(ctx context.Context, number string, limit int) ([]string, error) {
	return s.db.queryStrings(ctx, `SELECT id FROM cases WHERE substr(id, 1, 12) = $1 ORDER BY id LIMIT $2`,
		"ver_"+strings.ToLower(number), limit)
}
