// Package casefeed tells open pages that a verification case changed: its
// status (submitted, decided, needs more information…) or its contents (a
// photo added from the phone the customer handed off to). A change may be
// committed by any replica (the one whose queue worker ran the job), so the
// news comes from the database through a Source (PostgreSQL LISTEN/NOTIFY,
// a short poll on SQLite) and one Hub per process fans it out to the
// streams its pages hold open (GET /api/v1/verifications/{id}/events).
//
// An event carries no personal data: the case id, what kind of change, the
// new status. A page that hears one fetches the case as it always does,
// through the same ownership check.
package casefeed

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Kinds of event.
const (
	// KindStatus: the case's status changed (submitted, processing, a
	// decision, a reviewer's, a hold released).
	KindStatus = "status"
	// KindUpdated: the case's contents changed (applicant data, a photo
	// attached, maybe from another device).
	KindUpdated = "updated"
	// KindSync: the hub may have missed events (its source reconnected);
	// every subscriber should fetch its case again. CaseID is "".
	KindSync = "sync"
)

// Event is one change of a case.
type Event struct {
	CaseID string
	Kind   string
	Status string // the case's status after the change
	// UpdatedAt is the case's updated_at after the change: a page that
	// already shows that state (its own change) need not fetch it.
	UpdatedAt time.Time
	At        time.Time // when the change was written (just before its commit)
}

// Source delivers the events committed on the database by any process,
// calling publish for each, until ctx ends. It reconnects by itself; after a
// gap in which events may have been lost it publishes a KindSync event.
type Source interface {
	Run(ctx context.Context, publish func(Event)) error
}

// Options configure a Hub.
type Options struct {
	// Buffer is how many events a subscriber may have waiting; a
	// subscriber that falls further behind is dropped (its page falls back
	// to polling and reconnects). 0: 16.
	Buffer int
	// PerOwner caps the streams one owner (a user) holds open at once. 0: 8.
	PerOwner int
	// Max caps the streams of the whole process. 0: 10,000.
	Max int
	Log *slog.Logger
}

// Errors of Subscribe.
var (
	ErrTooManyStreams = errs.New(errs.TooMany, "EVENT_STREAMS_LIMIT",
		"Too many live views are open for this account. Close some tabs; this page will keep refreshing by itself.",
		"此账户打开的实时页面过多。请关闭部分标签页；本页仍会自动刷新。")
	ErrClosed = errs.New(errs.Unavailable, "EVENT_STREAM_UNAVAILABLE",
		"Live updates are not available right now; the page refreshes by itself.",
		"实时更新暂不可用；页面会自动刷新。")
)

// Hub fans the events of one Source out to subscribers, each watching one
// case. The zero value is not usable: call New.
type Hub struct {
	opts Options

	mu      sync.Mutex
	closed  bool
	byCase  map[string]map[*Subscription]struct{}
	byOwner map[string]int
	total   int
	// published counts the events the source delivered (tests, metrics).
	published int64
}

// Subscription is one open stream. Events arrive on C; Done is closed when
// the hub drops the subscriber (too slow, or shutting down): the stream
// should end then. Close it when the stream ends.
type Subscription struct {
	C    <-chan Event
	Done <-chan struct{}

	c      chan Event
	done   chan struct{}
	hub    *Hub
	caseID string
	owner  string
	once   sync.Once
}

// New returns a hub with no source yet (Run gives it one).
func New(o Options) *Hub {
	if o.Buffer <= 0 {
		o.Buffer = 16
	}
	if o.PerOwner <= 0 {
		o.PerOwner = 8
	}
	if o.Max <= 0 {
		o.Max = 10000
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Hub{opts: o, byCase: map[string]map[*Subscription]struct{}{}, byOwner: map[string]int{}}
}

// Run feeds the hub from src until ctx ends, restarting the source after a
// pause (100 ms, doubling up to 5 s) if it stops with an error.
func (h *Hub) Run(ctx context.Context, src Source) {
	backoff := 100 * time.Millisecond
	for {
		err := src.Run(ctx, h.Publish)
		if ctx.Err() != nil {
			return
		}
		h.opts.Log.Warn("case events: source stopped; restarting", "err", err, "after_ms", backoff.Milliseconds())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// Subscribe opens a stream of caseID's events for owner (the user id the
// per-owner cap counts against). Errors: ErrTooManyStreams, ErrClosed.
func (h *Hub) Subscribe(caseID, owner string) (*Subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if h.byOwner[owner] >= h.opts.PerOwner || h.total >= h.opts.Max {
		return nil, ErrTooManyStreams
	}
	c, done := make(chan Event, h.opts.Buffer), make(chan struct{})
	s := &Subscription{C: c, Done: done, c: c, done: done, hub: h, caseID: caseID, owner: owner}
	subs := h.byCase[caseID]
	if subs == nil {
		subs = map[*Subscription]struct{}{}
		h.byCase[caseID] = subs
	}
	subs[s] = struct{}{}
	h.byOwner[owner]++
	h.total++
	return s, nil
}

// Close ends the subscription (idempotent).
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.removeLocked(s)
}

// removeLocked forgets s and closes its Done channel; h.mu is held.
func (h *Hub) removeLocked(s *Subscription) {
	s.once.Do(func() {
		if subs := h.byCase[s.caseID]; subs != nil {
			delete(subs, s)
			if len(subs) == 0 {
				delete(h.byCase, s.caseID)
			}
		}
		if h.byOwner[s.owner]--; h.byOwner[s.owner] <= 0 {
			delete(h.byOwner, s.owner)
		}
		h.total--
		close(s.done)
	})
}

// Publish hands ev to the subscribers of its case (every subscriber for a
// KindSync event), never blocking: a subscriber whose buffer is full is
// dropped.
func (h *Hub) Publish(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.published++
	deliver := func(s *Subscription) {
		select {
		case s.c <- ev:
		default:
			h.removeLocked(s) // too slow: its page polls and reconnects
		}
	}
	if ev.Kind == KindSync {
		for _, subs := range h.byCase {
			for s := range subs {
				deliver(s)
			}
		}
		return
	}
	for s := range h.byCase[ev.CaseID] {
		deliver(s)
	}
}

// Published is how many events the hub has been given.
func (h *Hub) Published() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.published
}

// Streams is how many subscriptions are open.
func (h *Hub) Streams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.total
}

// Close drops every subscriber and refuses new ones (at shutdown: open
// streams end, so the HTTP server's graceful shutdown is not held up).
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, subs := range h.byCase {
		for s := range subs {
			h.removeLocked(s)
		}
	}
}
