package ocr

import (
	"context"
	"image"
)

// Pool is a fixed set of Readers, one per worker, each with its engines
// loaded once; Read borrows one. It is safe for concurrent use.
type Pool struct {
	readers chan *Reader
	status  Status
	all     []*Reader
}

// OpenPool opens n readers from dir (see Open). When no engine can be
// loaded it returns nil and a Status that says why; the service should keep
// running and send documents to a reviewer.
func OpenPool(dir string, n int) (*Pool, Status) {
	if n < 1 {
		n = 1
	}
	p := &Pool{readers: make(chan *Reader, n)}
	for i := 0; i < n; i++ {
		r, st := Open(dir)
		if r == nil {
			p.Close()
			return nil, st
		}
		p.status = st
		p.all = append(p.all, r)
		p.readers <- r
	}
	return p, p.status
}

// Status reports the pool's engines (Available false on a nil pool).
func (p *Pool) Status() Status {
	if p == nil {
		return Status{Detail: "ocr: unavailable: not installed (run scripts/ocr/setup.sh)"}
	}
	return p.status
}

// Read reads a document with the next free reader, waiting for one.
// Errors: as Reader.Read; ErrUnavailable on a nil pool; the context's error
// while waiting.
func (p *Pool) Read(ctx context.Context, kind string, img image.Image) (*Result, error) {
	if p == nil {
		return nil, ErrUnavailable
	}
	select {
	case r := <-p.readers:
		defer func() { p.readers <- r }()
		return r.Read(ctx, kind, img)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Compare is Reader.Compare with the pool's engines (all readers have the
// same ones).
func (p *Pool) Compare(field, typed string, res *Result) Verdict {
	if p == nil || len(p.all) == 0 {
		return Unreadable
	}
	return p.all[0].Compare(field, typed, res)
}

// Close releases every reader's engines. Call it once no Read is running.
func (p *Pool) Close() error {
	if p == nil {
		return nil
	}
	for _, r := range p.all {
		r.Close()
	}
	p.all = nil
	return nil
}

// CanRead reports whether the pool's page engine can output every
// character of s (a typed name with a character outside its dictionary can
// never be read as a match).
func (p *Pool) CanRead(s string) bool {
	if p == nil || len(p.all) == 0 {
		return false
	}
	return p.all[0].CanRead(s)
}
