package ledger

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestApplyKeepsInvariants runs random operations against an in-memory
// state: every transaction balances, no customer's available balance goes
// below zero, held is the sum of open holds, and a hold changes once.
func TestApplyKeepsInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	users := []string{"u1", "u2", "u3"}
	cny := Asset{"CNY", 2}
	st := NewState(time.UTC)
	for _, u := range users {
		st.Accounts[CustomerAccount(u, "CNY")] = &AccountState{ID: CustomerAccount(u, "CNY"), UserID: u, Asset: "CNY"}
	}
	for _, k := range []string{SystemDeposits, SystemWithdrawals} {
		st.Accounts[SystemAccount(k, "CNY")] = &AccountState{ID: SystemAccount(k, "CNY"), Asset: "CNY"}
	}
	allow := Policy{Send: Permission{Allowed: true, Limits: map[string]Limits{"CNY": {PerDay: 50000}}}, Withdraw: Permission{Allowed: true}}
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	var holds []string
	changed := map[string]int{}
	for i := range 5000 {
		now = now.Add(time.Minute)
		u, v := users[r.IntN(3)], users[r.IntN(3)]
		amt := int64(r.IntN(5000) + 1)
		op := &Op{Asset: cny, Amount: amt, UserID: u, Policy: allow, ExpiresAt: now.Add(time.Hour)}
		switch r.IntN(7) {
		case 0:
			op.Kind, op.Source, op.Reference = OpDeposit, "bank", string(rune('a'+r.IntN(26)))+string(rune('a'+r.IntN(26)))
		case 1, 2:
			op.Kind, op.ToUserID = OpTransfer, v
		case 3:
			op.Kind = OpWithdraw
		case 4, 5:
			if len(holds) == 0 {
				continue
			}
			op.HoldID = holds[r.IntN(len(holds))]
			op.Kind = []OpKind{OpCapture, OpRelease}[r.IntN(2)]
			if op.Kind == OpCapture && r.IntN(2) == 0 {
				op.Amount = 0
			}
		case 6:
			if len(st.NewTxs) == 0 {
				continue
			}
			t0 := st.NewTxs[r.IntN(len(st.NewTxs))]
			op.Kind, op.TxID = OpReverse, t0.ID
			st.Txs[t0.ID] = t0
		}
		if op.Kind == OpTransfer && op.ToUserID == op.UserID {
			continue
		}
		before := len(st.NewTxs)
		Apply(st, op, now)
		if op.Err == nil && op.Result != nil && op.Result.Hold != nil {
			h := op.Result.Hold
			if op.Kind == OpWithdraw {
				holds = append(holds, h.ID)
			} else if changed[h.ID]++; changed[h.ID] > 1 {
				t.Fatalf("op %d: hold %s changed twice", i, h.ID)
			}
		}
		for _, tx := range st.NewTxs[before:] {
			var sum int64
			for _, p := range tx.Postings {
				sum += p.Amount
			}
			if sum != 0 {
				t.Fatalf("op %d: transaction %+v does not balance", i, tx)
			}
		}
		var total int64
		held := map[string]int64{}
		for _, h := range st.Holds {
			if h.Status == HoldOpen {
				held[CustomerAccount(h.UserID, h.Asset)] += h.Amount
			}
		}
		for id, a := range st.Accounts {
			total += a.Balance
			if a.UserID != "" && (a.Balance-a.Held < 0 || a.Held != held[id]) {
				t.Fatalf("op %d (%s): account %+v, open holds %d", i, op.Kind, a, held[id])
			}
		}
		if total != 0 {
			t.Fatalf("op %d: balances sum to %d", i, total)
		}
	}
	if len(st.NewTxs) < 500 || len(holds) < 100 {
		t.Fatalf("too little happened: %d transactions, %d holds", len(st.NewTxs), len(holds))
	}
}
