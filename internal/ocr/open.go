package ocr

import (
	"errors"
	"sort"
	"strings"
	"sync"
)

var (
	regMu    sync.Mutex
	registry = map[string]func(dir string) (Engine, error){}
)

// Register makes an engine constructor available to Open under name, like
// database/sql drivers: the tesseract subpackage registers "tesseract" in its
// init, so a binary that imports it (blank import) gets it. Register panics
// on a duplicate name (a programming error at init time).
func Register(name string, open func(dir string) (Engine, error)) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("ocr: engine registered twice: " + name)
	}
	registry[name] = open
}

// Open loads every available engine from dir (see Dir) and returns a Reader
// and its Status. PP-OCR reads pages; a registered "tesseract" reads MRZ
// strips (and pages when PP-OCR is missing). When no engine loads, the
// Reader is nil and Status says why, e.g.
// "ocr: unavailable: libonnxruntime.so not found at /x/lib/libonnxruntime.so.1 (run scripts/ocr/setup.sh)".
// Close the returned Reader's engines with Reader.Close.
func Open(dir string) (*Reader, Status) {
	var page, strip Engine
	var problems []string
	if e, err := NewPPOCR(dir); err == nil {
		page = e
		go e.WarmGlyphs() // seconds on a machine's first start; a file read after
	} else {
		problems = append(problems, Detail(err))
	}
	regMu.Lock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	regMu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		regMu.Lock()
		open := registry[n]
		regMu.Unlock()
		e, err := open(dir)
		if err != nil {
			problems = append(problems, Detail(err))
			continue
		}
		switch {
		case page == nil:
			page = e
		case strip == nil:
			strip = e
		default:
			e.Close()
		}
	}
	if page == nil {
		if len(problems) == 0 {
			problems = append(problems, "no engine installed (run scripts/ocr/setup.sh)")
		}
		return nil, Status{Detail: "ocr: unavailable: " + strings.Join(problems, "; ")}
	}
	r := NewReader(page, strip)
	s := r.Status()
	if len(problems) > 0 {
		s.Detail += " (degraded: " + strings.Join(problems, "; ") + ")"
	}
	return r, s
}

// Close releases the reader's engines.
func (r *Reader) Close() error {
	if r == nil {
		return nil
	}
	var err error
	if r.Page != nil {
		err = r.Page.Close()
	}
	if r.Strip != nil {
		err = errors.Join(err, r.Strip.Close())
	}
	return err
}
