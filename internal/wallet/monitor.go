package wallet

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/veriwallet/veriwallet/internal/ledger"
)

// Webhook events of the wallet (the existing signed deliveries carry them).
const (
	WebhookDepositCredited     = "deposit.credited"
	WebhookTransferCompleted   = "transfer.completed"
	WebhookWithdrawalRequested = "withdrawal.requested"
	WebhookWithdrawalCompleted = "withdrawal.completed"
	WebhookWithdrawalCancelled = "withdrawal.cancelled"
	WebhookAccountFrozen       = "account.frozen"
	WebhookAccountUnfrozen     = "account.unfrozen"
)

// WebhookEvents lists the wallet's webhook events.
var WebhookEvents = []string{WebhookDepositCredited, WebhookTransferCompleted, WebhookWithdrawalRequested,
	WebhookWithdrawalCompleted, WebhookWithdrawalCancelled, WebhookAccountFrozen, WebhookAccountUnfrozen}

// EventSource is the ledger's outbox (*ledger.Service).
type EventSource interface {
	Events(ctx context.Context, limit int) ([]ledger.Event, error)
	DeleteEvents(ctx context.Context, ids []int64) error
	Transaction(ctx context.Context, id string) (*ledger.Transaction, error)
	Withdrawal(ctx context.Context, id string) (*ledger.Hold, error)
}

// Work is what one outbox event leads to: AML activity and a webhook.
type Work struct {
	EventID  int64
	At       time.Time
	Activity []Activity
	Webhook  string // event name ("": none)
	Body     []byte // its payload
}

// MonitorStore records handled events. sqlstore implements it.
type MonitorStore interface {
	// HandleEvents, in one short transaction, for each work not handled
	// before: marks it handled, stores its activity (not yet evaluated)
	// and queues its webhook.
	HandleEvents(ctx context.Context, work []Work) error
	// PendingActivity lists activity the rules have not run on, oldest first.
	PendingActivity(ctx context.Context, limit int) ([]Activity, error)
	// ActivityOf lists a customer's activity after since, oldest first (at
	// most the latest limit movements).
	ActivityOf(ctx context.Context, userID string, since time.Time, limit int) ([]Activity, error)
	// SaveAlerts stores alerts (one per Dedupe) and marks the activity
	// evaluated, in one transaction.
	SaveAlerts(ctx context.Context, alerts []Alert, evaluated []int64) error
	// Alerts lists alerts, newest first.
	Alerts(ctx context.Context, f AlertFilter) ([]Alert, error)
}

// AlertFilter selects alerts.
type AlertFilter struct {
	UserID string
	Rule   string
	Limit  int // 1..200 (0: 50)
}

// Monitor consumes the ledger's outbox: it runs the AML rules and sends
// the wallet's webhooks. It is durable: events leave the outbox only after
// their effects committed, and an event handled twice (a crash between the
// two) has its effects once.
type Monitor struct {
	Source EventSource
	Store  MonitorStore
	Log    *slog.Logger
	rules  *rules
}

// NewMonitor checks cfg against the assets. Errors: Invalid AML_CONFIG_INVALID.
func NewMonitor(src EventSource, store MonitorStore, cfg AMLConfig, assets ledger.Assets, log *slog.Logger) (*Monitor, error) {
	r, err := cfg.compile(assets)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	return &Monitor{Source: src, Store: store, Log: log, rules: r}, nil
}

// Alerts lists alerts for reviewers.
func (m *Monitor) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return m.Store.Alerts(ctx, f)
}

// txPayload is a transaction in a webhook: ids, type and amounts, no memo.
type txPayload struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Asset      string `json:"asset"`
	Amount     string `json:"amount"`
	From       string `json:"from_user_id,omitempty"`
	To         string `json:"to_user_id,omitempty"`
	Reference  string `json:"reference,omitempty"`
	RequestRef string `json:"payment_request,omitempty"`
}

type holdPayload struct {
	ID       string `json:"id"`
	UserID   string `json:"user_id"`
	Asset    string `json:"asset"`
	Amount   string `json:"amount"`
	Captured string `json:"captured"`
	Status   string `json:"status"`
}

// RunOnce handles up to 100 outbox events; it returns how many.
func (m *Monitor) RunOnce(ctx context.Context, assets ledger.Assets) (int, error) {
	evs, err := m.Source.Events(ctx, 100)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	format := func(code string, v int64) string {
		a, ok := assets[code]
		if !ok {
			a = ledger.Asset{Code: code}
		}
		return ledger.FormatAmount(a, v)
	}
	work := make([]Work, 0, len(evs))
	ids := make([]int64, 0, len(evs))
	for _, ev := range evs {
		w := Work{EventID: ev.ID, At: ev.CreatedAt}
		body := map[string]any{"occurred_at": ev.CreatedAt.UTC()}
		var tx *ledger.Transaction
		if ev.TxID != "" {
			if tx, err = m.Source.Transaction(ctx, ev.TxID); err != nil {
				return 0, err
			}
			body["transaction"] = txPayload{ID: tx.ID, Type: tx.Type, Asset: tx.Asset, Amount: format(tx.Asset, tx.Amount),
				From: tx.From, To: tx.To, Reference: tx.Reference, RequestRef: tx.RequestRef}
		}
		if ev.HoldID != "" {
			h, err := m.Source.Withdrawal(ctx, ev.HoldID)
			if err != nil {
				return 0, err
			}
			body["withdrawal"] = holdPayload{ID: h.ID, UserID: h.UserID, Asset: h.Asset, Amount: format(h.Asset, h.Amount),
				Captured: format(h.Asset, h.Captured), Status: h.Status}
		}
		act := func(user, dir, cp string) {
			if tx != nil && user != "" {
				w.Activity = append(w.Activity, Activity{UserID: user, TxID: tx.ID, Kind: tx.Type, Direction: dir, Asset: tx.Asset,
					Amount: tx.Amount, Counterparty: cp, At: tx.CreatedAt})
			}
		}
		switch ev.Type {
		case ledger.EventDeposit:
			w.Webhook = WebhookDepositCredited
			if tx != nil {
				act(tx.To, "in", "")
			}
		case ledger.EventTransfer:
			w.Webhook = WebhookTransferCompleted
			if tx != nil {
				act(tx.From, "out", tx.To)
				act(tx.To, "in", tx.From)
			}
		case ledger.EventWithdrawalRequested:
			w.Webhook = WebhookWithdrawalRequested
		case ledger.EventWithdrawalCompleted:
			w.Webhook = WebhookWithdrawalCompleted
			if tx != nil {
				user := tx.From
				if user == "" && len(ev.UserIDs) > 0 {
					user = ev.UserIDs[0]
				}
				act(user, "out", "")
			}
		case ledger.EventWithdrawalCanceled, ledger.EventWithdrawalExpired:
			w.Webhook = WebhookWithdrawalCancelled
			if ev.Type == ledger.EventWithdrawalExpired {
				body["reason"] = "expired"
			}
		case ledger.EventFrozen, ledger.EventUnfrozen:
			w.Webhook = WebhookAccountFrozen
			if ev.Type == ledger.EventUnfrozen {
				w.Webhook = WebhookAccountUnfrozen
			}
			if len(ev.UserIDs) > 0 {
				body["account"] = map[string]any{"user_id": ev.UserIDs[0], "frozen": ev.Type == ledger.EventFrozen}
			}
		}
		if w.Webhook != "" {
			body["event"] = w.Webhook
			if w.Body, err = json.Marshal(body); err != nil {
				return 0, err
			}
		}
		work = append(work, w)
		ids = append(ids, ev.ID)
	}
	if err := m.Store.HandleEvents(ctx, work); err != nil {
		return 0, err
	}
	if err := m.Source.DeleteEvents(ctx, ids); err != nil {
		return 0, err
	}
	if err := m.Evaluate(ctx); err != nil {
		return 0, err
	}
	return len(evs), nil
}

// historyLimit bounds the movements of one customer the rules look at (the
// latest ones): a very busy customer's usual rate and known payees are
// estimated from these.
const historyLimit = 2000

// Evaluate runs the rules on the activity not evaluated yet (reading
// outside any write transaction; the alerts and the marks are then written
// in one short one, so a crash between leaves the activity to evaluate
// again, and the alerts' dedupe keys keep them single).
func (m *Monitor) Evaluate(ctx context.Context) error {
	for {
		pending, err := m.Store.PendingActivity(ctx, 500)
		if err != nil || len(pending) == 0 {
			return err
		}
		hist := map[string][]Activity{}
		var alerts []Alert
		done := make([]int64, 0, len(pending))
		for _, a := range pending {
			h, ok := hist[a.UserID]
			if !ok {
				if h, err = m.Store.ActivityOf(ctx, a.UserID, a.At.Add(-m.rules.history()), historyLimit); err != nil {
					return err
				}
				hist[a.UserID] = h
			}
			alerts = append(alerts, m.rules.evaluate(a, h)...)
			done = append(done, a.ID)
		}
		if err := m.Store.SaveAlerts(ctx, alerts, done); err != nil {
			return err
		}
		if len(pending) < 500 {
			return nil
		}
	}
}

// Run handles the outbox every interval until ctx ends (and at once when
// a batch was full).
func (m *Monitor) Run(ctx context.Context, every time.Duration, assets ledger.Assets) {
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := m.RunOnce(ctx, assets)
		if err != nil && ctx.Err() == nil {
			m.Log.Error("wallet outbox", "err", err)
		}
		if n == 100 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
