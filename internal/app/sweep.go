package app

import (
	"context"
	"time"
)

// sweepRefused deletes the files of refused documents older than the
// refused TTL, at a fixed interval, until ctx ends. Every server on a
// database sweeps; the work is idempotent (files are deleted before the
// record is marked), so two at once only repeat a delete.
func (a *App) sweepRefused(ctx context.Context) {
	ttl, every := a.refusedTTL, a.sweepEvery
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	if every <= 0 {
		every = 15 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.Documents.PurgeRefused(ctx, ttl); err != nil && ctx.Err() == nil {
			a.log.Error("refused documents sweep", "err", err)
		} else if n > 0 {
			a.log.Info("refused documents' files deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
