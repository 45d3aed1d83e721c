package wallet

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/ledger"
)

type memOutbox struct {
	events  []ledger.Event
	txs     map[string]*ledger.Transaction
	holds   map[string]*ledger.Hold
	deleted []int64
}

func (m *memOutbox) Events(context.Context, int) ([]ledger.Event, error) { return m.events, nil }
func (m *memOutbox) DeleteEvents(_ context.Context, ids []int64) error {
	m.deleted = append(m.deleted, ids...)
	return nil
}
func (m *memOutbox) Transaction(_ context.Context, id string) (*ledger.Transaction, error) {
	return m.txs[id], nil
}
func (m *memOutbox) Withdrawal(_ context.Context, id string) (*ledger.Hold, error) {
	return m.holds[id], nil
}

type memMonitorStore struct{ work []Work }

func (s *memMonitorStore) HandleEvents(_ context.Context, w []Work) error {
	s.work = append(s.work, w...)
	return nil
}
func (s *memMonitorStore) PendingActivity(context.Context, int) ([]Activity, error) { return nil, nil }
func (s *memMonitorStore) ActivityOf(context.Context, string, time.Time, int) ([]Activity, error) {
	return nil, nil
}
func (s *memMonitorStore) SaveAlerts(context.Context, []Alert, []int64) error   { return nil }
func (s *memMonitorStore) Alerts(context.Context, AlertFilter) ([]Alert, error) { return nil, nil }

func TestMonitorWebhooks(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	src := &memOutbox{
		txs: map[string]*ledger.Transaction{
			"t1": {ID: "t1", Type: ledger.TypeTransfer, Asset: "CNY", Amount: 1250, From: "a", To: "b", Memo: "私人备注", CreatedAt: at},
			"t2": {ID: "t2", Type: ledger.TypeWithdrawal, Asset: "USDT", Amount: 1500000, From: "a", CreatedAt: at},
		},
		holds: map[string]*ledger.Hold{"h1": {ID: "h1", UserID: "a", Asset: "USDT", Amount: 1500000, Status: ledger.HoldOpen}},
		events: []ledger.Event{
			{ID: 1, TxID: "t1", Type: ledger.EventTransfer, CreatedAt: at},
			{ID: 2, HoldID: "h1", Type: ledger.EventWithdrawalRequested, UserIDs: []string{"a"}, CreatedAt: at},
			{ID: 3, TxID: "t2", HoldID: "h1", Type: ledger.EventWithdrawalCompleted, UserIDs: []string{"a"}, CreatedAt: at},
			{ID: 4, HoldID: "h1", Type: ledger.EventWithdrawalExpired, UserIDs: []string{"a"}, CreatedAt: at},
			{ID: 5, Type: ledger.EventFrozen, UserIDs: []string{"a"}, CreatedAt: at},
			{ID: 6, Type: ledger.EventUnfrozen, UserIDs: []string{"a"}, CreatedAt: at},
			{ID: 7, TxID: "t1", Type: ledger.EventReversal, CreatedAt: at},
		},
	}
	store := &memMonitorStore{}
	m, err := NewMonitor(src, store, DefaultAMLConfig(), ledger.DefaultAssets(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := m.RunOnce(context.Background(), ledger.DefaultAssets()); err != nil || n != 7 || len(src.deleted) != 7 {
		t.Fatalf("RunOnce: %d %v, deleted %v", n, err, src.deleted)
	}
	want := []string{WebhookTransferCompleted, WebhookWithdrawalRequested, WebhookWithdrawalCompleted, WebhookWithdrawalCancelled,
		WebhookAccountFrozen, WebhookAccountUnfrozen, ""}
	for i, w := range store.work {
		if w.Webhook != want[i] {
			t.Errorf("event %d: webhook %q, want %q", w.EventID, w.Webhook, want[i])
		}
		if w.Webhook == "" {
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(w.Body, &body); err != nil || body["event"] != w.Webhook {
			t.Errorf("event %d body: %s", w.EventID, w.Body)
		}
	}
	if b := string(store.work[0].Body); !json.Valid(store.work[0].Body) || strings.Contains(b, "私人备注") || !strings.Contains(b, `"amount":"12.50"`) {
		t.Errorf("transfer payload (no memo, decimal amount): %s", b)
	}
	if b := string(store.work[2].Body); !strings.Contains(b, `"amount":"1.500000"`) || !strings.Contains(b, `"withdrawal"`) {
		t.Errorf("withdrawal payload: %s", b)
	}
	if b := string(store.work[3].Body); !strings.Contains(b, `"reason":"expired"`) {
		t.Errorf("expiry payload: %s", b)
	}
	if b := string(store.work[4].Body); !strings.Contains(b, `"frozen":true`) {
		t.Errorf("freeze payload: %s", b)
	}
	// Activity: the transfer out and in, the completed withdrawal out.
	if a := store.work[0].Activity; len(a) != 2 || a[0].Direction != "out" || a[0].Counterparty != "b" || a[1].UserID != "b" {
		t.Errorf("transfer activity: %+v", a)
	}
	if a := store.work[2].Activity; len(a) != 1 || a[0].Direction != "out" || a[0].UserID != "a" {
		t.Errorf("withdrawal activity: %+v", a)
	}
}
