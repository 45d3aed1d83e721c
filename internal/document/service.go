package document

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"runtime"
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
	// CreateDocument inserts a record.
	CreateDocument(ctx context.Context, d *Document) error
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
}

// NewService returns the documents service. blobs must encrypt (blob.Encrypted).
func NewService(g *Gate, s Store, blobs blob.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{gate: g, store: s, blobs: blobs, now: now, slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
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
// Errors: Invalid DOCUMENT_KIND_INVALID, FILE_EMPTY.
func (s *Service) Create(ctx context.Context, ownerID string, kind Kind, data []byte) (*Document, *Report, error) {
	if !kind.Valid() {
		return nil, nil, errs.New(errs.Invalid, "DOCUMENT_KIND_INVALID",
			"Unknown document kind; use id_front, id_back, passport, residence_permit, guardian_consent, selfie or other.",
			"未知的证件类型；请使用 id_front、id_back、passport、residence_permit、guardian_consent、selfie 或 other。").OnField("kind")
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
	if rep.Clean != nil {
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
		if err := s.blobs.Put(ctx, cleanKey(d.ID), rep.Clean); err != nil {
			return nil, nil, err
		}
	}
	if len(data) > 0 {
		if err := s.blobs.Put(ctx, originalKey(d.ID), data); err != nil {
			return nil, nil, err
		}
	}
	if err := s.store.CreateDocument(ctx, d); err != nil {
		return nil, nil, err
	}
	return d, rep, nil
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
// viewer may see. Errors: NotFound DOCUMENT_NOT_FOUND, IMAGE_NOT_AVAILABLE.
func (s *Service) Image(ctx context.Context, viewerID string, staff bool, id string) (*Document, []byte, error) {
	d, err := s.Get(ctx, viewerID, staff, id)
	if err != nil {
		return nil, nil, err
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
