package upload

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"

	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/errs"
)

// memRecords keeps upload records in memory, with the same offset check
// as the SQL store.
type memRecords struct {
	mu sync.Mutex
	m  map[string]Record
}

func (r *memRecords) ClaimUpload(ctx context.Context, owner, id string, now time.Time) (*Record, error) {
	return r.GetUpload(ctx, id)
}

func (r *memRecords) UnclaimUpload(ctx context.Context, id string) error { return nil }

func (r *memRecords) CreateUpload(ctx context.Context, rec *Record, maxOpen int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[rec.ID] = *rec
	return nil
}

func (r *memRecords) GetUpload(ctx context.Context, id string) (*Record, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, ok := r.m[id]
	if !ok {
		return nil, errs.New(errs.NotFound, "UPLOAD_NOT_FOUND", "no", "无")
	}
	rec.Segments = append([]Segment(nil), rec.Segments...)
	return &rec, nil
}

func (r *memRecords) SaveUploadProgress(ctx context.Context, id string, prev, offset int64, segs []Segment, done bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.m[id]
	if rec.Offset != prev {
		return errs.New(errs.Conflict, "UPLOAD_OFFSET_CONFLICT", "moved on", "已变化")
	}
	rec.Offset, rec.Segments, rec.Completed = offset, segs, done
	r.m[id] = rec
	return nil
}

func (r *memRecords) DeleteUpload(ctx context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, id)
	return nil
}

func (r *memRecords) CountOpenUploads(ctx context.Context, owner string, now time.Time) (int, error) {
	return 0, nil
}

func (r *memRecords) ExpiredUploads(ctx context.Context, now time.Time, limit int) ([]*Record, error) {
	return nil, nil
}

// TestRacingWritersKeepTheWinnersBytes: two replicas (two views of one
// upload) write the same offset; one wins, the other is refused and its
// bytes are gone; the stored upload is exactly the winner's.
func TestRacingWritersKeepTheWinnersBytes(t *testing.T) {
	local, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	recs := &memRecords{m: map[string]Record{}}
	ds := &dataStore{records: recs, blobs: local, now: time.Now, expiry: time.Hour, newID: func() string { return "upl_test" }}
	ctx := context.Background()
	if _, err := ds.NewUpload(ctx, handler.FileInfo{Size: 8, MetaData: handler.MetaData{ownerKey: "usr_1"}}); err != nil {
		t.Fatal(err)
	}
	a, _ := ds.GetUpload(ctx, "upl_test")
	b, _ := ds.GetUpload(ctx, "upl_test")
	if n, err := a.WriteChunk(ctx, 0, strings.NewReader("AAAA")); err != nil || n != 4 {
		t.Fatalf("first writer: %d %v", n, err)
	}
	if _, err := b.WriteChunk(ctx, 0, strings.NewReader("BBBB")); err == nil {
		t.Fatal("second writer at the same offset accepted")
	}
	if n, err := a.WriteChunk(ctx, 4, strings.NewReader("CCCC")); err != nil || n != 4 {
		t.Fatalf("first writer goes on: %d %v", n, err)
	}
	rec, _ := recs.GetUpload(ctx, "upl_test")
	got, err := ds.readAll(ctx, rec)
	if err != nil || !bytes.Equal(got, []byte("AAAACCCC")) || !rec.Completed {
		t.Fatalf("stored %q (%v), completed %v", got, err, rec.Completed)
	}
	n := 0
	local.Walk(ctx, func(string) error { n++; return nil })
	if n != 2 {
		t.Fatalf("%d segments stored, want 2 (the loser's is deleted)", n)
	}
	if err := ds.remove(ctx, rec); err != nil {
		t.Fatal(err)
	}
	n = 0
	local.Walk(ctx, func(string) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d segments left after remove", n)
	}
}
