package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/veriwallet/veriwallet/internal/casefeed"
)

// heartbeatEvery (nanoseconds; atomic, tests shorten it): a comment line
// this often keeps proxies and the browser from closing an idle stream,
// and finds dead clients. 0: 15 s.
var heartbeatEvery atomic.Int64

// eventWriteTimeout: a client that does not take one event within this is
// gone (the server's WriteTimeout is lifted for the stream).
const eventWriteTimeout = 20 * time.Second

// caseEventJSON is the data of one "case" event. It says what changed, not
// the case itself: the page fetches GET /api/v1/verifications/{id}.
type caseEventJSON struct {
	Kind      string     `json:"kind"` // hello, status, updated, sync
	Status    string     `json:"status,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"` // the case's, after the change
}

// caseEvents is GET /api/v1/verifications/{id}/events: a Server-Sent
// Events stream of the case's changes, for the wizard and the status page
// (the permission table lets only the case's owner open it). The first
// event ("hello") carries the case's status and updated_at now, so that a
// change between the page's last fetch and the stream's opening is not
// missed; then (for a client that accepts text/event-stream, as every
// EventSource does; others get the hello alone) one event per change, from whichever server committed it,
// and a comment every 15 s. The stream ends when the server shuts down or
// the client falls behind; the page polls meanwhile and reconnects.
func (a *API) caseEvents(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	id := r.PathValue("id")
	if a.Events == nil {
		writeError(w, r, casefeed.ErrClosed)
		return
	}
	// Subscribe before reading the case: a change committed in between is
	// then in the stream, not lost.
	sub, err := a.Events.Subscribe(id, u.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	defer sub.Close()
	c, err := a.Verifications.Get(r.Context(), u.ID, false, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	send := func(chunk []byte) bool {
		// Lift the server's WriteTimeout (5 min) for this write alone.
		if err := rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		if _, err := w.Write(chunk); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	event := func(e caseEventJSON) []byte {
		b, _ := json.Marshal(e)
		return append(append([]byte("event: case\ndata: "), b...), '\n', '\n')
	}
	updated := c.UpdatedAt.UTC()
	// retry: how long the browser waits before reconnecting by itself.
	if !send(append([]byte("retry: 2000\n\n"), event(caseEventJSON{Kind: "hello", Status: string(c.Status), UpdatedAt: &updated})...)) {
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		return // not an EventSource (curl, a probe): the current state once
	}
	every := time.Duration(heartbeatEvery.Load())
	if every <= 0 {
		every = 15 * time.Second
	}
	hb := time.NewTicker(every)
	defer hb.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-sub.Done: // dropped (too slow) or shutting down
			return
		case ev := <-sub.C:
			e := caseEventJSON{Kind: ev.Kind, Status: ev.Status}
			if !ev.UpdatedAt.IsZero() {
				e.UpdatedAt = &ev.UpdatedAt
			}
			if !send(event(e)) {
				return
			}
		case <-hb.C:
			if !send([]byte(": keep-alive\n\n")) {
				return
			}
		}
	}
}
