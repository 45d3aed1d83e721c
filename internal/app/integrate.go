package app

import (
	"context"

	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/screening"
)

// screeningItems puts open screening hits in the reviewers' queue.
func screeningItems(s *screening.Service) review.Source {
	return review.SourceFunc(func(ctx context.Context) ([]review.Item, error) {
		hs, err := s.Hits(ctx, screening.HitOpen, 500)
		if err != nil {
			return nil, err
		}
		out := make([]review.Item, 0, len(hs))
		for _, h := range hs {
			reason := "SANCTIONS_HIT"
			if h.Category == "pep" {
				reason = "PEP_HIT"
			}
			out = append(out, review.Item{ID: review.KindScreeningHit + ":" + h.ID, Kind: review.KindScreeningHit,
				CaseID: h.CaseID, UserID: h.UserID, Reasons: []string{reason}, Since: h.CreatedAt,
				Link: "/api/v1/review/screening/hits?status=open"})
		}
		return out, nil
	})
}

// openHits counts a customer's open screening hits, for risk scoring.
func openHits(s *screening.Service) func(ctx context.Context, userID string) (int, error) {
	return func(ctx context.Context, userID string) (int, error) {
		hs, err := s.Hits(ctx, screening.HitOpen, 500)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, h := range hs {
			if h.UserID == userID {
				n++
			}
		}
		return n, nil
	}
}
