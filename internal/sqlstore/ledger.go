package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/ledger"
)

// Ledger implements ledger.Store.
type Ledger struct {
	db  *DB
	loc *time.Location
	// known caches account rows that exist (they are never deleted), so a
	// batch does not insert them again.
	known sync.Map
	stmts sync.Map // statement text → *sql.Stmt
	// SQLite: the batches' own connection, with synchronous=FULL (see inTx).
	connMu sync.Mutex
	conn   *sql.Conn
}

// inTx runs a batch in one transaction. On SQLite it uses a connection of
// its own set to synchronous=FULL: the rest of the application runs
// synchronous=NORMAL (durable across a crash of the process, not of the
// machine), while a wallet commit that a 2xx answers must survive a power
// cut too; group commit makes that one fsync per batch.
func (l *Ledger) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if l.db.Engine != SQLite {
		return l.db.tx(ctx, fn)
	}
	l.connMu.Lock()
	defer l.connMu.Unlock()
	drop := func() {
		if l.conn != nil {
			_ = l.conn.Close()
			l.conn = nil
		}
	}
	if l.conn == nil {
		c, err := l.db.Conn(ctx)
		if err != nil {
			return translate(err)
		}
		if _, err := c.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
			_ = c.Close()
			return translate(err)
		}
		l.conn = c
	}
	tx, err := l.conn.BeginTx(ctx, nil)
	if err != nil {
		drop()
		return translate(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return translate(err)
	}
	if err := tx.Commit(); err != nil {
		drop()
		return translate(err)
	}
	return nil
}

// Ledger returns the wallet ledger on db; loc is the limit windows' time
// zone (nil: UTC+8).
func (db *DB) Ledger(loc *time.Location) *Ledger {
	if loc == nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	return &Ledger{db: db, loc: loc}
}

var _ ledger.Store = (*Ledger)(nil)

// params returns "$from, $from+1, …" n placeholders.
func params(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// anyOf returns "IN ($k, …)" for vals and the args.
func anyOf(from int, vals []string) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return "IN (" + params(from, len(vals)) + ")", args
}

func uniq(v []string) []string {
	slices.Sort(v)
	return slices.Compact(v)
}

// ensureAccounts creates the balance rows of ids that do not exist yet, in
// their own statement before the batch's transaction locks them (locking
// a row that does not exist locks nothing). Customer accounts are created
// only for users that exist.
func (l *Ledger) ensureAccounts(ctx context.Context, ids []string, now time.Time) error {
	for _, id := range ids {
		if _, ok := l.known.Load(id); ok {
			continue
		}
		var err error
		if u := ledger.AccountUser(id); u != "" {
			_, err = l.db.ExecContext(ctx, `INSERT INTO wallet_accounts (id, user_id, asset, balance, held, updated_at)
				SELECT $1, id, $2, 0, 0, $3 FROM users WHERE id = $4 ON CONFLICT (id) DO NOTHING`, id, ledger.AccountAsset(id), ts(now), u)
		} else {
			_, err = l.db.ExecContext(ctx, `INSERT INTO wallet_accounts (id, user_id, asset, balance, held, updated_at)
				VALUES ($1, '', $2, 0, 0, $3) ON CONFLICT (id) DO NOTHING`, id, ledger.AccountAsset(id), ts(now))
		}
		if err != nil {
			return translate(err)
		}
	}
	return nil
}

// Apply implements ledger.Store.
func (l *Ledger) Apply(ctx context.Context, ops []*ledger.Op, now time.Time) (err error) {
	now = ts(now)
	st := ledger.NewState(l.loc)
	// Holds and reversal originals name the accounts to lock; what they
	// say about accounts never changes, their state is read again below.
	var holdIDs, txIDs []string
	for _, op := range ops {
		switch op.Kind {
		case ledger.OpCapture, ledger.OpRelease, ledger.OpExpire:
			holdIDs = append(holdIDs, op.HoldID)
		case ledger.OpReverse:
			txIDs = append(txIDs, op.TxID)
		}
	}
	if err := l.loadHolds(ctx, l.db.DB, st, uniq(holdIDs)); err != nil {
		return err
	}
	if err := l.loadTxs(ctx, st, uniq(txIDs)); err != nil {
		return err
	}
	var accts []string
	for _, op := range ops {
		accts = append(accts, op.Accounts(st)...)
	}
	accts = uniq(accts)
	if err := l.ensureAccounts(ctx, accts, now); err != nil {
		return err
	}
	defer func() { // Apply panics only on a bug (an account not loaded): fail the batch, not the server
		if r := recover(); r != nil {
			err = errs.Internalf("ledger apply: %v", r)
		}
	}()
	err = l.inTx(ctx, func(tx *sql.Tx) error {
		if err := l.lockAccounts(ctx, tx, st, accts, now); err != nil {
			return err
		}
		if err := l.loadHolds(ctx, tx, st, uniq(holdIDs)); err != nil {
			return err
		}
		if err := l.loadState(ctx, tx, st, ops, now); err != nil {
			return err
		}
		for _, op := range ops {
			missing := false
			for _, a := range op.Accounts(st) {
				if st.Accounts[a] == nil {
					missing = true
				}
			}
			if missing {
				if op.Kind == ledger.OpDeposit {
					op.Result, op.Err = nil, ledger.ErrPayeeNotFound.OnField("user_id")
				} else {
					op.Result, op.Err = nil, ledger.ErrPayeeNotFound
				}
				continue
			}
			ledger.Apply(st, op, now)
		}
		return l.write(ctx, tx, st, now)
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001" || pe.Code == "55P03") {
		// a deadlock or serialisation failure (another server's batch): the service runs the batch again
		return errs.New(errs.Unavailable, "DB_BUSY", "The service is busy. Please try again in a moment.", "服务繁忙，请稍后重试。").Wrap(err)
	}
	return err
}

type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (l *Ledger) loadHolds(ctx context.Context, q rowsQuerier, st *ledger.State, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	in, args := anyOf(1, ids)
	rows, err := q.QueryContext(ctx, `SELECT id, user_id, asset, amount, captured, status, destination, tx_id, expires_at, created_at, updated_at
		FROM wallet_holds WHERE id `+in, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return err
		}
		st.Holds[h.ID] = h
	}
	return translate(rows.Err())
}

func scanHold(rows interface{ Scan(...any) error }) (*ledger.Hold, error) {
	var h ledger.Hold
	if err := rows.Scan(&h.ID, &h.UserID, &h.Asset, &h.Amount, &h.Captured, &h.Status, &h.Destination, &h.TxID,
		&h.ExpiresAt, &h.CreatedAt, &h.UpdatedAt); err != nil {
		return nil, translate(err)
	}
	h.ExpiresAt, h.CreatedAt, h.UpdatedAt = h.ExpiresAt.UTC(), h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return &h, nil
}

func (l *Ledger) loadTxs(ctx context.Context, st *ledger.State, ids []string) error {
	for _, id := range ids {
		t, err := l.Transaction(ctx, id)
		if errs.Is(err, ledger.ErrTxNotFound.Code) {
			continue
		}
		if err != nil {
			return err
		}
		st.Txs[id] = t
	}
	return nil
}

// stmt returns q prepared for tx, from a cache of statements prepared on
// the database (database/sql keeps each one prepared per connection).
func (l *Ledger) stmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	s, ok := l.stmts.Load(q)
	if !ok {
		p, err := l.db.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		if prev, loaded := l.stmts.LoadOrStore(q, p); loaded {
			p.Close()
			s = prev
		} else {
			s = p
		}
	}
	return tx.StmtContext(ctx, s.(*sql.Stmt)), nil
}

// query reads rows for a set of keys. PostgreSQL runs pg once with array
// arguments (one statement text whatever the batch's size, so pgx's
// statement cache serves it: one round trip); SQLite runs the prepared
// one-key statement lite once per key (no network, and no parsing).
func (l *Ledger) query(ctx context.Context, tx *sql.Tx, pg string, pgArgs []any, lite string, keys [][]any, scan func(*sql.Rows) error) error {
	run := func(rows *sql.Rows, err error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if l.db.Engine == Postgres {
		return run(tx.QueryContext(ctx, pg, pgArgs...))
	}
	s, err := l.stmt(ctx, tx, lite)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := run(s.QueryContext(ctx, k...)); err != nil {
			return err
		}
	}
	return nil
}

// insert writes rows into table. PostgreSQL: one INSERT … SELECT FROM
// unnest of one array per column (types are the columns' PostgreSQL
// types); SQLite: a prepared one-row INSERT per row.
func (l *Ledger) insert(ctx context.Context, tx *sql.Tx, w *pgWrites, table string, cols, types []string, rows [][]any, tail string) error {
	if len(rows) == 0 {
		return nil
	}
	if l.db.Engine == Postgres {
		arrays := make([]any, len(cols))
		casts := make([]string, len(cols))
		off := 0
		if w != nil {
			off = len(w.args)
		}
		for j, typ := range types {
			casts[j] = fmt.Sprintf("$%d::%s[]", off+j+1, typ)
			switch typ {
			case "text":
				a := make([]string, len(rows))
				for i, r := range rows {
					a[i] = r[j].(string)
				}
				arrays[j] = a
			case "bigint":
				a := make([]int64, len(rows))
				for i, r := range rows {
					a[i] = r[j].(int64)
				}
				arrays[j] = a
			case "timestamptz":
				a := make([]time.Time, len(rows))
				for i, r := range rows {
					a[i] = r[j].(time.Time)
				}
				arrays[j] = a
			default:
				return fmt.Errorf("ledger insert: type %s", typ)
			}
		}
		q := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) SELECT * FROM unnest(` + strings.Join(casts, ", ") + `)` + tail
		if w != nil {
			w.add(q, arrays...)
			return nil
		}
		_, err := tx.ExecContext(ctx, q, arrays...)
		return err
	}
	s, err := l.stmt(ctx, tx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+params(1, len(cols))+`)`+tail)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if _, err := s.ExecContext(ctx, r...); err != nil {
			return err
		}
	}
	return nil
}

// pgWrites collects a batch's writes on PostgreSQL into one statement of
// data-modifying CTEs: one round trip instead of one per table.
type pgWrites struct {
	parts []string
	args  []any
}

// add appends a statement whose placeholders start after the args so far.
func (w *pgWrites) add(q string, args ...any) {
	w.parts = append(w.parts, fmt.Sprintf("w%d AS (%s)", len(w.parts), q))
	w.args = append(w.args, args...)
}

func (w *pgWrites) exec(ctx context.Context, tx *sql.Tx) error {
	if len(w.parts) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `WITH `+strings.Join(w.parts, ",\n")+` SELECT 1`, w.args...)
	return err
}

func keys1(vals []string) [][]any {
	out := make([][]any, len(vals))
	for i, v := range vals {
		out[i] = []any{v}
	}
	return out
}

func keys2(set map[[2]string]bool) ([][]any, []string, []string) {
	var out [][]any
	var a, b []string
	for k := range set {
		out = append(out, []any{k[0], k[1]})
		a, b = append(a, k[0]), append(b, k[1])
	}
	return out, a, b
}

// lockAccounts locks the batch's balance rows in id order (PostgreSQL: one
// SELECT … ORDER BY id FOR UPDATE; a SQLite transaction holds the
// database's write lock) and loads them.
func (l *Ledger) lockAccounts(ctx context.Context, tx *sql.Tx, st *ledger.State, ids []string, now time.Time) error {
	day, month := ledger.Periods(now, l.loc)
	return l.query(ctx, tx, `SELECT `+accountCols+` FROM wallet_accounts a WHERE a.id = ANY($1::text[]) ORDER BY a.id FOR UPDATE OF a`,
		[]any{ids}, `SELECT `+accountCols+` FROM wallet_accounts a WHERE a.id = $1`, keys1(ids), func(rows *sql.Rows) error {
			var a ledger.AccountState
			var u [4]struct {
				period string
				amount int64
			}
			var frozen, closed bool
			if err := rows.Scan(&a.ID, &a.UserID, &a.Asset, &a.Balance, &a.Held, &u[0].period, &u[0].amount, &u[1].period, &u[1].amount,
				&u[2].period, &u[2].amount, &u[3].period, &u[3].amount, &frozen, &closed); err != nil {
				return err
			}
			st.Accounts[a.ID] = &a
			if a.UserID != "" {
				st.Frozen[a.UserID] = frozen
				if st.Closed != nil {
					st.Closed[a.UserID] = closed
				}
			}
			l.known.Store(a.ID, true)
			// Only the current windows count; older ones are over.
			for i, w := range [4][2]string{{"send", day}, {"send", month}, {"withdraw", day}, {"withdraw", month}} {
				if a.UserID != "" && u[i].period == w[1] {
					st.Usage[ledger.UsageKey{UserID: a.UserID, Asset: a.Asset, Dir: w[0], Period: w[1]}] = u[i].amount
				}
			}
			return nil
		})
}

// accountCols are a balance row's columns: the balance, the amount held,
// and what the customer sent and withdrew in the current day and month of
// the limits' time zone (kept on the row the transfer locks anyway, so
// limits cost no extra reads or writes).
// The user's freeze comes with it: every operation a freeze stops locks
// the user's account, and SetFrozen takes those locks too. So does whether
// the user may be paid (a closed account, or staff, may not).
const accountCols = `a.id, a.user_id, a.asset, a.balance, a.held, a.send_day, a.send_day_amount, a.send_month, a.send_month_amount,
	a.withdraw_day, a.withdraw_day_amount, a.withdraw_month, a.withdraw_month_amount,
	COALESCE((SELECT u.frozen FROM wallet_users u WHERE u.user_id = a.user_id AND a.user_id <> ''), FALSE),
	COALESCE((SELECT c.closed_at IS NOT NULL OR c.role <> 'customer' FROM users c WHERE c.id = a.user_id AND a.user_id <> ''), FALSE)`

// loadState reads, under the accounts' locks, what the ops decide on:
// freezes, limit usage, booked deposits, reversals and idempotency keys.
func (l *Ledger) loadState(ctx context.Context, tx *sql.Tx, st *ledger.State, ops []*ledger.Op, now time.Time) error {
	refs, idem := map[[2]string]bool{}, map[[2]string]bool{}
	for _, op := range ops {
		if op.Kind == ledger.OpDeposit {
			refs[[2]string{op.Source, op.Reference}] = true
		}
		if op.IdemKey != "" {
			idem[[2]string{op.Principal, op.IdemKey}] = true
		}
	}
	if len(refs) > 0 {
		keys, src, ref := keys2(refs)
		err := l.query(ctx, tx, `SELECT source, reference, id FROM wallet_transactions WHERE type = 'deposit'
			AND (source, reference) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, []any{src, ref},
			`SELECT source, reference, id FROM wallet_transactions WHERE type = 'deposit' AND source = $1 AND reference = $2`, keys,
			func(rows *sql.Rows) error {
				var s, r, id string
				if err := rows.Scan(&s, &r, &id); err != nil {
					return err
				}
				st.Deposits[s+"\x00"+r] = id
				return nil
			})
		if err != nil {
			return err
		}
	}
	if len(idem) > 0 {
		keys, pr, ks := keys2(idem)
		err := l.query(ctx, tx, `SELECT principal, key, hash, result FROM wallet_idempotency
			WHERE (principal, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, []any{pr, ks},
			`SELECT principal, key, hash, result FROM wallet_idempotency WHERE principal = $1 AND key = $2`, keys,
			func(rows *sql.Rows) error {
				var rec ledger.IdemRecord
				var res string
				if err := rows.Scan(&rec.Principal, &rec.Key, &rec.Hash, &res); err != nil {
					return err
				}
				var err error
				if rec.Result, err = ledger.UnmarshalStored(res); err != nil {
					return err
				}
				st.Idem[rec.Principal+"\x00"+rec.Key] = &rec
				return nil
			})
		if err != nil {
			return err
		}
	}
	for id := range st.Txs {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM wallet_transactions WHERE reversal_of = $1`, id).Scan(&n); err != nil {
			return err
		}
		st.Reversed[id] = n > 0
	}
	return nil
}

// write stores the batch's effects.
func (l *Ledger) write(ctx context.Context, tx *sql.Tx, st *ledger.State, now time.Time) error {
	var w *pgWrites
	if l.db.Engine == Postgres {
		w = &pgWrites{}
	}
	var txs, posts [][]any
	for _, t := range st.NewTxs {
		txs = append(txs, []any{t.ID, t.Type, t.Asset, t.Amount, t.From, t.To, t.Memo, t.Source, t.Reference, t.RequestRef,
			t.HoldID, t.ReversalOf, t.Actor, t.Reason, now})
		for _, p := range t.Postings {
			posts = append(posts, []any{t.ID, p.Account, p.UserID, p.Asset, p.Amount})
		}
	}
	if err := l.insert(ctx, tx, w, "wallet_transactions",
		[]string{"id", "type", "asset", "amount", "from_user", "to_user", "memo", "source", "reference", "request_ref", "hold_id", "reversal_of", "actor", "reason", "created_at"},
		[]string{"text", "text", "text", "bigint", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "timestamptz"}, txs, ""); err != nil {
		return err
	}
	if err := l.insert(ctx, tx, w, "wallet_postings", []string{"tx_id", "account_id", "user_id", "asset", "amount"},
		[]string{"text", "text", "text", "text", "bigint"}, posts, ""); err != nil {
		return err
	}
	for k := range st.UsageDirty {
		if a := st.Accounts[ledger.CustomerAccount(k.UserID, k.Asset)]; a != nil {
			a.Dirty = true
		}
	}
	var dirty []*ledger.AccountState
	for _, a := range st.Accounts {
		if a.Dirty {
			dirty = append(dirty, a)
		}
	}
	slices.SortFunc(dirty, func(a, b *ledger.AccountState) int { return strings.Compare(a.ID, b.ID) })
	day, month := ledger.Periods(now, l.loc)
	usage := func(a *ledger.AccountState, dir, period string) int64 {
		return st.Usage[ledger.UsageKey{UserID: a.UserID, Asset: a.Asset, Dir: dir, Period: period}]
	}
	if len(dirty) > 0 {
		if l.db.Engine == Postgres {
			n := len(dirty)
			ids, bals, helds := make([]string, n), make([]int64, n), make([]int64, n)
			sd, sm, wd, wm := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
			for i, a := range dirty {
				ids[i], bals[i], helds[i] = a.ID, a.Balance, a.Held
				sd[i], sm[i] = usage(a, "send", day), usage(a, "send", month)
				wd[i], wm[i] = usage(a, "withdraw", day), usage(a, "withdraw", month)
			}
			o := len(w.args)
			w.add(fmt.Sprintf(`UPDATE wallet_accounts SET balance = v.balance, held = v.held, updated_at = $%[8]d,
				send_day = $%[9]d, send_day_amount = v.sd, send_month = $%[10]d, send_month_amount = v.sm,
				withdraw_day = $%[9]d, withdraw_day_amount = v.wd, withdraw_month = $%[10]d, withdraw_month_amount = v.wm
				FROM unnest($%[1]d::text[], $%[2]d::bigint[], $%[3]d::bigint[], $%[4]d::bigint[], $%[5]d::bigint[], $%[6]d::bigint[], $%[7]d::bigint[])
				AS v (id, balance, held, sd, sm, wd, wm) WHERE wallet_accounts.id = v.id`, o+1, o+2, o+3, o+4, o+5, o+6, o+7, o+8, o+9, o+10),
				ids, bals, helds, sd, sm, wd, wm, now, day, month)
		} else {
			s, err := l.stmt(ctx, tx, `UPDATE wallet_accounts SET balance = $1, held = $2, updated_at = $3,
				send_day = $4, send_day_amount = $5, send_month = $6, send_month_amount = $7,
				withdraw_day = $4, withdraw_day_amount = $8, withdraw_month = $6, withdraw_month_amount = $9 WHERE id = $10`)
			if err != nil {
				return err
			}
			for _, a := range dirty {
				if _, err := s.ExecContext(ctx, a.Balance, a.Held, now, day, usage(a, "send", day), month, usage(a, "send", month),
					usage(a, "withdraw", day), usage(a, "withdraw", month), a.ID); err != nil {
					return err
				}
			}
		}
	}
	if len(st.HoldWrites) > 0 {
		seen := map[string]bool{}
		var rows [][]any
		for i := len(st.HoldWrites) - 1; i >= 0; i-- {
			h := st.HoldWrites[i]
			if seen[h.ID] {
				continue
			}
			seen[h.ID] = true
			rows = append(rows, []any{h.ID, h.UserID, h.Asset, h.Amount, h.Captured, h.Status, h.Destination, h.TxID,
				ts(h.ExpiresAt), ts(h.CreatedAt), ts(h.UpdatedAt)})
		}
		if err := l.insert(ctx, tx, w, "wallet_holds",
			[]string{"id", "user_id", "asset", "amount", "captured", "status", "destination", "tx_id", "expires_at", "created_at", "updated_at"},
			[]string{"text", "text", "text", "bigint", "bigint", "text", "text", "text", "timestamptz", "timestamptz", "timestamptz"}, rows,
			` ON CONFLICT (id) DO UPDATE SET captured = excluded.captured, status = excluded.status, tx_id = excluded.tx_id,
			updated_at = excluded.updated_at`); err != nil {
			return err
		}
	}
	var idem [][]any
	for _, r := range st.NewIdem {
		idem = append(idem, []any{r.Principal, r.Key, r.Hash, ledger.MarshalStored(r.Result), now})
	}
	if err := l.insert(ctx, tx, w, "wallet_idempotency", []string{"principal", "key", "hash", "result", "created_at"},
		[]string{"text", "text", "text", "text", "timestamptz"}, idem, ""); err != nil {
		return err
	}
	var evs [][]any
	for _, e := range st.Events {
		evs = append(evs, []any{e.TxID, e.HoldID, e.Type, strings.Join(e.UserIDs, ","), e.Asset, e.Amount, now})
	}
	if err := l.insert(ctx, tx, w, "wallet_events", []string{"tx_id", "hold_id", "type", "user_ids", "asset", "amount", "created_at"},
		[]string{"text", "text", "text", "text", "text", "bigint", "timestamptz"}, evs, ""); err != nil {
		return err
	}
	if w != nil {
		return w.exec(ctx, tx)
	}
	return nil
}

// ExpiredHolds implements ledger.Store.
func (l *Ledger) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return l.db.queryStrings(ctx, `SELECT id FROM wallet_holds WHERE status = 'open' AND expires_at < $1 ORDER BY expires_at LIMIT $2`, ts(now), limit)
}

// Balances implements ledger.Store.
func (l *Ledger) Balances(ctx context.Context, userID string) ([]ledger.Balance, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT asset, balance, held FROM wallet_accounts WHERE user_id = $1 AND user_id <> '' ORDER BY asset`, userID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []ledger.Balance{}
	for rows.Next() {
		var b ledger.Balance
		if err := rows.Scan(&b.Asset, &b.Balance, &b.Held); err != nil {
			return nil, translate(err)
		}
		b.Available = b.Balance - b.Held
		out = append(out, b)
	}
	return out, translate(rows.Err())
}

// Entries implements ledger.Store: up to f.Limit+1 entries before cursor
// (a posting's seq; 0: the newest), newest first.
func (l *Ledger) Entries(ctx context.Context, userID string, f ledger.TxFilter, cursor int64) ([]ledger.Entry, error) {
	q := `SELECT p.seq, p.tx_id, t.type, p.asset, p.amount, t.from_user, t.to_user, t.memo, t.reference, t.reversal_of, t.created_at
		FROM wallet_postings p JOIN wallet_transactions t ON t.id = p.tx_id WHERE p.user_id = $1 AND p.user_id <> ''`
	args := []any{userID}
	add := func(cond string, v any) {
		args = append(args, v)
		q += " AND " + strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args)))
	}
	if f.Asset != "" {
		add("p.asset = ?", f.Asset)
	}
	if f.Type != "" {
		add("t.type = ?", f.Type)
	}
	if !f.From.IsZero() {
		add("t.created_at >= ?", ts(f.From))
	}
	if !f.To.IsZero() {
		add("t.created_at < ?", ts(f.To))
	}
	if cursor > 0 {
		add("p.seq < ?", cursor)
	}
	args = append(args, f.Limit+1)
	q += " ORDER BY p.seq DESC LIMIT $" + strconv.Itoa(len(args))
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []ledger.Entry{}
	for rows.Next() {
		var e ledger.Entry
		var from, to string
		if err := rows.Scan(&e.Seq, &e.TxID, &e.Type, &e.Asset, &e.Amount, &from, &to, &e.Memo, &e.Reference, &e.ReversalOf, &e.CreatedAt); err != nil {
			return nil, translate(err)
		}
		e.CreatedAt = e.CreatedAt.UTC()
		e.Counterparty = to
		if to == userID {
			e.Counterparty = from
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// Transaction implements ledger.Store.
func (l *Ledger) Transaction(ctx context.Context, id string) (*ledger.Transaction, error) {
	var t ledger.Transaction
	err := l.db.QueryRowContext(ctx, `SELECT id, type, asset, amount, from_user, to_user, memo, source, reference, request_ref, hold_id,
		reversal_of, actor, reason, created_at FROM wallet_transactions WHERE id = $1`, id).Scan(&t.ID, &t.Type, &t.Asset, &t.Amount,
		&t.From, &t.To, &t.Memo, &t.Source, &t.Reference, &t.RequestRef, &t.HoldID, &t.ReversalOf, &t.Actor, &t.Reason, &t.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ledger.ErrTxNotFound
	}
	if err != nil {
		return nil, translate(err)
	}
	t.CreatedAt = t.CreatedAt.UTC()
	rows, err := l.db.QueryContext(ctx, `SELECT account_id, user_id, asset, amount FROM wallet_postings WHERE tx_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p ledger.Posting
		if err := rows.Scan(&p.Account, &p.UserID, &p.Asset, &p.Amount); err != nil {
			return nil, translate(err)
		}
		t.Postings = append(t.Postings, p)
	}
	return &t, translate(rows.Err())
}

// Hold implements ledger.Store.
func (l *Ledger) Hold(ctx context.Context, id string) (*ledger.Hold, error) {
	h, err := scanHold(l.db.QueryRowContext(ctx, `SELECT id, user_id, asset, amount, captured, status, destination, tx_id, expires_at,
		created_at, updated_at FROM wallet_holds WHERE id = $1`, id))
	if errs.Is(err, "INTERNAL") && errors.Is(err, sql.ErrNoRows) {
		return nil, ledger.ErrHoldNotFound
	}
	return h, err
}

// Holds implements ledger.Store.
func (l *Ledger) Holds(ctx context.Context, userID string, limit int) ([]ledger.Hold, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, user_id, asset, amount, captured, status, destination, tx_id, expires_at,
		created_at, updated_at FROM wallet_holds WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2`, userID, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []ledger.Hold{}
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *h)
	}
	return out, translate(rows.Err())
}

// SetFrozen implements ledger.Store: the state, its outbox event and its
// audit event commit together. On PostgreSQL it takes the user's account
// locks first, so a batch deciding on the old state finishes before.
func (l *Ledger) SetFrozen(ctx context.Context, f ledger.Freeze, requestID string) error {
	return l.db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1`, f.UserID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.New(errs.NotFound, "USER_NOT_FOUND", "No such user.", "用户不存在。")
		}
		if l.db.Engine == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT id FROM wallet_accounts WHERE user_id = $1 ORDER BY id FOR UPDATE`, f.UserID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO wallet_users (user_id, frozen, reason, actor, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (user_id) DO UPDATE SET frozen = excluded.frozen, reason = excluded.reason, actor = excluded.actor,
			updated_at = excluded.updated_at`, f.UserID, f.Frozen, f.Reason, f.Actor, ts(f.UpdatedAt)); err != nil {
			return err
		}
		ev, action := ledger.EventUnfrozen, "wallet.unfreeze"
		if f.Frozen {
			ev, action = ledger.EventFrozen, "wallet.freeze"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO wallet_events (tx_id, hold_id, type, user_ids, asset, amount, created_at)
			VALUES ('', '', $1, $2, '', 0, $3)`, ev, f.UserID, ts(f.UpdatedAt)); err != nil {
			return err
		}
		return appendAuditTx(ctx, l.db, tx, &audit.Event{At: f.UpdatedAt, Actor: f.Actor, Action: action, Subject: f.UserID,
			Detail: f.Reason, RequestID: requestID})
	})
}

// Frozen implements ledger.Store.
func (l *Ledger) Frozen(ctx context.Context, userID string) (ledger.Freeze, error) {
	f := ledger.Freeze{UserID: userID}
	err := l.db.QueryRowContext(ctx, `SELECT frozen, reason, actor, updated_at FROM wallet_users WHERE user_id = $1`, userID).
		Scan(&f.Frozen, &f.Reason, &f.Actor, &f.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil
	}
	f.UpdatedAt = f.UpdatedAt.UTC()
	return f, translate(err)
}

// Verify implements ledger.Store.
func (l *Ledger) Verify(ctx context.Context) (ledger.VerifyReport, error) {
	var r ledger.VerifyReport
	var id string
	one := func(q string) (bool, error) {
		err := l.db.QueryRowContext(ctx, q).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, translate(err)
	}
	if bad, err := one(`SELECT tx_id FROM wallet_postings GROUP BY tx_id HAVING SUM(amount) <> 0 ORDER BY tx_id LIMIT 1`); err != nil || bad {
		return r, orInvariant(err, &ledger.InvariantError{TxID: id, Problem: "postings do not sum to zero"})
	}
	if bad, err := one(`SELECT t.id FROM wallet_transactions t WHERE NOT EXISTS (SELECT 1 FROM wallet_postings p WHERE p.tx_id = t.id)
		OR EXISTS (SELECT 1 FROM wallet_postings p WHERE p.tx_id = t.id AND p.asset <> t.asset) ORDER BY t.id LIMIT 1`); err != nil || bad {
		return r, orInvariant(err, &ledger.InvariantError{TxID: id, Problem: "no postings, or postings in another asset"})
	}
	if bad, err := one(`SELECT asset FROM wallet_postings GROUP BY asset HAVING SUM(amount) <> 0 ORDER BY asset LIMIT 1`); err != nil || bad {
		return r, orInvariant(err, &ledger.InvariantError{Account: "asset " + id, Problem: "the postings of the asset do not sum to zero"})
	}
	if bad, err := one(`SELECT a.id FROM wallet_accounts a LEFT JOIN (SELECT account_id, SUM(amount) AS s FROM wallet_postings GROUP BY account_id) p
		ON p.account_id = a.id WHERE a.balance <> COALESCE(p.s, 0) ORDER BY a.id LIMIT 1`); err != nil || bad {
		return r, orInvariant(err, &ledger.InvariantError{Account: id, Problem: "the balance is not the sum of its postings"})
	}
	if bad, err := one(`SELECT DISTINCT p.account_id FROM wallet_postings p LEFT JOIN wallet_accounts a ON a.id = p.account_id
		WHERE a.id IS NULL ORDER BY p.account_id LIMIT 1`); err != nil || bad {
		return r, orInvariant(err, &ledger.InvariantError{Account: id, Problem: "postings on an account that does not exist"})
	}
	if bad, err := one(`SELECT a.id FROM wallet_accounts a LEFT JOIN (SELECT user_id, asset, SUM(amount) AS s FROM wallet_holds
		WHERE status = 'open' GROUP BY user_id, asset) h ON h.user_id = a.user_id AND h.asset = a.asset
		WHERE a.user_id <> '' AND a.held <> COALESCE(h.s, 0) ORDER BY a.id LIMIT 1`); err != nil || bad {
		return r, orInvariant(err, &ledger.InvariantError{Account: id, Problem: "the amount held is not the sum of its open holds"})
	}
	if bad, err := one(`SELECT id FROM wallet_accounts WHERE user_id <> '' AND (balance < 0 OR balance - held < 0) ORDER BY id LIMIT 1`); err != nil || bad {
		return r, orInvariant(err, &ledger.InvariantError{Account: id, Problem: "the available balance is below zero"})
	}
	err := l.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM wallet_transactions), (SELECT COUNT(*) FROM wallet_postings),
		(SELECT COUNT(*) FROM wallet_accounts), (SELECT COUNT(*) FROM wallet_holds WHERE status = 'open')`).
		Scan(&r.Transactions, &r.Postings, &r.Accounts, &r.OpenHolds)
	return r, translate(err)
}

func orInvariant(err error, ie *ledger.InvariantError) error {
	if err != nil {
		return err
	}
	return ie
}

// Events implements ledger.Store.
func (l *Ledger) Events(ctx context.Context, limit int) ([]ledger.Event, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, tx_id, hold_id, type, user_ids, asset, amount, created_at FROM wallet_events
		ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []ledger.Event{}
	for rows.Next() {
		var e ledger.Event
		var users string
		if err := rows.Scan(&e.ID, &e.TxID, &e.HoldID, &e.Type, &users, &e.Asset, &e.Amount, &e.CreatedAt); err != nil {
			return nil, translate(err)
		}
		e.CreatedAt = e.CreatedAt.UTC()
		e.UserIDs = []string{}
		if users != "" {
			e.UserIDs = strings.Split(users, ",")
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// DeleteEvents implements ledger.Store.
func (l *Ledger) DeleteEvents(ctx context.Context, ids []int64) error {
	for chunk := range slices.Chunk(ids, 1000) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if _, err := l.db.ExecContext(ctx, `DELETE FROM wallet_events WHERE id IN (`+params(1, len(chunk))+`)`, args...); err != nil {
			return translate(err)
		}
	}
	return nil
}
