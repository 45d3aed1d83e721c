package app

import (
	"context"
	"strconv"
	"time"

	"github.com/veriwallet/veriwallet/internal/notice"
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

// releaseHeld processes the verification submissions held during a
// maintenance window once it has ended.
func (a *App) releaseHeld(ctx context.Context) {
	every := a.releaseEvery
	if every <= 0 {
		every = 15 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.Notices.ReleaseEnded(ctx, a.Cases); err != nil && ctx.Err() == nil {
			a.log.Error("releasing held submissions", "err", err)
		} else if n > 0 {
			a.log.Info("submissions held for maintenance released", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// statusProbes measure the status page's components. Details are counts
// (the job queue's waiting jobs), never error text.
func (a *App) statusProbes(o Options, reader func(context.Context) error) []notice.Probe {
	return []notice.Probe{
		{Name: "database", Check: func(ctx context.Context) (string, string) {
			if err := o.DB.PingContext(ctx); err != nil {
				return notice.StateDown, ""
			}
			return notice.StateOperational, ""
		}},
		{Name: "job_queue", Check: func(ctx context.Context) (string, string) {
			n, err := o.DB.JobBacklog(ctx)
			switch {
			case err != nil:
				return notice.StateUnknown, ""
			case n > 1000:
				return notice.StateDegraded, strconv.Itoa(n)
			}
			return notice.StateOperational, strconv.Itoa(n)
		}},
		{Name: "document_reading", Check: func(ctx context.Context) (string, string) {
			if reader(ctx) != nil {
				// Cases that need reading go to a reviewer: slower, not down.
				return notice.StateDegraded, ""
			}
			return notice.StateOperational, ""
		}},
		{Name: "screening", Check: func(ctx context.Context) (string, string) {
			// No screening list is loaded in this build (its age is unknown).
			return notice.StateUnknown, ""
		}},
		{Name: "wallet", Check: func(ctx context.Context) (string, string) { return notice.StateOperational, "" }},
	}
}
