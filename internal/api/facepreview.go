package api

import (
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// The selfie step's live feedback: the wizard posts a small downscaled
// camera frame about once a second and is told how many faces the cascade
// sees and how large they are (no face, several faces, too far). Nothing is
// stored or logged; frames are counted per user and refused past the rate.

// previewRate bounds preview frames per user: a burst of previewBurst, then
// one every previewEvery.
const (
	previewBurst = 5
	previewEvery = 700 * time.Millisecond
)

// previewLimiter is a token bucket per user, in memory: a replica counts
// its own frames (a client sticking to one replica gets the rate, one
// spread over n gets at most n times it: cheap work either way).
type previewLimiter struct {
	mu      sync.Mutex
	buckets map[string]*previewBucket
	now     func() time.Time
}

type previewBucket struct {
	tokens float64
	at     time.Time
}

func (l *previewLimiter) allow(user string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.now != nil {
		now = l.now()
	}
	if l.buckets == nil {
		l.buckets = map[string]*previewBucket{}
	}
	if len(l.buckets) > 10000 { // forget idle users (their buckets are full)
		for k, b := range l.buckets {
			if now.Sub(b.at) > previewBurst*previewEvery {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[user]
	if !ok {
		b = &previewBucket{tokens: previewBurst, at: now}
		l.buckets[user] = b
	}
	b.tokens = min(previewBurst, b.tokens+float64(now.Sub(b.at))/float64(previewEvery))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

var errPreviewRate = errs.New(errs.TooMany, "PREVIEW_RATE_LIMITED",
	"Too many preview frames: at most about one a second.", "预览画面发送过于频繁：每秒最多约一张。")

// facePreview is POST /api/v1/faces/preview: the body is the frame (JPEG
// or PNG, at most 400×400 pixels and 96 KB); the answer {"faces":[…]}.
func (a *API) facePreview(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	// A frame of a face is sensitive personal information even unstored:
	// only after the separate consent, like a document.
	if ok, err := a.Accounts.HasSensitiveConsent(r.Context(), u.ID); err != nil || !ok {
		if err == nil {
			err = verification.ConsentError(r.Context(), a.Accounts, u.ID)
		}
		writeError(w, r, err)
		return
	}
	if !a.previews.allow(u.ID) {
		w.Header().Set("Retry-After", "1")
		writeError(w, r, errPreviewRate)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, document.PreviewMaxBytes+1))
	if err != nil || len(data) > document.PreviewMaxBytes {
		writeError(w, r, document.ErrPreviewInvalid)
		return
	}
	faces, err := a.Documents.PreviewFaces(r.Context(), data)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"faces": faces})
}
