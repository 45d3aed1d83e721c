package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Config configures the Service.
type Config struct {
	Assets   Assets         // nil: DefaultAssets
	Location *time.Location // limit windows' time zone (nil: UTC+8, China Standard Time)
	// HoldTTL is how long a withdrawal's hold lasts before the expiry job
	// releases it (0: 7 days).
	HoldTTL time.Duration
	// MaxBatch is the most operations committed together (0: 256).
	MaxBatch int
	// Committers is the number of group-commit goroutines (0: 1). On
	// PostgreSQL more than one overlaps the round trips of batches.
	Committers int
}

// Service is the wallet. Money writes are queued to committer goroutines
// that run many of them in one database transaction (group commit) and
// answer each caller only after the commit. Checks that are safe outside
// the transaction (the payment password, the user's policy) run before an
// operation is queued; balances, holds, limits, freezes and idempotency are
// decided inside it, under the accounts' locks.
type Service struct {
	Store     Store
	Passwords PaymentPasswords // nil: no payment password asked (development)
	Policies  Policies         // nil: everything allowed without limits (development)
	Payees    PayeeResolver    // nil: UserIDResolver
	// SecondFactors asks large withdrawals for a two-factor code (nil: never).
	SecondFactors SecondFactors
	Now           func() time.Time
	Log           *slog.Logger
	cfg           Config

	queue   chan *Op
	stop    chan struct{}
	exited  chan struct{} // closed when the committers have returned
	wg      sync.WaitGroup
	startMu sync.Mutex
	started bool
	closed  bool
}

// NewService returns a wallet on store. Call Start before writing money
// (writes start it on demand), Close to stop the committers.
func NewService(store Store, cfg Config) *Service {
	if cfg.Assets == nil {
		cfg.Assets = DefaultAssets()
	}
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("CST", 8*3600)
	}
	if cfg.HoldTTL <= 0 {
		cfg.HoldTTL = 7 * 24 * time.Hour
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 256
	}
	if cfg.Committers <= 0 {
		cfg.Committers = 1
	}
	return &Service{Store: store, cfg: cfg, queue: make(chan *Op, 4096), stop: make(chan struct{}),
		exited: make(chan struct{}), Log: slog.Default()}
}

// Assets returns the assets the wallet knows.
func (s *Service) Assets() Assets { return s.cfg.Assets }

// Location returns the limit windows' time zone.
func (s *Service) Location() *time.Location { return s.cfg.Location }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Start starts the committers (idempotent).
func (s *Service) Start() {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	for range s.cfg.Committers {
		s.wg.Add(1)
		go s.committer()
	}
}

// Close stops the committers after the queued operations are done.
func (s *Service) Close() {
	s.startMu.Lock()
	wasStarted, wasClosed := s.started, s.closed
	s.closed = true
	s.startMu.Unlock()
	if wasStarted && !wasClosed {
		close(s.stop)
		s.wg.Wait()
		close(s.exited)
	}
}

func (s *Service) committer() {
	defer s.wg.Done()
	batch := make([]*Op, 0, s.cfg.MaxBatch)
	for {
		batch = batch[:0]
		select {
		case op := <-s.queue:
			batch = append(batch, op)
		case <-s.stop:
			// answer what is still queued
			for {
				select {
				case op := <-s.queue:
					s.run([]*Op{op})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < s.cfg.MaxBatch {
			select {
			case op := <-s.queue:
				batch = append(batch, op)
			default:
				break fill
			}
		}
		s.run(batch)
	}
}

// run applies a batch; when the batch as a whole fails it retries, then
// runs each op alone so one op's failure does not fail the others.
func (s *Service) run(batch []*Op) {
	live := batch[:0:0]
	for _, op := range batch {
		if op.ctx != nil && op.ctx.Err() != nil { // the caller left before it ran
			op.Err = errs.New(errs.Unavailable, "CANCELED", "The request was cancelled or took too long. Please try again.", "请求已取消或超时，请重试。")
			close(op.done)
			continue
		}
		live = append(live, op)
	}
	if len(live) == 0 {
		return
	}
	err := s.apply(live)
	if err != nil && len(live) > 1 {
		for _, op := range live {
			if e := s.apply([]*Op{op}); e != nil {
				op.Result, op.Err = nil, e
			}
		}
	} else if err != nil {
		live[0].Result, live[0].Err = nil, err
	}
	for _, op := range live {
		close(op.done)
	}
}

func (s *Service) apply(ops []*Op) error {
	var err error
	for attempt := range 4 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = s.Store.Apply(ctx, ops, s.now())
		cancel()
		if err == nil {
			return nil
		}
		if errs.KindOf(err) != errs.Unavailable && !errs.Is(err, "CONFLICT") {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	s.Log.Error("wallet batch failed", "ops", len(ops), "err", err)
	if errs.KindOf(err) == errs.Internal {
		return ErrUnavailable.Wrap(err)
	}
	return err
}

// submit queues op and waits for its commit.
func (s *Service) submit(ctx context.Context, op *Op) (*Result, error) {
	s.Start()
	s.startMu.Lock()
	closed := s.closed
	s.startMu.Unlock()
	if closed {
		return nil, ErrUnavailable
	}
	op.ctx, op.done = ctx, make(chan struct{})
	select {
	case s.queue <- op:
	case <-ctx.Done():
		return nil, errs.New(errs.Unavailable, "CANCELED", "The request was cancelled or took too long. Please try again.", "请求已取消或超时，请重试。")
	}
	select { // once queued, the answer comes from the commit
	case <-op.done:
	case <-s.exited: // queued after the committers' last look
		select {
		case <-op.done:
		default:
			return nil, ErrUnavailable
		}
	}
	if op.Err != nil {
		return nil, op.Err
	}
	r := op.Result
	if r.Replayed { // load what the stored ids name
		if r.Tx != nil && len(r.Tx.Postings) == 0 {
			t, err := s.Store.Transaction(ctx, r.Tx.ID)
			if err != nil {
				return nil, err
			}
			r.Tx = t
		}
		if r.Hold != nil && r.Hold.UserID == "" {
			h, err := s.Store.Hold(ctx, r.Hold.ID)
			if err != nil {
				return nil, err
			}
			r.Hold = h
		}
	}
	return r, nil
}

func hashBody(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func text(v, field string, maxLen int) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return "", errs.New(errs.Invalid, "INVALID_CHARACTERS", "The request contains characters that cannot be used.", "请求中含有无法使用的字符。").OnField(field)
	}
	if utf8.RuneCountInString(v) > maxLen {
		return "", ErrFieldTooLong.OnField(field)
	}
	return v, nil
}

func (s *Service) amount(asset, amount string) (Asset, int64, error) {
	a, err := s.cfg.Assets.Get(asset)
	if err != nil {
		return Asset{}, 0, err
	}
	v, err := ParseAmount(a, amount)
	return a, v, err
}

func (s *Service) policy(ctx context.Context, userID string) (Policy, error) {
	if s.Policies == nil {
		return Policy{Level: "", Send: Permission{Allowed: true}, Withdraw: Permission{Allowed: true}}, nil
	}
	return s.Policies.Policy(ctx, userID)
}

func (s *Service) checkPIN(ctx context.Context, userID, pin string) error {
	if s.Passwords == nil {
		return nil
	}
	return s.Passwords.Check(ctx, userID, pin)
}

// DepositInput is a credit to a customer from outside.
type DepositInput struct {
	UserID    string
	Asset     string
	Amount    string // decimal
	Source    string // the payment system (an API key's name, or "admin")
	Reference string // the payment system's id for the credit: unique per source
	Actor     string // "admin:<id>" or "apikey:<id>"
	IdemKey   string
}

// Deposit credits a customer. The same Source and Reference are booked
// once: a second call returns the original transaction (Replayed).
// Errors: Invalid ASSET_UNKNOWN, AMOUNT_*, REFERENCE_REQUIRED; Conflict
// IDEMPOTENCY_KEY_REUSED.
func (s *Service) Deposit(ctx context.Context, in DepositInput) (*Result, error) {
	a, v, err := s.amount(in.Asset, in.Amount)
	if err != nil {
		return nil, err
	}
	ref, err := text(in.Reference, "reference", 200)
	if err != nil {
		return nil, err
	}
	if ref == "" {
		return nil, ErrReferenceRequired
	}
	user, err := text(in.UserID, "user_id", 100)
	if err != nil || user == "" {
		return nil, ErrPayeeRequired.OnField("user_id")
	}
	src := in.Source
	if src == "" {
		src = "admin"
	}
	return s.submit(ctx, &Op{Kind: OpDeposit, Principal: in.Actor, IdemKey: in.IdemKey,
		IdemHash: hashBody("deposit", user, a.Code, strconv.FormatInt(v, 10), src, ref),
		UserID:   user, Asset: a, Amount: v, Source: src, Reference: ref, Actor: in.Actor})
}

// TransferInput is a payment from one customer to another.
type TransferInput struct {
	From            string // the payer's user id
	To              string // what the payer typed; resolved by Payees
	Asset           string
	Amount          string
	Memo            string
	PaymentPassword string
	RequestRef      string // a payment request (receive code) being paid, if any
	IdemKey         string
}

// Transfer moves money between two customers, checking the payer's payment
// password, level, limits, freeze and available balance.
// Errors: Invalid ASSET_UNKNOWN, AMOUNT_*, PAYEE_REQUIRED, SELF_TRANSFER;
// NotFound PAYEE_NOT_FOUND; the PaymentPasswords errors; Permission
// ACCOUNT_FROZEN, LEVEL_REQUIRED, LIMIT_EXCEEDED; Conflict
// INSUFFICIENT_FUNDS, IDEMPOTENCY_KEY_REUSED.
func (s *Service) Transfer(ctx context.Context, in TransferInput) (*Result, error) {
	a, v, err := s.amount(in.Asset, in.Amount)
	if err != nil {
		return nil, err
	}
	memo, err := text(in.Memo, "memo", 140)
	if err != nil {
		return nil, err
	}
	reqRef, err := text(in.RequestRef, "payment_request", 100)
	if err != nil {
		return nil, err
	}
	to, err := text(in.To, "to", 200)
	if err != nil {
		return nil, err
	}
	payees := s.Payees
	if payees == nil {
		payees = UserIDResolver{}
	}
	toUser, err := payees.Resolve(ctx, to)
	if err != nil {
		return nil, err
	}
	if toUser == in.From {
		return nil, ErrSelfTransfer
	}
	if err := s.checkPIN(ctx, in.From, in.PaymentPassword); err != nil {
		return nil, err
	}
	pol, err := s.policy(ctx, in.From)
	if err != nil {
		return nil, err
	}
	return s.submit(ctx, &Op{Kind: OpTransfer, Principal: "user:" + in.From, IdemKey: in.IdemKey,
		IdemHash: hashBody("transfer", toUser, a.Code, strconv.FormatInt(v, 10), memo, reqRef),
		UserID:   in.From, ToUserID: toUser, Asset: a, Amount: v, Memo: memo, RequestRef: reqRef, Actor: "user:" + in.From, Policy: pol})
}

// WithdrawInput is a customer's request to take money out.
type WithdrawInput struct {
	UserID          string
	Asset           string
	Amount          string
	Destination     string // where the money goes (a bank account, as the customer wrote it)
	PaymentPassword string
	TOTPCode        string // the second factor, needed above the operator's amount (SecondFactors)
	IdemKey         string
}

// SecondFactors checks the two-factor code a withdrawal of amount (smallest
// units of asset) needs, after its payment password was right.
type SecondFactors interface {
	CheckWithdrawal(ctx context.Context, userID string, asset Asset, amount int64, code string) error
}

// Withdraw places a hold for a withdrawal; an admin or the payment system
// completes or cancels it, or it expires after Config.HoldTTL.
// Errors: as Transfer, and Invalid DESTINATION_REQUIRED.
func (s *Service) Withdraw(ctx context.Context, in WithdrawInput) (*Result, error) {
	a, v, err := s.amount(in.Asset, in.Amount)
	if err != nil {
		return nil, err
	}
	dest, err := text(in.Destination, "destination", 200)
	if err != nil {
		return nil, err
	}
	if dest == "" {
		return nil, ErrDestinationNeeded
	}
	if err := s.checkPIN(ctx, in.UserID, in.PaymentPassword); err != nil {
		return nil, err
	}
	if s.SecondFactors != nil {
		if err := s.SecondFactors.CheckWithdrawal(ctx, in.UserID, a, v, in.TOTPCode); err != nil {
			return nil, err
		}
	}
	pol, err := s.policy(ctx, in.UserID)
	if err != nil {
		return nil, err
	}
	return s.submit(ctx, &Op{Kind: OpWithdraw, Principal: "user:" + in.UserID, IdemKey: in.IdemKey,
		IdemHash: hashBody("withdraw", a.Code, strconv.FormatInt(v, 10), dest),
		UserID:   in.UserID, Asset: a, Amount: v, Destination: dest, Actor: "user:" + in.UserID, Policy: pol,
		ExpiresAt: s.now().Add(s.cfg.HoldTTL)})
}

// CompleteWithdrawal captures a withdrawal's hold: amount "" captures all
// of it, a smaller amount captures part and releases the rest.
// Errors: NotFound WITHDRAWAL_NOT_FOUND; Conflict WITHDRAWAL_NOT_OPEN,
// IDEMPOTENCY_KEY_REUSED; Invalid CAPTURE_EXCEEDS_HOLD, AMOUNT_*;
// Permission ACCOUNT_FROZEN.
func (s *Service) CompleteWithdrawal(ctx context.Context, id, amount, actor, idemKey string) (*Result, error) {
	h, err := s.Store.Hold(ctx, id)
	if err != nil {
		return nil, err
	}
	var v int64
	if strings.TrimSpace(amount) != "" {
		a, err := s.cfg.Assets.Get(h.Asset)
		if err != nil {
			return nil, err
		}
		if v, err = ParseAmount(a, amount); err != nil {
			return nil, err
		}
	}
	return s.submit(ctx, &Op{Kind: OpCapture, Principal: actor, IdemKey: idemKey, IdemHash: hashBody("capture", id, strconv.FormatInt(v, 10)),
		HoldID: id, Amount: v, Actor: actor})
}

// CancelWithdrawal releases a withdrawal's hold.
// Errors: NotFound WITHDRAWAL_NOT_FOUND; Conflict WITHDRAWAL_NOT_OPEN,
// IDEMPOTENCY_KEY_REUSED.
func (s *Service) CancelWithdrawal(ctx context.Context, id, reason, actor, idemKey string) (*Result, error) {
	reason, err := text(reason, "reason", 500)
	if err != nil {
		return nil, err
	}
	if _, err := s.Store.Hold(ctx, id); err != nil {
		return nil, err
	}
	return s.submit(ctx, &Op{Kind: OpRelease, Principal: actor, IdemKey: idemKey, IdemHash: hashBody("release", id, reason),
		HoldID: id, Reason: reason, Actor: actor})
}

// ExpireHolds releases the open holds whose expiry has passed (the expiry
// job calls it). It returns how many it released.
func (s *Service) ExpireHolds(ctx context.Context) (int, error) {
	ids, err := s.Store.ExpiredHolds(ctx, s.now(), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if _, err := s.submit(ctx, &Op{Kind: OpExpire, HoldID: id, Actor: "system:expiry"}); err == nil {
			n++
		} else if !errs.Is(err, ErrHoldNotOpen.Code) {
			return n, err
		}
	}
	return n, nil
}

// RunExpiry calls ExpireHolds every interval until ctx ends (the holds are
// in the database, so a restarted server picks up where one stopped).
func (s *Service) RunExpiry(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.ExpireHolds(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("wallet hold expiry", "err", err)
		} else if n > 0 {
			s.Log.Info("wallet holds expired", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Reverse books a transaction that undoes txID (admin). A reversal cannot
// be reversed, nor a transaction twice; a reversal that would take a
// customer's available balance below zero is refused.
// Errors: NotFound TRANSACTION_NOT_FOUND; Conflict ALREADY_REVERSED,
// NOT_REVERSIBLE, INSUFFICIENT_FUNDS, IDEMPOTENCY_KEY_REUSED; Invalid
// REASON_REQUIRED.
func (s *Service) Reverse(ctx context.Context, txID, reason, actor, idemKey string) (*Result, error) {
	reason, err := text(reason, "reason", 500)
	if err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, ErrReasonRequired
	}
	if _, err := s.Store.Transaction(ctx, txID); err != nil {
		return nil, err
	}
	return s.submit(ctx, &Op{Kind: OpReverse, Principal: actor, IdemKey: idemKey, IdemHash: hashBody("reverse", txID, reason),
		TxID: txID, Reason: reason, Actor: actor})
}

// Balances returns the user's balances, one per asset they have used.
func (s *Service) Balances(ctx context.Context, userID string) ([]Balance, error) {
	return s.Store.Balances(ctx, userID)
}

// Transactions returns a page of the user's statement, newest first, and
// the cursor of the next page ("" at the end).
// Errors: Invalid CURSOR_INVALID, LIMIT_INVALID, ASSET_UNKNOWN.
func (s *Service) Transactions(ctx context.Context, userID string, f TxFilter) ([]Entry, string, error) {
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 200 {
		return nil, "", errs.New(errs.Invalid, "LIMIT_INVALID", "limit is from 1 to 200.", "limit 取值为 1 到 200。").OnField("limit")
	}
	if f.Asset != "" {
		a, err := s.cfg.Assets.Get(f.Asset)
		if err != nil {
			return nil, "", err
		}
		f.Asset = a.Code
	}
	var cur int64
	if f.Cursor != "" {
		n, err := strconv.ParseInt(f.Cursor, 36, 64)
		if err != nil || n <= 0 {
			return nil, "", errs.New(errs.Invalid, "CURSOR_INVALID", "The cursor is not valid.", "cursor 无效。").OnField("cursor")
		}
		cur = n
	}
	list, err := s.Store.Entries(ctx, userID, f, cur)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > f.Limit {
		list = list[:f.Limit]
		next = strconv.FormatInt(list[len(list)-1].Seq, 36)
	}
	return list, next, nil
}

// Withdrawals lists the user's withdrawals, newest first.
func (s *Service) Withdrawals(ctx context.Context, userID string) ([]Hold, error) {
	return s.Store.Holds(ctx, userID, 100)
}

// Withdrawal returns one withdrawal. Errors: NotFound WITHDRAWAL_NOT_FOUND.
func (s *Service) Withdrawal(ctx context.Context, id string) (*Hold, error) {
	return s.Store.Hold(ctx, id)
}

// Transaction returns one transaction. Errors: NotFound TRANSACTION_NOT_FOUND.
func (s *Service) Transaction(ctx context.Context, id string) (*Transaction, error) {
	return s.Store.Transaction(ctx, id)
}

// Freeze stops a user's wallet from sending and withdrawing (it can still
// receive and be read), audited in the same transaction.
// Errors: Invalid REASON_REQUIRED.
func (s *Service) Freeze(ctx context.Context, userID, reason, actor, requestID string) (Freeze, error) {
	return s.setFrozen(ctx, userID, true, reason, actor, requestID)
}

// Unfreeze lifts a freeze, audited. Errors: Invalid REASON_REQUIRED.
func (s *Service) Unfreeze(ctx context.Context, userID, reason, actor, requestID string) (Freeze, error) {
	return s.setFrozen(ctx, userID, false, reason, actor, requestID)
}

func (s *Service) setFrozen(ctx context.Context, userID string, frozen bool, reason, actor, requestID string) (Freeze, error) {
	reason, err := text(reason, "reason", 500)
	if err != nil {
		return Freeze{}, err
	}
	if reason == "" {
		return Freeze{}, ErrReasonRequired
	}
	f := Freeze{UserID: userID, Frozen: frozen, Reason: reason, Actor: actor, UpdatedAt: s.now()}
	return f, s.Store.SetFrozen(ctx, f, requestID)
}

// Frozen returns a user's freeze state.
func (s *Service) Frozen(ctx context.Context, userID string) (Freeze, error) {
	return s.Store.Frozen(ctx, userID)
}

// Verify checks the ledger's invariants; the error is an *InvariantError
// naming the first broken account or transaction.
func (s *Service) Verify(ctx context.Context) (VerifyReport, error) { return s.Store.Verify(ctx) }

// Events reads up to limit outbox events, oldest first.
func (s *Service) Events(ctx context.Context, limit int) ([]Event, error) {
	return s.Store.Events(ctx, limit)
}

// DeleteEvents removes processed outbox events.
func (s *Service) DeleteEvents(ctx context.Context, ids []int64) error {
	return s.Store.DeleteEvents(ctx, ids)
}

// MarshalStored encodes an idempotency result for the store.
func MarshalStored(s Stored) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// UnmarshalStored decodes an idempotency result.
func UnmarshalStored(v string) (Stored, error) {
	var s Stored
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return s, errors.New("ledger: bad idempotency record")
	}
	return s, nil
}
