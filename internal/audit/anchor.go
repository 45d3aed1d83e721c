package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"
)

// Anchor is the chain's head at a moment, kept outside the database (a
// file, a URL): rows deleted from the end of the chain later are missing
// from it, which the chain alone cannot show.
type Anchor struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
}

// HeadReader returns the newest event (Seq 0 when there is none).
type HeadReader interface {
	Head(ctx context.Context) (Anchor, error)
}

// Anchorer writes the chain's head to a file (one JSON line appended) and
// to a URL (POSTed as JSON), every Every and when Run ends. A head that did
// not move since the last anchor is not written again.
type Anchorer struct {
	Store HeadReader
	File  string // "" : no file
	URL   string // "" : no POST
	Every time.Duration
	Log   *slog.Logger
	Now   func() time.Time
	HTTP  *http.Client

	mu   sync.Mutex
	last Anchor
}

// Run anchors every a.Every (default a minute) until ctx ends. The caller
// anchors once more at shutdown (AnchorNow), after the last writes.
func (a *Anchorer) Run(ctx context.Context) {
	every := a.Every
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.AnchorNow(ctx); err != nil && ctx.Err() == nil {
				a.log().Error("audit anchor", "err", err)
			}
		}
	}
}

func (a *Anchorer) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

// AnchorNow writes the current head (when it moved).
func (a *Anchorer) AnchorNow(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	h, err := a.Store.Head(ctx)
	if err != nil {
		return err
	}
	if h.Seq == 0 || h.Seq == a.last.Seq && h.Hash == a.last.Hash {
		return nil
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	h.At = now().UTC()
	line, _ := json.Marshal(h)
	var errs []error
	if a.File != "" {
		if err := appendLine(a.File, line); err != nil {
			errs = append(errs, err)
		}
	}
	if a.URL != "" {
		if err := a.post(ctx, line); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		a.last = h
	}
	return errors.Join(errs...)
}

func appendLine(path string, line []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("anchor file: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("anchor file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("anchor file: %w", err)
	}
	return f.Close()
}

func (a *Anchorer) post(ctx context.Context, body []byte) error {
	c := a.HTTP
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, "POST", a.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("anchor url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("anchor url: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("anchor url: answered %s", res.Status)
	}
	return nil
}

// ReadAnchors reads an anchor file (one JSON object a line; blank lines
// skipped). Errors name the line that does not parse.
func ReadAnchors(r io.Reader) ([]Anchor, error) {
	var out []Anchor
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var a Anchor
		if err := json.Unmarshal(b, &a); err != nil || a.Seq <= 0 || a.Hash == "" {
			return nil, fmt.Errorf("anchor file line %d is not an anchor", n)
		}
		out = append(out, a)
	}
	return out, sc.Err()
}

// Report is what Check found.
type Report struct {
	Events   int    `json:"events"`
	Head     Anchor `json:"head"`
	OK       bool   `json:"ok"`
	BrokenAt int64  `json:"broken_at,omitempty"` // the seq of the first bad (or missing) event
	Problem  string `json:"problem,omitempty"`
}

// Check walks the whole chain from its first event, page by page, and
// compares it with the anchors: the first event must start the chain,
// each must follow the one before and carry its hash, and every anchored
// head must still be there with the same hash.
func Check(ctx context.Context, s Store, anchors []Anchor) (*Report, error) {
	rep := &Report{OK: true}
	seen := map[int64]string{}
	var prev *Event
	after := int64(0)
	for {
		page, err := s.Events(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		if prev == nil && page[0].PrevHash != "" {
			return rep.broken(page[0].Seq, fmt.Sprintf("event %d does not start the chain: the events before it were deleted", page[0].Seq)), nil
		}
		run := page
		if prev != nil {
			run = append([]Event{*prev}, page...)
		}
		if seq, err := s.Verify(run); err != nil {
			return rep.broken(seq, err.Error()), nil
		}
		for _, e := range page {
			seen[e.Seq] = e.Hash
		}
		rep.Events += len(page)
		last := page[len(page)-1]
		prev, after = &last, last.Seq
		rep.Head = Anchor{Seq: last.Seq, Hash: last.Hash, At: last.At}
	}
	for _, a := range anchors {
		h, ok := seen[a.Seq]
		switch {
		case !ok && a.Seq > rep.Head.Seq:
			return rep.broken(a.Seq, fmt.Sprintf("event %d was anchored at %s but is missing: the newest events (after %d) were deleted",
				a.Seq, a.At.Format(time.RFC3339), rep.Head.Seq)), nil
		case !ok:
			return rep.broken(a.Seq, fmt.Sprintf("event %d was anchored at %s but is missing", a.Seq, a.At.Format(time.RFC3339))), nil
		case h != a.Hash:
			return rep.broken(a.Seq, fmt.Sprintf("event %d differs from its anchor of %s: the chain was rewritten", a.Seq, a.At.Format(time.RFC3339))), nil
		}
	}
	return rep, nil
}

func (r *Report) broken(seq int64, problem string) *Report {
	r.OK, r.BrokenAt, r.Problem = false, seq, problem
	return r
}
