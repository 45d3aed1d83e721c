package app

import (
	"context"
	"time"
)

// closeResolvedTickets closes support tickets resolved more than 7 days ago
// without a reply, every 10 minutes until ctx ends.
func (a *App) closeResolvedTickets(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := a.Support.AutoClose(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("closing resolved tickets", "err", err)
		} else if n > 0 {
			a.log.Info("resolved tickets closed", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
