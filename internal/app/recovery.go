package app

import (
	"context"
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// recoveryCases implements identity.RecoveryCases over the cases store.
type recoveryCases struct{ a *App }

// RecoveryCase implements identity.RecoveryCases.
func (r recoveryCases) RecoveryCase(ctx context.Context, userID, caseID string) (identity.RecoveryCase, error) {
	var out identity.RecoveryCase
	c, err := r.a.Cases.Case(ctx, caseID)
	if errs.KindOf(err) == errs.NotFound || (err == nil && c.UserID != userID) {
		return out, errs.New(errs.NotFound, "CASE_NOT_FOUND", "No such verification.", "认证不存在。")
	}
	if err != nil {
		return out, err
	}
	if c.Applicant.PhoneConfirmed {
		out.Phone = c.Applicant.Phone
	}
	evs, err := r.a.Cases.Events(ctx, caseID)
	if err != nil {
		return out, err
	}
	if c.Status == verification.StatusApproved && len(evs) > 0 {
		last := evs[len(evs)-1]
		out.ReviewerApproved = last.To == verification.StatusApproved && strings.HasPrefix(last.Actor, "reviewer:")
		out.DecidedAt = last.At
	}
	cs, err := r.a.Verifications.List(ctx, userID)
	if err != nil {
		return out, err
	}
	for _, o := range cs {
		if o.ID != c.ID && o.Status == verification.StatusApproved && o.IdentityHash != "" && o.IdentityHash == c.IdentityHash &&
			o.CreatedAt.Before(c.CreatedAt) {
			out.SamePerson = true
		}
	}
	return out, nil
}
