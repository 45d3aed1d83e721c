package sqlstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"

	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// TestUploadLockerAcrossReplicas: two lockers on one database stand for two
// replicas. One upload's lock is held by one at a time; a waiter asks the
// holder to release (the holder's callback runs in the other "replica") and
// gets the lock when it does; a holder that does not release makes the
// waiter time out with tusd's ErrLockTimeout; a holder whose session dies
// (a replica killed) leaves the lock free.
func TestUploadLockerAcrossReplicas(t *testing.T) {
	dsn := sqltest.DSN(t, sqlstore.Postgres)
	ctx := context.Background()
	open := func() *sqlstore.UploadLocker {
		db, err := sqlstore.Open(ctx, dsn, sqltest.Keyring(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		l, err := db.NewUploadLocker(ctx, nil, 4)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		return l
	}
	r1, r2 := open(), open()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := "upl_" + hex.EncodeToString(b)

	// r1 holds; r2 waits and times out when r1 ignores the request.
	l1, _ := r1.NewLock(id)
	asked := make(chan struct{}, 10)
	if err := l1.Lock(ctx, func() { asked <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	l2, _ := r2.NewLock(id)
	tctx, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
	err := l2.Lock(tctx, func() {})
	cancel()
	if !errors.Is(err, handler.ErrLockTimeout) {
		t.Fatalf("second replica took a held lock: %v", err)
	}
	select {
	case <-asked:
	case <-time.After(5 * time.Second):
		t.Fatal("the holder on the other replica was never asked to release")
	}

	// Now r1 releases when asked (as tusd's callback ends the request
	// holding the lock): r2 gets it.
	l1.Unlock()
	l1d, _ := r1.NewLock(id)
	if err := l1d.Lock(ctx, func() { go l1d.Unlock() }); err != nil {
		t.Fatal(err)
	}
	other, _ := r1.NewLock(id + "-other") // another upload is independent
	if err := other.Lock(ctx, func() {}); err != nil {
		t.Fatal(err)
	}
	defer other.Unlock()
	start := time.Now()
	tctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	l2b, _ := r2.NewLock(id)
	if err := l2b.Lock(tctx, func() {}); err != nil {
		t.Fatalf("the holder released on request, but the waiter did not get the lock: %v", err)
	}
	t.Logf("lock handed over between replicas in %v", time.Since(start))
	l2b.Unlock()

	// A replica that dies releases its locks with its sessions.
	r3 := open()
	l3, _ := r3.NewLock(id)
	if err := l3.Lock(ctx, func() {}); err != nil {
		t.Fatal(err)
	}
	r3.Close() // the connections close, as a killed process's would
	tctx2, cancel2 := context.WithTimeout(ctx, 5*time.Second)
	defer cancel2()
	l2c, _ := r2.NewLock(id)
	if err := l2c.Lock(tctx2, func() {}); err != nil {
		t.Fatalf("a dead replica's lock was not released: %v", err)
	}
	l2c.Unlock()
}
