// Package sqlstore is veriwallet's SQL adapter: it implements the domain
// stores on SQLite (modernc.org/sqlite, the embedded default) and on
// PostgreSQL (pgx), through database/sql.
//
// The two engines share the query bodies where the SQL is the same (it is,
// for everything written so far: both take $n placeholders, RETURNING and
// ON CONFLICT); each engine has its own migrations, and the few statements
// that differ are chosen through the dialect. Driver errors are translated
// to domain errors here, by error code, never by message text.
//
// Personal data is encrypted before it reaches a column, with the Cipher
// the store was opened with; lookups go through keyed hashes.
package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/veriwallet/veriwallet/internal/errs"
)

//go:embed migrations
var migrations embed.FS

// Cipher encrypts personal data for columns and computes keyed hashes for
// lookups. *keys.Keyring implements it.
type Cipher interface {
	SealString(plaintext, aad string) (string, error)
	OpenString(sealed, aad string) (string, error)
	BlindIndex(domain string, value []byte) []byte
}

// Engine names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is an open database with its engine.
type DB struct {
	*sql.DB
	Engine string
	Pool   *pgxpool.Pool // PostgreSQL only: for drivers that want pgx itself (River)
	path   string        // SQLite only: the database file
	cipher Cipher
	now    func() time.Time
	stmts  sync.Map // SQLite: hot read statements, prepared once (queryRow)
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens dsn: a postgres:// URL, or a SQLite file path (optionally
// prefixed with "sqlite:"). The SQLite file's directory is created.
func Open(ctx context.Context, dsn string, c Cipher) (*DB, error) {
	if IsPostgres(dsn) {
		cfg, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("postgres url: %w", err)
		}
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		db := stdlib.OpenDBFromPool(pool)
		return &DB{DB: db, Engine: Postgres, Pool: pool, cipher: c, now: time.Now}, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if path == "" {
		return nil, errors.New("empty database path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	// Create the file owner-only; SQLite gives its -wal and -shm files the same mode.
	if f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600); err == nil {
		f.Close()
	} else {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	// SQLite allows one writer; a small pool keeps readers concurrent
	// without piling up writers on busy_timeout.
	db.SetMaxOpenConns(8)
	// Keep them open: database/sql keeps 2 idle by default, and opening a
	// SQLite connection reads the whole schema again (under concurrent
	// requests that was a quarter of the CPU).
	db.SetMaxIdleConns(8)
	return &DB{DB: db, Engine: SQLite, path: path, cipher: c, now: time.Now}, nil
}

// Close closes the database and, for PostgreSQL, its pool.
func (db *DB) Close() error {
	err := db.DB.Close()
	if db.Pool != nil {
		db.Pool.Close()
	}
	return err
}

// Migrate applies the embedded migrations of the engine. Concurrent starts
// are safe: on PostgreSQL a session advisory lock serialises them; on SQLite
// (one machine by nature) an exclusive lock on a file beside the database.
func (db *DB) Migrate(ctx context.Context, log *slog.Logger) error {
	if db.Engine == SQLite {
		f, err := os.OpenFile(db.path+".migrate-lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	sub, err := fs.Sub(migrations, "migrations/"+db.Engine)
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.DB, sub, opts...)
	if err != nil {
		return err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range res {
		if log != nil {
			log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration_ms", r.Duration.Milliseconds())
		}
	}
	return nil
}

// Pending reports whether migrations remain to be applied (for /readyz).
func (db *DB) Pending(ctx context.Context) (bool, error) {
	sub, err := fs.Sub(migrations, "migrations/"+db.Engine)
	if err != nil {
		return false, err
	}
	dialect := goose.DialectSQLite3
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db.DB, sub)
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}

// tx runs fn in one transaction, committing when it returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return translate(err)
	}
	return translate(tx.Commit())
}

// translate maps driver errors to domain errors by code.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *errs.Error
	if errors.As(err, &de) {
		return err
	}
	if isUnique(err) {
		return errs.New(errs.Conflict, "CONFLICT", "This exists already.", "该记录已存在。").Wrap(err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED) {
		return errs.New(errs.Unavailable, "DB_BUSY", "The service is busy. Please try again in a moment.", "服务繁忙，请稍后重试。").Wrap(err)
	}
	if isBadCharacter(err) {
		return errs.New(errs.Invalid, "INVALID_CHARACTERS",
			"The request contains characters that cannot be used (a NUL byte or invalid UTF-8).",
			"请求中含有无法使用的字符（NUL 字节或无效的 UTF-8）。").Wrap(err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return errs.New(errs.Unavailable, "CANCELED", "The request was cancelled or took too long. Please try again.", "请求已取消或超时，请重试。").Wrap(err)
	}
	return errs.Internalf("database: %w", err)
}

// isBadCharacter reports PostgreSQL refusing a text argument it cannot
// hold (a NUL byte, invalid UTF-8), as in an id taken from a request's path:
// the client's mistake, where SQLite simply finds nothing.
func isBadCharacter(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "22021" || pe.Code == "22P05")
}

func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// ts normalises a time for storage: UTC, microseconds (what both engines keep).
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// lockKeys serialises transactions that use the same keys (a count and
// the insert it allows, across servers): on PostgreSQL a transaction-scoped
// advisory lock per key, taken in a fixed order; SQLite transactions take
// the database's write lock when they begin (_txlock=immediate) already.
func (db *DB) lockKeys(ctx context.Context, tx *sql.Tx, keys ...string) error {
	if db.Engine != Postgres {
		return nil
	}
	ids := make([]int64, 0, len(keys))
	for _, k := range keys {
		sum := sha256.Sum256([]byte(k))
		ids = append(ids, int64(binary.BigEndian.Uint64(sum[:8])))
	}
	slices.Sort(ids)
	for i, id := range ids {
		if i > 0 && id == ids[i-1] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, id); err != nil {
			return err
		}
	}
	return nil
}

// queryRow is QueryRowContext for statements run on every request (the
// session lookup): on SQLite it keeps them prepared, since modernc parses
// an unprepared statement on every call (a tenth of the CPU of a wallet
// transfer); pgx caches prepared statements itself.
func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if db.Engine != SQLite {
		return db.QueryRowContext(ctx, q, args...)
	}
	s, ok := db.stmts.Load(q)
	if !ok {
		p, err := db.PrepareContext(ctx, q)
		if err != nil {
			return db.QueryRowContext(ctx, q, args...)
		}
		if prev, loaded := db.stmts.LoadOrStore(q, p); loaded {
			p.Close()
			s = prev
		} else {
			s = p
		}
	}
	return s.(*sql.Stmt).QueryRowContext(ctx, args...)
}

// queryStrings runs a query whose rows are one text column each.
func (db *DB) queryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, translate(err)
		}
		out = append(out, v)
	}
	return out, translate(rows.Err())
}
