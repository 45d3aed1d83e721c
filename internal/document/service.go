package document

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/errs"
)

// Document is a stored document image and the gate's verdict on it.
type Document struct {
	ID        string             `json:"id"`
	OwnerID   string             `json:"-"`
	Kind      Kind               `json:"kind"`
	Format    string             `json:"format"`
	Width     int                `json:"width"`
	Height    int                `json:"height"`
	SHA256    string             `json:"sha256"`
	PHash     uint64             `json:"-"`
	PHashFine [3]uint64          `json:"-"`
	Accepted  bool               `json:"-"` // as the customer sees it (sensitive signals do not change it)
	Scores    map[string]float64 `json:"-"`
	Reasons   []string           `json:"-"` // every reason code, sensitive ones included (internal)
	Duplicate []string           `json:"-"` // other accounts' documents with the same picture (internal)
	CreatedAt time.Time          `json:"created_at"`
	// StoredBytes is what the document keeps on disk (original and clean
	// copy), counted against the owner's quota.
	StoredBytes int64 `json:"-"`
	// PurgedAt is when a refused document's files were deleted (the record
	// and its reasons stay); nil while they are kept.
	PurgedAt *time.Time `json:"file_deleted_at,omitempty"`
}

// HashRef is what duplicate detection needs of another document.
type HashRef struct {
	ID        string
	PHash     uint64
	PHashFine [3]uint64
	SHA256    string
}

// Store persists document records.
type Store interface {
	// CreateDocument inserts a record if the owner's stored documents (those
	// whose files are kept), with d, stay within q; the count and the insert
	// are one transaction serialised per owner, so concurrent uploads cannot
	// pass the quota together. Errors: Conflict DOCUMENT_QUOTA_EXCEEDED.
	CreateDocument(ctx context.Context, d *Document, q Quota) error
	// StoredUsage returns how many documents the owner has stored (files
	// kept) and their bytes.
	StoredUsage(ctx context.Context, ownerID string) (count int, bytes int64, err error)
	// DeleteDocument removes a record (a creation whose files could not be stored).
	DeleteDocument(ctx context.Context, id string) error
	// RefusedBefore lists up to limit refused documents created before t
	// whose files are still kept.
	RefusedBefore(ctx context.Context, t time.Time, limit int) ([]string, error)
	// MarkPurged records that a document's files were deleted at t.
	MarkPurged(ctx context.Context, id string, t time.Time) error
	// Document returns a record. Errors: NotFound DOCUMENT_NOT_FOUND.
	Document(ctx context.Context, id string) (*Document, error)
	// OtherOwnersHashes lists the hashes of every document not owned by ownerID.
	OtherOwnersHashes(ctx context.Context, ownerID string) ([]HashRef, error)
}

// Service stores documents: gate, duplicate check, encryption at rest.
type Service struct {
	gate  *Gate
	store Store
	blobs blob.Store // encrypting
	now   func() time.Time
	slots chan struct{}
	// Quota bounds what one user keeps stored (set before use; the zero
	// value is no limit). NewService sets DefaultQuota.
	Quota Quota
}

// Quota bounds one user's stored documents: how many, and their bytes
// (original and clean copy). Refused documents count until their files are
// deleted. Zero turns a bound off.
type Quota struct {
	MaxDocuments int
	MaxBytes     int64
}

// DefaultQuota: 50 documents, 200 MB.
var DefaultQuota = Quota{MaxDocuments: 50, MaxBytes: 200 << 20}

// ErrQuotaExceeded is returned when a new document would pass the owner's
// quota. It is a Conflict (409), not 413 (the request is not too large in
// itself) nor 429 (waiting does not help, except for refused photos, whose
// files are deleted after a day).
func ErrQuotaExceeded(q Quota) *errs.Error {
	// Name only the limits in force (0 is none), in MB with one decimal
	// where it matters (a 3,000,000-byte quota is 2.9 MB, not 2 MB).
	var en, zh []string
	if q.MaxDocuments > 0 {
		n := strconv.Itoa(q.MaxDocuments)
		en, zh = append(en, n+" files"), append(zh, n+" 个文件")
	}
	if q.MaxBytes > 0 {
		mb := strconv.FormatFloat(math.Floor(float64(q.MaxBytes)/(1<<20)*10)/10, 'f', -1, 64)
		en, zh = append(en, mb+" MB"), append(zh, mb+" MB")
	}
	limit, limitZh := "", ""
	if len(en) > 0 {
		limit, limitZh = " ("+strings.Join(en, ", ")+")", "（"+strings.Join(zh, "，")+"）"
	}
	return errs.New(errs.Conflict, "DOCUMENT_QUOTA_EXCEEDED",
		"Your account has stored as many documents as it may"+limit+". Refused photos are deleted after a day; after that, or with help from support, you can upload again.",
		"您的账户存储的证件已达上限"+limitZh+"。未通过的照片会在一天后删除，届时或经客服协助后即可再次上传。").OnField("file")
}

// NewService returns the documents service. blobs must encrypt (blob.Encrypted).
func NewService(g *Gate, s Store, blobs blob.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{gate: g, store: s, blobs: blobs, now: now, slots: make(chan struct{}, runtime.GOMAXPROCS(0)), Quota: DefaultQuota}
}

// Gate returns the service's image gate.
func (s *Service) Gate() *Gate { return s.gate }

// ErrNotFound is returned for documents that do not exist or that the
// caller may not see.
var ErrNotFound = errs.New(errs.NotFound, "DOCUMENT_NOT_FOUND", "No such document.", "文档不存在。")

func originalKey(id string) string { return "documents/" + id + "/original" }
func cleanKey(id string) string    { return "documents/" + id + "/clean" }

// Create runs the gate on data, stores the original and the clean copy
// encrypted, and records the result. A refused image is still recorded (the
// customer is told why); only our own failures return an error.
// Errors: Invalid DOCUMENT_KIND_INVALID, FILE_EMPTY; Conflict
// DOCUMENT_QUOTA_EXCEEDED.
func (s *Service) Create(ctx context.Context, ownerID string, kind Kind, data []byte) (*Document, *Report, error) {
	if !kind.Valid() {
		return nil, nil, errs.New(errs.Invalid, "DOCUMENT_KIND_INVALID",
			"Unknown document kind; use id_front, id_back, passport, residence_permit, guardian_consent, selfie, other or attachment.",
			"未知的证件类型；请使用 id_front、id_back、passport、residence_permit、guardian_consent、selfie、other 或 attachment。").OnField("kind")
	}
	// No room: say so before spending a decode on it. Attachments are
	// outside the documents' quota (support bounds them per ticket).
	quota := s.Quota
	if kind == KindAttachment {
		quota = Quota{}
	} else if err := s.CheckQuota(ctx, ownerID, int64(len(data))); err != nil {
		return nil, nil, err
	}
	// Decoding takes up to MaxPixels×4 bytes: only as many at once as cores.
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, errs.New(errs.Unavailable, "BUSY", "The service is busy. Please try again in a moment.", "服务繁忙，请稍后重试。")
	}
	rep, err := s.gate.Check(data, kind)
	<-s.slots
	if err != nil {
		return nil, nil, errs.Internalf("gate: %w", err)
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	d := &Document{ID: "doc_" + hex.EncodeToString(b), OwnerID: ownerID, Kind: kind, Format: rep.Format,
		Width: rep.Width, Height: rep.Height, SHA256: rep.SHA256, PHash: rep.PHash, PHashFine: rep.PHashFine, Accepted: rep.Accepted,
		Scores: rep.Scores, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	for _, r := range rep.Reasons {
		d.Reasons = append(d.Reasons, r.Code)
	}
	if rep.Clean != nil && kind != KindAttachment {
		// The same picture on another account is a fraud signal for a
		// reviewer; it never changes what the customer is told.
		others, err := s.store.OtherOwnersHashes(ctx, ownerID)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range others {
			if o.SHA256 == rep.SHA256 || IsDuplicatePhoto(o.PHash, o.PHashFine, rep.PHash, rep.PHashFine) {
				d.Duplicate = append(d.Duplicate, o.ID)
			}
		}
		if len(d.Duplicate) > 0 {
			d.Reasons = append(d.Reasons, CodeDuplicate)
		}
	}
	d.StoredBytes = int64(len(data) + len(rep.Clean))
	// The record (within the quota) first, the files after: bytes are
	// stored only once the quota has room for them.
	if err := s.store.CreateDocument(ctx, d, quota); err != nil {
		return nil, nil, err
	}
	if err := s.putFiles(ctx, d.ID, data, rep.Clean); err != nil {
		_ = s.blobs.Delete(context.WithoutCancel(ctx), cleanKey(d.ID))
		_ = s.blobs.Delete(context.WithoutCancel(ctx), originalKey(d.ID))
		_ = s.store.DeleteDocument(context.WithoutCancel(ctx), d.ID)
		return nil, nil, err
	}
	return d, rep, nil
}

func (s *Service) putFiles(ctx context.Context, id string, data, clean []byte) error {
	if clean != nil {
		if err := s.blobs.Put(ctx, cleanKey(id), clean); err != nil {
			return err
		}
	}
	if len(data) > 0 {
		return s.blobs.Put(ctx, originalKey(id), data)
	}
	return nil
}

// CheckQuota refuses early, before an upload's bytes are read, when the
// owner has no room for another document of size bytes (0: any size).
// Create checks again, race-free. Errors: Conflict DOCUMENT_QUOTA_EXCEEDED.
func (s *Service) CheckQuota(ctx context.Context, ownerID string, size int64) error {
	if s.Quota.MaxDocuments <= 0 && s.Quota.MaxBytes <= 0 {
		return nil
	}
	n, b, err := s.store.StoredUsage(ctx, ownerID)
	if err != nil {
		return err
	}
	if (s.Quota.MaxDocuments > 0 && n >= s.Quota.MaxDocuments) || (s.Quota.MaxBytes > 0 && b+size > s.Quota.MaxBytes) {
		return ErrQuotaExceeded(s.Quota)
	}
	return nil
}

// PurgeRefused deletes the files of refused documents created more than
// ttl ago; their records and reasons stay, so the customer still sees why.
// It returns how many documents it purged.
func (s *Service) PurgeRefused(ctx context.Context, ttl time.Duration) (int, error) {
	n := 0
	for {
		ids, err := s.store.RefusedBefore(ctx, s.now().Add(-ttl), 200)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		for _, id := range ids {
			// Files first, then the mark: a crash in between only means
			// deleting nothing again on the next sweep.
			if err := s.blobs.Delete(ctx, cleanKey(id)); err != nil {
				return n, err
			}
			if err := s.blobs.Delete(ctx, originalKey(id)); err != nil {
				return n, err
			}
			if err := s.store.MarkPurged(ctx, id, s.now().UTC().Truncate(time.Microsecond)); err != nil {
				return n, err
			}
			n++
		}
	}
}

// Get returns a document the viewer may see: their own, or any for staff.
// Errors: NotFound DOCUMENT_NOT_FOUND.
func (s *Service) Get(ctx context.Context, viewerID string, staff bool, id string) (*Document, error) {
	if id == "" || len(id) > 64 {
		return nil, ErrNotFound
	}
	d, err := s.store.Document(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.OwnerID != viewerID && !staff {
		return nil, ErrNotFound
	}
	return d, nil
}

// Image returns the clean (upright, metadata-free) image of a document the
// viewer may see. Errors: NotFound DOCUMENT_NOT_FOUND, IMAGE_NOT_AVAILABLE,
// IMAGE_DELETED.
func (s *Service) Image(ctx context.Context, viewerID string, staff bool, id string) (*Document, []byte, error) {
	d, err := s.Get(ctx, viewerID, staff, id)
	if err != nil {
		return nil, nil, err
	}
	if d.PurgedAt != nil {
		return nil, nil, errs.New(errs.NotFound, "IMAGE_DELETED",
			"This photo was refused, and its file was deleted a day later; the reasons it was refused are kept.",
			"这张照片未通过，文件已在一天后删除；未通过的原因仍然保留。")
	}
	b, err := s.blobs.Get(ctx, cleanKey(d.ID))
	if errs.KindOf(err) == errs.NotFound {
		return nil, nil, errs.New(errs.NotFound, "IMAGE_NOT_AVAILABLE",
			"This file could not be read as an image, so there is nothing to show.", "该文件无法作为图片读取，没有可显示的内容。")
	}
	return d, b, err
}

// PublicReasons returns the reasons a customer may see for a stored
// document, in lang (sensitive ones left out).
func (d *Document) PublicReasons() []Reason {
	out := []Reason{}
	for _, c := range d.Reasons {
		if r, ok := ReasonFor(c); ok && !r.Sensitive {
			out = append(out, r)
		}
	}
	return out
}

// DeleteFiles deletes a document's stored files (original and clean copy),
// for the purge of a closed account; deleting missing files is no error.
func (s *Service) DeleteFiles(ctx context.Context, id string) error {
	for _, k := range []string{cleanKey(id), originalKey(id)} {
		if err := s.blobs.Delete(ctx, k); err != nil && errs.KindOf(err) != errs.NotFound {
			return err
		}
	}
	return nil
}
