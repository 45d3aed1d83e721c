package upload

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"

	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/errs"
)

// dataStore adapts Records and an (encrypting) blob store to tusd.
type dataStore struct {
	records Records
	blobs   blob.Store
	now     func() time.Time
	expiry  time.Duration
	newID   func() string
	maxOpen int // unexpired uploads per owner (0: no limit)
}

// segKey names a new segment: the offset it starts at and a random part.
func segKey(id string, offset int64) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("uploads/%s/seg-%012d-%s", id, offset, hex.EncodeToString(b))
}

// NewUpload implements handler.DataStore. The owner comes in the metadata
// set by the pre-create hook.
func (s *dataStore) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	if info.ID == "" {
		info.ID = s.newID()
	}
	owner := info.MetaData[ownerKey]
	if owner == "" {
		return nil, errors.New("upload without owner")
	}
	meta := map[string]string{}
	for k, v := range info.MetaData {
		if k != ownerKey {
			meta[k] = v
		}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	r := &Record{ID: info.ID, OwnerID: owner, Size: info.Size, MetaData: meta, CreatedAt: now, ExpiresAt: now.Add(s.expiry),
		Completed: info.Size == 0}
	if err := s.records.CreateUpload(ctx, r, s.maxOpen); err != nil {
		return nil, tusErr(err)
	}
	return &upload{s: s, rec: r}, nil
}

// GetUpload implements handler.DataStore.
func (s *dataStore) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	r, err := s.records.GetUpload(ctx, id)
	if errs.KindOf(err) == errs.NotFound {
		return nil, handler.ErrNotFound
	}
	if err != nil {
		return nil, tusErr(err)
	}
	if !s.now().Before(r.ExpiresAt) {
		return nil, handler.ErrNotFound
	}
	return &upload{s: s, rec: r}, nil
}

// AsTerminatableUpload implements handler.TerminaterDataStore.
func (s *dataStore) AsTerminatableUpload(u handler.Upload) handler.TerminatableUpload {
	return u.(*upload)
}

// remove deletes an upload's segments, then its record.
func (s *dataStore) remove(ctx context.Context, r *Record) error {
	for _, seg := range r.Segments {
		if err := s.blobs.Delete(ctx, seg.Key); err != nil {
			return err
		}
	}
	return s.records.DeleteUpload(ctx, r.ID)
}

type upload struct {
	s   *dataStore
	rec *Record
}

func (u *upload) info() handler.FileInfo {
	meta := handler.MetaData{}
	for k, v := range u.rec.MetaData {
		meta[k] = v
	}
	return handler.FileInfo{ID: u.rec.ID, Size: u.rec.Size, Offset: u.rec.Offset, MetaData: meta}
}

// GetInfo implements handler.Upload.
func (u *upload) GetInfo(ctx context.Context) (handler.FileInfo, error) { return u.info(), nil }

// WriteChunk implements handler.Upload: it reads what the client sends (up
// to the declared size), stores it as one encrypted segment, then records
// the new offset. Bytes read before a connection drops are kept.
func (u *upload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	if offset != u.rec.Offset {
		return 0, handler.ErrMismatchOffset
	}
	var buf bytes.Buffer
	n, readErr := buf.ReadFrom(io.LimitReader(src, u.rec.Size-offset))
	if n == 0 {
		return 0, readErr
	}
	key := segKey(u.rec.ID, offset)
	// A fresh context: bytes the client managed to send are saved even when
	// its request was cancelled by a dropped connection.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := u.s.blobs.Put(sctx, key, buf.Bytes()); err != nil {
		return 0, tusErr(err)
	}
	segs := append(append([]Segment(nil), u.rec.Segments...), Segment{Key: key, Len: n})
	done := offset+n == u.rec.Size
	if err := u.s.records.SaveUploadProgress(sctx, u.rec.ID, offset, offset+n, segs, done); err != nil {
		_ = u.s.blobs.Delete(sctx, key) // another writer won this offset
		return 0, tusErr(err)
	}
	u.rec.Offset, u.rec.Segments, u.rec.Completed = offset+n, segs, done
	return n, nil
}

// GetReader implements handler.Upload (used by Read, not served over tus).
func (u *upload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	b, err := u.s.readAll(ctx, u.rec)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// FinishUpload implements handler.Upload.
func (u *upload) FinishUpload(ctx context.Context) error { return nil }

// Terminate implements handler.TerminatableUpload.
func (u *upload) Terminate(ctx context.Context) error { return u.s.remove(ctx, u.rec) }

func (s *dataStore) readAll(ctx context.Context, r *Record) ([]byte, error) {
	out := make([]byte, 0, r.Offset)
	for i, seg := range r.Segments {
		b, err := s.blobs.Get(ctx, seg.Key)
		if err != nil {
			return nil, err
		}
		if int64(len(b)) != seg.Len {
			return nil, errs.Internalf("upload %s segment %d: %d bytes, recorded %d", r.ID, i, len(b), seg.Len)
		}
		out = append(out, b...)
	}
	return out, nil
}
