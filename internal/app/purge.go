package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"
)

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + "_" + base64.RawURLEncoding.EncodeToString(b)
}

// PurgeClosed purges the closed accounts whose retention period has ended:
// their documents' files are deleted, then their rows crypto-shredded and
// the purge audited (sqlstore.Accounts.Shred). It returns how many
// accounts it purged. Safe to run on several servers at once: every step
// is idempotent.
func (a *App) PurgeClosed(ctx context.Context) (int, error) {
	acc := a.db.Accounts()
	n := 0
	for {
		ids, err := acc.PurgeDue(ctx, a.now(), 50)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		for _, uid := range ids {
			docs, err := acc.DocumentIDs(ctx, uid)
			if err != nil {
				return n, err
			}
			for _, d := range docs {
				if err := a.Documents.DeleteFiles(ctx, d); err != nil {
					return n, err
				}
			}
			if err := acc.Shred(ctx, uid, a.now()); err != nil {
				return n, err
			}
			n++
		}
	}
}

// purgeClosed runs PurgeClosed every sweep interval until ctx ends.
func (a *App) purgeClosed(ctx context.Context) {
	every := a.sweepEvery
	if every <= 0 {
		every = 15 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.PurgeClosed(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("closed accounts purge", "err", err)
		} else if n > 0 {
			a.log.Info("closed accounts purged after their retention period", "count", n)
		}
		if err := a.sweepExports(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("expired exports sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
