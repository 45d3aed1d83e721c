package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/export"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/wallet"

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

// walletLinks adapts the ledger to what the back office, screening,
// account closing and the data export need of it.
type walletLinks struct{ a *App }

// Freeze implements review.Freezer.
func (w walletLinks) Freeze(ctx context.Context, actorID, userID, reason string) error {
	_, err := w.a.Wallet.Freeze(ctx, userID, reason, "reviewer:"+actorID, "")
	return err
}

// Unfreeze implements review.Freezer (after the second reviewer agreed).
func (w walletLinks) Unfreeze(ctx context.Context, actorID, userID, reason string) error {
	_, err := w.a.Wallet.Unfreeze(ctx, userID, reason, "reviewer:"+actorID, "")
	return err
}

// WalletState implements review.WalletStates.
func (w walletLinks) WalletState(ctx context.Context, userID string) (review.WalletState, error) {
	f, err := w.a.Wallet.Frozen(ctx, userID)
	if err != nil {
		return review.WalletState{}, err
	}
	bs, err := w.a.Wallet.Balances(ctx, userID)
	if err != nil {
		return review.WalletState{}, err
	}
	st := review.WalletState{Exists: len(bs) > 0, Frozen: f.Frozen, Balances: map[string]string{}}
	for _, b := range bs {
		if as, err := w.a.Wallet.Assets().Get(b.Asset); err == nil {
			st.Balances[b.Asset] = ledger.FormatAmount(as, b.Balance)
		}
	}
	return st, nil
}

// Transactions implements review.Transactions (suspicious-activity reports).
func (w walletLinks) Transactions(ctx context.Context, userID string, limit int) ([]review.Transaction, error) {
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	es, _, err := w.a.Wallet.Transactions(ctx, userID, ledger.TxFilter{Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]review.Transaction, 0, len(es))
	for _, e := range es {
		amt := fmt.Sprint(e.Amount)
		if as, err := w.a.Wallet.Assets().Get(e.Asset); err == nil {
			amt = ledger.FormatAmount(as, e.Amount)
		}
		out = append(out, review.Transaction{ID: e.TxID, At: e.CreatedAt, Kind: e.Type, Amount: amt, Currency: e.Asset,
			Counterparty: e.Counterparty})
	}
	return out, nil
}

// screeningFreezer implements screening.WalletFreezer: a confirmed
// sanctions hit freezes the wallet.
type screeningFreezer struct{ a *App }

func (s screeningFreezer) Freeze(ctx context.Context, userID, reason string) error {
	if _, err := s.a.Wallet.Freeze(ctx, userID, reason, "screening", ""); err != nil {
		return err
	}
	return s.a.Review.WalletFrozen(ctx, userID)
}

// ClosureBlocker implements identity.ClosureBlocker: an account closes only
// with every balance at zero and no open hold.
func (w walletLinks) ClosureBlocker(ctx context.Context, userID string) error {
	bs, err := w.a.Wallet.Balances(ctx, userID)
	if err != nil {
		return err
	}
	for _, b := range bs {
		if b.Balance != 0 || b.Held != 0 {
			return errs.New(errs.Conflict, "ACCOUNT_HAS_BALANCE",
				"Your wallet still holds money or has a withdrawal in progress: withdraw or transfer it before closing the account.",
				"您的钱包仍有余额或正在处理的提现：请先提现或转出，再注销账户。")
		}
	}
	return nil
}

// ExportSection implements export.Source: the customer's wallet
// transactions in the personal data export.
func (w walletLinks) ExportSection(ctx context.Context, userID string) (*export.Section, error) {
	var recs []map[string]any
	cursor := ""
	for {
		es, next, err := w.a.Wallet.Transactions(ctx, userID, ledger.TxFilter{Limit: 200, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			amt := fmt.Sprint(e.Amount)
			if as, err := w.a.Wallet.Assets().Get(e.Asset); err == nil {
				amt = ledger.FormatAmount(as, e.Amount)
			}
			recs = append(recs, map[string]any{"transaction_id": e.TxID, "type": e.Type, "asset": e.Asset, "amount": amt,
				"counterparty_user_id": e.Counterparty, "memo": e.Memo, "reference": e.Reference, "created_at": e.CreatedAt})
		}
		if next == "" || len(es) == 0 {
			break
		}
		cursor = next
	}
	return &export.Section{Name: "transactions", Records: recs}, nil
}

// sendsBlocked refuses payments for a while after a password reset (the
// takeover pattern: reset the password, then drain the wallet), then asks
// the payment password.
type sendsBlocked struct {
	ledger.PaymentPasswords
	a *App
}

func (s sendsBlocked) Check(ctx context.Context, userID, pin string) error {
	until, err := s.a.Accounts.WalletSendsBlockedUntil(ctx, userID)
	if err != nil {
		return err
	}
	if now := s.a.now(); now.Before(until) {
		return identity.ErrSendsBlocked(until, now)
	}
	return s.PaymentPasswords.Check(ctx, userID, pin)
}

// walletAlerts puts open AML alerts in the reviewers' queue.
func walletAlerts(a *App) review.Source {
	return review.SourceFunc(func(ctx context.Context) ([]review.Item, error) {
		if a.Surface == nil || a.Surface.Monitor == nil {
			return nil, nil
		}
		as, err := a.Surface.Monitor.Alerts(ctx, wallet.AlertFilter{Limit: 200})
		if err != nil {
			return nil, err
		}
		out := make([]review.Item, 0, len(as))
		for _, al := range as {
			if al.Status != "" && al.Status != "open" {
				continue
			}
			out = append(out, review.Item{ID: review.KindWalletAlert + ":" + al.ID, Kind: review.KindWalletAlert,
				UserID: al.UserID, Reasons: []string{"AML_" + strings.ToUpper(al.Rule)}, Since: al.CreatedAt,
				Link: "/api/v1/review/alerts?user_id=" + al.UserID})
		}
		return out, nil
	})
}

// alertCount counts a customer's AML alerts, for risk scoring.
func alertCount(a *App) func(ctx context.Context, userID string) (int, error) {
	return func(ctx context.Context, userID string) (int, error) {
		if a.Surface == nil || a.Surface.Monitor == nil {
			return 0, nil
		}
		as, err := a.Surface.Monitor.Alerts(ctx, wallet.AlertFilter{UserID: userID, Limit: 200})
		return len(as), err
	}
}
