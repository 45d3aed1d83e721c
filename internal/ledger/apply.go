package ledger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

// OpKind names a money-moving operation.
type OpKind string

// The operations.
const (
	OpDeposit  OpKind = "deposit"
	OpTransfer OpKind = "transfer"
	OpWithdraw OpKind = "withdraw" // places a hold
	OpCapture  OpKind = "capture"  // completes a withdrawal
	OpRelease  OpKind = "release"  // cancels a withdrawal
	OpExpire   OpKind = "expire"   // the expiry job releases an expired hold
	OpReverse  OpKind = "reverse"
)

// Op is one queued money write. The service fills the request part; the
// store's Apply sets Result or Err.
type Op struct {
	Kind OpKind
	// Principal scopes the idempotency key ("user:<id>", "admin:<id>").
	Principal string
	IdemKey   string
	IdemHash  string // hash of the request body (without secrets)

	UserID      string // the customer debited (payer, withdrawer) or credited (deposit)
	ToUserID    string // transfers: the payee
	Asset       Asset
	Amount      int64 // capture: 0 means the whole hold
	Source      string
	Reference   string
	Memo        string
	RequestRef  string
	Destination string
	HoldID      string // capture, release, expire; set for a new hold by the service
	TxID        string // reverse: the original; for new transactions set by the service
	Reason      string
	Actor       string
	ExpiresAt   time.Time
	Policy      Policy

	Result *Result
	Err    error

	ctx  context.Context
	done chan struct{}
}

// Result is what an operation did.
type Result struct {
	Tx       *Transaction `json:"transaction,omitempty"`
	Hold     *Hold        `json:"withdrawal,omitempty"`
	Replayed bool         `json:"-"` // an idempotent replay or an already booked deposit
}

// AccountState is a locked account during a batch.
type AccountState struct {
	ID      string
	UserID  string
	Asset   string
	Balance int64
	Held    int64
	Dirty   bool
}

// UsageKey is a limit window's counter: Dir is "send" or "withdraw",
// Period "d:2026-12-03" or "m:2026-12".
type UsageKey struct{ UserID, Asset, Dir, Period string }

// Stored is an idempotency record's result: a transaction or hold id, or
// the refusal.
type Stored struct {
	TxID   string  `json:"tx,omitempty"`
	HoldID string  `json:"hold,omitempty"`
	Code   string  `json:"code,omitempty"`
	Kind   int     `json:"kind,omitempty"`
	EN     string  `json:"en,omitempty"`
	ZH     string  `json:"zh,omitempty"`
	Field  string  `json:"field,omitempty"`
	Detail *Detail `json:"detail,omitempty"`
}

// IdemRecord is a stored idempotency key.
type IdemRecord struct {
	Principal, Key, Hash string
	Result               Stored
}

// State is what a batch has locked and loaded, and the effects Apply
// produced for the store to write.
type State struct {
	Accounts map[string]*AccountState
	Frozen   map[string]bool // by user id
	// Closed are the user ids that may not be paid: a closed account (its
	// owner can no longer log in to use the money) or a staff account.
	// Deposits and transfers to them are refused (PAYEE_NOT_FOUND).
	Closed   map[string]bool
	Usage    map[UsageKey]int64
	Holds    map[string]*Hold
	Txs      map[string]*Transaction // reversal originals, loaded
	Reversed map[string]bool         // transaction ids already reversed
	Deposits map[string]string       // source+"\x00"+reference → transaction id
	Idem     map[string]*IdemRecord  // principal+"\x00"+key
	Loc      *time.Location          // limit windows' time zone

	// Effects, in order.
	NewTxs     []*Transaction
	HoldWrites []*Hold
	UsageDirty map[UsageKey]bool
	NewIdem    []*IdemRecord
	Events     []Event
}

// NewState returns an empty state in loc.
func NewState(loc *time.Location) *State {
	if loc == nil {
		loc = time.UTC
	}
	return &State{Accounts: map[string]*AccountState{}, Frozen: map[string]bool{}, Closed: map[string]bool{}, Usage: map[UsageKey]int64{},
		Holds: map[string]*Hold{}, Txs: map[string]*Transaction{}, Reversed: map[string]bool{}, Deposits: map[string]string{},
		Idem: map[string]*IdemRecord{}, Loc: loc, UsageDirty: map[UsageKey]bool{}}
}

// Accounts lists the accounts op touches, known before locking (captures
// and reversals also need the hold's or original's accounts: see
// Needs).
func (op *Op) Accounts(st *State) []string {
	a := op.Asset.Code
	switch op.Kind {
	case OpDeposit:
		return []string{CustomerAccount(op.UserID, a), SystemAccount(SystemDeposits, a)}
	case OpTransfer:
		return []string{CustomerAccount(op.UserID, a), CustomerAccount(op.ToUserID, a)}
	case OpWithdraw:
		return []string{CustomerAccount(op.UserID, a)}
	case OpCapture, OpRelease, OpExpire:
		if h := st.Holds[op.HoldID]; h != nil {
			return []string{CustomerAccount(h.UserID, h.Asset), SystemAccount(SystemWithdrawals, h.Asset)}
		}
	case OpReverse:
		if t := st.Txs[op.TxID]; t != nil {
			out := make([]string, 0, len(t.Postings))
			for _, p := range t.Postings {
				out = append(out, p.Account)
			}
			return out
		}
	}
	return nil
}

// Users lists the users whose freeze state op needs.
func (op *Op) Users() []string {
	switch op.Kind {
	case OpTransfer, OpWithdraw:
		return []string{op.UserID}
	}
	return nil
}

// IdemID is op's key in State.Idem ("" without a key).
func (op *Op) IdemID() string {
	if op.IdemKey == "" {
		return ""
	}
	return op.Principal + "\x00" + op.IdemKey
}

// Periods returns the day and month windows t falls in, in loc.
func Periods(t time.Time, loc *time.Location) (day, month string) {
	l := t.In(loc)
	return "d:" + l.Format("2006-01-02"), "m:" + l.Format("2006-01")
}

// NewID returns a random id with prefix.
func NewID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// Apply decides op against st at now: a refusal leaves st unchanged and is
// set as op.Err; otherwise the effects are added to st and op.Result is
// set. Idempotency records are kept for results and refusals alike.
func Apply(st *State, op *Op, now time.Time) {
	op.Result, op.Err = nil, nil
	if id := op.IdemID(); id != "" {
		if rec := st.Idem[id]; rec != nil {
			if rec.Hash != op.IdemHash {
				op.Err = ErrIdempotencyReused
				return
			}
			op.Result, op.Err = replay(st, rec.Result)
			return
		}
	}
	res, err := apply(st, op, now)
	op.Result, op.Err = res, err
	if err != nil && errs.KindOf(err) == errs.Internal {
		return // not stored: a retry may succeed
	}
	if id := op.IdemID(); id != "" {
		rec := &IdemRecord{Principal: op.Principal, Key: op.IdemKey, Hash: op.IdemHash, Result: store(res, err)}
		st.Idem[id] = rec
		st.NewIdem = append(st.NewIdem, rec)
	}
}

func store(res *Result, err error) Stored {
	if err != nil {
		e := errs.As(err)
		s := Stored{Code: e.Code, Kind: int(e.Kind), EN: e.Message.EN, ZH: e.Message.ZH, Field: e.Field}
		if d, ok := e.Err.(*Detail); ok {
			s.Detail = d
		}
		return s
	}
	var s Stored
	if res.Tx != nil {
		s.TxID = res.Tx.ID
	}
	if res.Hold != nil {
		s.HoldID = res.Hold.ID
	}
	return s
}

// replay rebuilds a stored result: the error, or ids the service loads.
func replay(st *State, s Stored) (*Result, error) {
	if s.Code != "" {
		e := &errs.Error{Kind: errs.Kind(s.Kind), Code: s.Code, Field: s.Field, Message: i18n.T(s.EN, s.ZH)}
		if s.Detail != nil {
			e.Err = s.Detail
		}
		return nil, e
	}
	r := &Result{Replayed: true}
	if s.TxID != "" {
		r.Tx = &Transaction{ID: s.TxID}
		for _, t := range st.NewTxs {
			if t.ID == s.TxID {
				r.Tx = t
			}
		}
	}
	if s.HoldID != "" {
		r.Hold = &Hold{ID: s.HoldID}
		if h := st.Holds[s.HoldID]; h != nil {
			c := *h
			r.Hold = &c
		}
	}
	return r, nil
}

func (st *State) account(id string) *AccountState {
	a := st.Accounts[id]
	if a == nil { // the store locks every account Accounts names; this is a bug
		panic("ledger: account not loaded: " + id)
	}
	return a
}

func apply(st *State, op *Op, now time.Time) (*Result, error) {
	a := op.Asset
	switch op.Kind {
	case OpDeposit:
		dk := op.Source + "\x00" + op.Reference
		if id, ok := st.Deposits[dk]; ok {
			return replay(st, Stored{TxID: id})
		}
		if st.Closed[op.UserID] {
			return nil, ErrPayeeNotFound.OnField("user_id")
		}
		t := st.post(op, TypeDeposit, now, map[string]int64{
			CustomerAccount(op.UserID, a.Code):    op.Amount,
			SystemAccount(SystemDeposits, a.Code): -op.Amount,
		})
		t.To = op.UserID
		st.Deposits[dk] = t.ID
		st.event(EventDeposit, t.ID, "", a.Code, op.Amount, now, op.UserID)
		return &Result{Tx: t}, nil

	case OpTransfer, OpWithdraw:
		dir, perm := "send", op.Policy.Send
		if op.Kind == OpWithdraw {
			dir, perm = "withdraw", op.Policy.Withdraw
		}
		if st.Frozen[op.UserID] {
			return nil, ErrAccountFrozen
		}
		if op.Kind == OpTransfer && st.Closed[op.ToUserID] {
			return nil, ErrPayeeNotFound
		}
		if !perm.Allowed {
			return nil, levelRequired(dir, perm.Next, perm.NextTitle)
		}
		day, month := Periods(now, st.Loc)
		dk, mk := UsageKey{op.UserID, a.Code, dir, day}, UsageKey{op.UserID, a.Code, dir, month}
		if lim, ok := perm.Limits[a.Code]; ok {
			switch {
			case lim.PerTx > 0 && op.Amount > lim.PerTx:
				return nil, limitExceeded(a, dir, "per_tx", lim.PerTx, perm.Next, perm.NextTitle)
			case lim.PerDay > 0 && st.Usage[dk]+op.Amount > lim.PerDay:
				return nil, limitExceeded(a, dir, "per_day", lim.PerDay-st.Usage[dk], perm.Next, perm.NextTitle)
			case lim.PerMonth > 0 && st.Usage[mk]+op.Amount > lim.PerMonth:
				return nil, limitExceeded(a, dir, "per_month", lim.PerMonth-st.Usage[mk], perm.Next, perm.NextTitle)
			}
		}
		from := st.account(CustomerAccount(op.UserID, a.Code))
		if from.Balance-from.Held < op.Amount {
			return nil, ErrInsufficientFunds
		}
		st.Usage[dk] += op.Amount
		st.Usage[mk] += op.Amount
		st.UsageDirty[dk], st.UsageDirty[mk] = true, true
		if op.Kind == OpTransfer {
			t := st.post(op, TypeTransfer, now, map[string]int64{
				from.ID:                              -op.Amount,
				CustomerAccount(op.ToUserID, a.Code): op.Amount,
			})
			t.From, t.To = op.UserID, op.ToUserID
			st.event(EventTransfer, t.ID, "", a.Code, op.Amount, now, op.UserID, op.ToUserID)
			return &Result{Tx: t}, nil
		}
		h := &Hold{ID: op.HoldID, UserID: op.UserID, Asset: a.Code, Amount: op.Amount, Status: HoldOpen,
			Destination: op.Destination, ExpiresAt: op.ExpiresAt, CreatedAt: now, UpdatedAt: now}
		if h.ID == "" {
			h.ID = NewID("wdr")
		}
		from.Held += op.Amount
		from.Dirty = true
		st.Holds[h.ID] = h
		st.HoldWrites = append(st.HoldWrites, h)
		st.event(EventWithdrawalRequested, "", h.ID, a.Code, op.Amount, now, op.UserID)
		c := *h
		return &Result{Hold: &c}, nil

	case OpCapture, OpRelease, OpExpire:
		h := st.Holds[op.HoldID]
		if h == nil {
			return nil, ErrHoldNotFound
		}
		if h.Status != HoldOpen {
			return nil, ErrHoldNotOpen
		}
		acct := st.account(CustomerAccount(h.UserID, h.Asset))
		if op.Kind == OpExpire && !now.After(h.ExpiresAt) {
			return nil, ErrHoldNotOpen
		}
		amt := op.Amount
		if amt == 0 {
			amt = h.Amount
		}
		if op.Kind == OpCapture {
			if amt > h.Amount {
				return nil, ErrCaptureTooLarge
			}
			if st.Frozen[h.UserID] {
				return nil, ErrAccountFrozen
			}
		}
		acct.Held -= h.Amount
		acct.Dirty = true
		h.UpdatedAt = now
		var res Result
		switch op.Kind {
		case OpCapture:
			op.Asset = Asset{Code: h.Asset}
			t := st.post(op, TypeWithdrawal, now, map[string]int64{
				acct.ID: -amt,
				SystemAccount(SystemWithdrawals, h.Asset): amt,
			})
			t.From, t.HoldID, t.Memo = h.UserID, h.ID, h.Destination
			h.Status, h.Captured, h.TxID = HoldCaptured, amt, t.ID
			res.Tx = t
			st.event(EventWithdrawalCompleted, t.ID, h.ID, h.Asset, amt, now, h.UserID)
		case OpRelease, OpExpire:
			h.Status = HoldReleased
			ev := EventWithdrawalCanceled
			if op.Kind == OpExpire {
				h.Status, ev = HoldExpired, EventWithdrawalExpired
			}
			// the money never left: give back the limit it used
			day, month := Periods(h.CreatedAt, st.Loc)
			for _, k := range []UsageKey{{h.UserID, h.Asset, "withdraw", day}, {h.UserID, h.Asset, "withdraw", month}} {
				if v, ok := st.Usage[k]; ok {
					st.Usage[k] = max(v-h.Amount, 0)
					st.UsageDirty[k] = true
				}
			}
			st.event(ev, "", h.ID, h.Asset, h.Amount, now, h.UserID)
		}
		st.HoldWrites = append(st.HoldWrites, h)
		c := *h
		res.Hold = &c
		return &res, nil

	case OpReverse:
		orig := st.Txs[op.TxID]
		if orig == nil {
			return nil, ErrTxNotFound
		}
		if orig.Type == TypeReversal {
			return nil, ErrNotReversible
		}
		if st.Reversed[orig.ID] {
			return nil, ErrAlreadyReversed
		}
		deltas := map[string]int64{}
		for _, p := range orig.Postings {
			deltas[p.Account] -= p.Amount
		}
		for id, d := range deltas {
			if ac := st.account(id); ac.UserID != "" && ac.Balance+d-ac.Held < 0 {
				return nil, ErrInsufficientFunds
			}
		}
		op.Asset = Asset{Code: orig.Asset}
		op.Amount = orig.Amount
		t := st.post(op, TypeReversal, now, deltas)
		t.ReversalOf, t.From, t.To = orig.ID, orig.To, orig.From
		st.Reversed[orig.ID] = true
		st.event(EventReversal, t.ID, "", orig.Asset, orig.Amount, now, orig.From, orig.To)
		return &Result{Tx: t}, nil
	}
	return nil, errs.Internalf("ledger: unknown operation %q", op.Kind)
}

// post books a transaction of deltas (which sum to zero).
func (st *State) post(op *Op, typ string, now time.Time, deltas map[string]int64) *Transaction {
	t := &Transaction{ID: op.TxID, Type: typ, Asset: op.Asset.Code, Amount: op.Amount, Memo: op.Memo, Source: op.Source,
		Reference: op.Reference, RequestRef: op.RequestRef, Actor: op.Actor, Reason: op.Reason, CreatedAt: now}
	if t.ID == "" || op.Kind == OpReverse {
		t.ID = NewID("wtx")
	}
	for _, id := range sortedKeys(deltas) {
		d := deltas[id]
		if d == 0 {
			continue
		}
		ac := st.account(id)
		ac.Balance += d
		ac.Dirty = true
		t.Postings = append(t.Postings, Posting{Account: id, UserID: ac.UserID, Asset: ac.Asset, Amount: d})
	}
	st.NewTxs = append(st.NewTxs, t)
	return t
}

func (st *State) event(typ, txID, holdID, asset string, amount int64, now time.Time, users ...string) {
	var us []string
	for _, u := range users {
		if u != "" {
			us = append(us, u)
		}
	}
	st.Events = append(st.Events, Event{TxID: txID, HoldID: holdID, Type: typ, UserIDs: us, Asset: asset, Amount: amount, CreatedAt: now})
}

func sortedKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
