package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tus/tusd/v2/pkg/handler"
)

// uploadReleaseChannel is the NOTIFY channel on which a replica that wants
// an upload's lock asks its holder, on whichever replica, to let go.
const uploadReleaseChannel = "veriwallet_upload_release"

// UploadLocker is tusd's handler.Locker shared by every replica on one
// PostgreSQL database: an upload's lock is a session advisory lock held on
// a dedicated connection for as long as the request that took it runs (a
// PATCH streaming its body, a HEAD), so two replicas never write one
// upload at once, and a replica that dies releases its locks with its
// sessions. A request that finds the lock held asks the holder to stop
// (tus's "release request") through NOTIFY: the holder saves the bytes it
// has received and lets go, as tusd's in-process locker does on one
// machine, so a client resuming on another replica after its connection
// dropped is not kept waiting for the dead request's timeout.
//
// The locks take their connections from a pool of their own (MaxConns:
// the most uploads in flight on this replica at once), apart from the
// pool of queries, so busy uploads can never starve the rest of the
// application of connections.
type UploadLocker struct {
	pool   *pgxpool.Pool
	log    *slog.Logger
	mu     sync.Mutex
	held   map[string]*uploadLock // upload id → the lock this process holds
	cancel context.CancelFunc
	done   chan struct{}
	// Poll is how often a waiting request tries the lock again (default 50 ms).
	Poll time.Duration
	// The release listener starts with the first lock (no connection is
	// opened for a server that never sees an upload).
	start   sync.Once
	started bool
	cc      *pgx.ConnConfig
	ctx     context.Context
}

// NewUploadLocker opens the shared upload locker (PostgreSQL only) with at
// most maxConns locks held by this process at once; it listens for release
// requests from its first lock on. Close it when the server stops.
func (db *DB) NewUploadLocker(ctx context.Context, log *slog.Logger, maxConns int32) (*UploadLocker, error) {
	if db.Pool == nil {
		return nil, errors.New("the shared upload locker needs PostgreSQL")
	}
	if maxConns <= 0 {
		maxConns = 16
	}
	if log == nil {
		log = slog.Default()
	}
	cfg := db.Pool.Config().Copy()
	cfg.MaxConns, cfg.MinConns = maxConns, 0
	cfg.MaxConnIdleTime = time.Minute
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("upload locker: %w", err)
	}
	lctx, cancel := context.WithCancel(context.Background())
	l := &UploadLocker{pool: pool, log: log, held: map[string]*uploadLock{}, cancel: cancel, done: make(chan struct{}),
		Poll: 50 * time.Millisecond, cc: cfg.ConnConfig, ctx: lctx}
	return l, nil
}

// Close stops listening and closes the locks' connections (which releases
// any lock still held).
func (l *UploadLocker) Close() {
	l.start.Do(func() {}) // no listener starts after this
	l.cancel()
	// Locks still held (a request that outlived the shutdown) end with
	// their sessions; pgxpool's Close would otherwise wait for them.
	l.mu.Lock()
	for id, k := range l.held {
		if k.conn != nil {
			k.drop(k.conn)
			k.conn, k.release = nil, nil
		}
		delete(l.held, id)
	}
	l.mu.Unlock()
	if l.started {
		<-l.done
	}
	l.pool.Close()
}

// listen receives release requests and passes them to this process's
// holders. It reconnects after a lost connection; while it is away, a
// waiting request repeats its request every second (Lock).
func (l *UploadLocker) listen(ctx context.Context, cc *pgx.ConnConfig, ready chan<- struct{}) {
	defer close(l.done)
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, cc.Copy())
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+uploadReleaseChannel)
		}
		if ready != nil {
			close(ready)
			ready = nil
		}
		for err == nil {
			var n *pgconn.Notification
			n, err = conn.WaitForNotification(ctx)
			if err == nil {
				l.requestRelease(n.Payload)
			}
		}
		if conn != nil {
			conn.Close(context.Background())
		}
		if ctx.Err() == nil {
			l.log.Warn("upload locker: release listener reconnecting", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// requestRelease asks this process's holder of upload id, if any, to stop.
func (l *UploadLocker) requestRelease(id string) {
	var release func()
	l.mu.Lock()
	if h := l.held[id]; h != nil {
		release = h.release
	}
	l.mu.Unlock()
	if release != nil {
		release()
	}
}

// NewLock implements handler.Locker.
func (l *UploadLocker) NewLock(id string) (handler.Lock, error) {
	l.start.Do(func() {
		l.started = true
		ready := make(chan struct{})
		go l.listen(l.ctx, l.cc, ready)
		// Wait (briefly) for LISTEN, so a release request sent right
		// after this process takes its first lock is not missed.
		select {
		case <-ready:
		case <-time.After(5 * time.Second):
		}
	})
	return &uploadLock{l: l, id: id, key: uploadLockKey(id)}, nil
}

// uploadLockKey maps an upload id to an advisory lock key (64 bits of its
// SHA-256; a collision only makes two uploads wait for each other).
func uploadLockKey(id string) int64 {
	h := sha256.Sum256([]byte("veriwallet-upload:" + id))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

type uploadLock struct {
	l       *UploadLocker
	id      string
	key     int64
	conn    *pgxpool.Conn
	release func()
}

// Lock implements handler.Lock: it takes the advisory lock on a connection
// of its own, asking the current holder (on any replica) to release it,
// until ctx ends (handler.ErrLockTimeout).
func (k *uploadLock) Lock(ctx context.Context, requestRelease func()) error {
	conn, err := k.l.pool.Acquire(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return handler.ErrLockTimeout
		}
		return err
	}
	var asked time.Time
	for {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, k.key).Scan(&ok); err != nil {
			k.drop(conn)
			if ctx.Err() != nil {
				return handler.ErrLockTimeout
			}
			return err
		}
		if ok {
			k.l.mu.Lock()
			k.conn, k.release = conn, requestRelease
			k.l.held[k.id] = k
			k.l.mu.Unlock()
			return nil
		}
		if time.Since(asked) >= time.Second {
			if _, err := conn.Exec(ctx, `SELECT pg_notify($1, $2)`, uploadReleaseChannel, k.id); err != nil && ctx.Err() == nil {
				k.drop(conn)
				return err
			}
			asked = time.Now()
		}
		select {
		case <-ctx.Done():
			conn.Release()
			return handler.ErrLockTimeout
		case <-time.After(k.l.Poll):
		}
	}
}

// Unlock implements handler.Lock.
func (k *uploadLock) Unlock() error {
	k.l.mu.Lock()
	conn := k.conn
	k.conn, k.release = nil, nil
	if k.l.held[k.id] == k {
		delete(k.l.held, k.id)
	}
	k.l.mu.Unlock()
	if conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_advisory_unlock($1)`, k.key).Scan(&ok); err != nil || !ok {
		// The session may still hold the lock: end it, which releases it.
		k.drop(conn)
		if err != nil {
			return fmt.Errorf("upload unlock: %w", err)
		}
		return nil
	}
	conn.Release()
	return nil
}

// drop closes a lock connection instead of returning it to the pool.
func (k *uploadLock) drop(conn *pgxpool.Conn) {
	c := conn.Hijack()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.Close(ctx)
}
