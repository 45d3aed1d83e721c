package verification

import (
	"context"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/idrules"
)

// Reading is what a DocumentReader read from one photo.
type Reading struct {
	Fields ReadFields
	// Kind is the document kind the reader classified the photo as
	// (DocIDFront, DocIDBack, DocPassport, DocResidencePermit or
	// KindUnknown; an ID back also for a permit's emblem side), with
	// KindConfidence in [0, 1]; "" when the reader does not classify, which
	// is never evidence of the kind.
	Kind           string
	KindConfidence float64
	Engine         string
	Version        string
}

// KindUnknown is the kind of a photo the reader could not place.
const KindUnknown = "unknown"

// MinKindConfidence is the classification confidence from which a kind is
// evidence (internal/ocr's ClassifyConfident).
const MinKindConfidence = 0.8

// The statuses of a document's upload-time reading (DocumentReading.Status).
const (
	ReadingPending = "pending" // queued: the background read has not finished
	ReadingDone    = "done"    // read, classified, checked for expiry
	ReadingSkipped = "skipped" // nothing to read: a kind without a reader, or a photo the gate refused
	ReadingError   = "error"   // the reader was unavailable (ours): a reviewer looks later
)

// DocumentReading is the reading of a document made when it was uploaded
// (a background job), kept sealed at rest; the pipeline reuses it.
type DocumentReading struct {
	DocumentID string `json:"document_id"`
	Status     string `json:"status"`
	// DetectedKind is Reading.Kind ("" until read), KindConfidence its confidence.
	DetectedKind   string     `json:"detected_kind"`
	KindConfidence float64    `json:"kind_confidence"`
	Fields         ReadFields `json:"fields"`
	// Reasons are DOCUMENT_WRONG_KIND and DOCUMENT_EXPIRED findings (with
	// Seen and Date).
	Reasons   []Finding `json:"reasons"`
	Engine    string    `json:"engine,omitempty"`
	Version   string    `json:"version,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ReadingStore keeps upload-time readings.
type ReadingStore interface {
	// QueueReading stores r (pending, skipped or error); for a pending one
	// it queues the background read in the same transaction.
	QueueReading(ctx context.Context, r *DocumentReading) error
	// SaveReading replaces the stored reading of r.DocumentID.
	SaveReading(ctx context.Context, r *DocumentReading) error
	// Reading returns a document's reading. Errors: NotFound READING_NOT_FOUND.
	Reading(ctx context.Context, documentID string) (*DocumentReading, error)
}

// ErrReadingNotFound is returned for a document without a stored reading.
var ErrReadingNotFound = errs.New(errs.NotFound, "READING_NOT_FOUND", "This document has not been read.", "此证件尚未识别。")

// readerKind is the reader kind for a document gate kind ("" when no
// reader reads it: a consent form, a selfie, a visa filed as other).
func readerKind(k document.Kind) string {
	switch k {
	case document.KindIDFront, document.KindIDBack, document.KindPassport, document.KindResidencePermit:
		return string(k)
	}
	return ""
}

// QueueReading starts the upload-time reading of a newly created document:
// pending with a background job when a reader can read it, skipped for
// kinds no reader reads and photos the gate refused, error when reading is
// unavailable. Without a ReadingStore it does nothing and returns nil.
func (s *Service) QueueReading(ctx context.Context, d *document.Document) (*DocumentReading, error) {
	if s.Readings == nil {
		return nil, nil
	}
	r := &DocumentReading{DocumentID: d.ID, Status: ReadingPending, Fields: ReadFields{}, Reasons: []Finding{}, UpdatedAt: s.now()}
	switch {
	case readerKind(d.Kind) == "" || !d.Accepted:
		r.Status = ReadingSkipped
	case s.Reader == nil || s.Reader.Available() != nil:
		r.Status = ReadingError
	}
	if err := s.Readings.QueueReading(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// DocumentReading returns the upload-time reading of a document (nil, nil
// when there is none: an older document, or no ReadingStore).
func (s *Service) DocumentReading(ctx context.Context, documentID string) (*DocumentReading, error) {
	if s.Readings == nil {
		return nil, nil
	}
	r, err := s.Readings.Reading(ctx, documentID)
	if errs.KindOf(err) == errs.NotFound {
		return nil, nil
	}
	return r, err
}

// ReadDocument runs a pending upload-time reading (the queue's worker calls
// it, and so does the decision when it finds the reading still pending):
// read, classify, check expiry, store sealed. A reading that is no longer
// pending is left alone; two calls for one document at once in this
// process read it once (the second waits for the first's result). An error
// is ours: the queue retries, then calls FailReading.
func (s *Service) ReadDocument(ctx context.Context, documentID string) error {
	_, err, _ := s.reads.Do(documentID, func() (any, error) {
		return nil, s.readDocument(ctx, documentID)
	})
	return err
}

func (s *Service) readDocument(ctx context.Context, documentID string) error {
	if s.Readings == nil {
		return nil
	}
	r, err := s.Readings.Reading(ctx, documentID)
	if err != nil {
		return err
	}
	if r.Status != ReadingPending {
		return nil
	}
	if s.Reader == nil {
		return s.FailReading(ctx, documentID)
	}
	if err := s.Reader.Available(); err != nil {
		return s.FailReading(ctx, documentID)
	}
	d, img, err := s.Documents.Image(ctx, "", true, documentID)
	if errs.KindOf(err) == errs.NotFound {
		r.Status, r.UpdatedAt = ReadingSkipped, s.now()
		return s.Readings.SaveReading(ctx, r)
	}
	if err != nil {
		return err
	}
	rd, err := s.Reader.Read(ctx, d.Kind, img)
	if err != nil {
		return err
	}
	at := s.now().In(China)
	*r = DocumentReading{DocumentID: documentID, Status: ReadingDone, DetectedKind: rd.Kind, KindConfidence: rd.KindConfidence,
		Fields: rd.Fields, Reasons: readingFindings(string(d.Kind), rd, at, s.Levels.MinConfidence), Engine: rd.Engine, Version: rd.Version,
		UpdatedAt: s.now()}
	if r.Fields == nil {
		r.Fields = ReadFields{}
	}
	return s.Readings.SaveReading(ctx, r)
}

// FailReading marks a pending reading as failed on our side (the reader is
// unavailable or keeps failing): the customer is not blamed, the pipeline
// reads again or a reviewer looks.
func (s *Service) FailReading(ctx context.Context, documentID string) error {
	if s.Readings == nil {
		return nil
	}
	r, err := s.Readings.Reading(ctx, documentID)
	if err != nil {
		return err
	}
	if r.Status != ReadingPending {
		return nil
	}
	r.Status, r.UpdatedAt = ReadingError, s.now()
	return s.Readings.SaveReading(ctx, r)
}

// readingFindings are what a customer is told about a reading at once: the
// photo is of another kind than the slot wants (DOCUMENT_WRONG_KIND, naming
// both), or the document expired (DOCUMENT_EXPIRED, with the date read).
func readingFindings(slot string, rd Reading, at time.Time, minConf float64) []Finding {
	out := []Finding{}
	want := readerKind(GateKind(slot))
	if wrongKind(rd, want) {
		return append(out, Finding{Code: CodeDocumentWrongKind, Document: slot, Seen: rd.Kind, Step: DocumentStep(slot)})
	}
	if d, ok := expiredOn(rd.Fields, at, minConf); ok {
		out = append(out, Finding{Code: CodeDocumentExpired, Document: slot, Date: d, Step: DocumentStep(slot)})
	}
	return out
}

// wrongKind reports whether the reading is confident evidence that the
// photo is another kind of document than want.
func wrongKind(rd Reading, want string) bool {
	return want != "" && rd.Kind != "" && rd.Kind != KindUnknown && rd.Kind != want && rd.KindConfidence >= MinKindConfidence
}

// kindConfirmed reports whether the reading classifies the photo as want.
func kindConfirmed(rd Reading, want string) bool {
	return want != "" && rd.Kind == want && rd.KindConfidence >= MinKindConfidence
}

// expiredOn returns the expiry date read when it is confidently before at.
func expiredOn(f ReadFields, at time.Time, minConf float64) (string, bool) {
	if minConf <= 0 || minConf > 1 {
		minConf = DefaultMinConfidence
	}
	v, ok := f[ReadValidUntil]
	if !ok || v.Confidence < minConf || v.Glyph {
		return "", false
	}
	d, valid := idrules.ParseDate(normDate(strings.TrimSpace(v.Value)))
	if !valid || !d.Before(idrules.DateOf(at)) {
		return "", false
	}
	return d.String(), true
}

// PublicReading is a reading as the document's owner sees it (the
// document JSON's "reading").
type PublicReading struct {
	Status       string                 `json:"status"`
	DetectedKind string                 `json:"detected_kind"`
	Reasons      []PublicReason         `json:"reasons"`
	Fields       map[string]PublicField `json:"fields"`
}

// PublicField is one value read, for the "read first, type less" offer.
type PublicField struct {
	Value      string  `json:"value"`
	Confidence float64 `json:"confidence"`
}

// PublicReadingOf renders a reading for the document's owner in lang: only
// name, id_number, birth_date, sex and valid_until (a passport's MRZ name
// and document number as name and id_number). A nil reading is skipped.
func PublicReadingOf(r *DocumentReading, lang i18n.Lang) PublicReading {
	p := PublicReading{Status: ReadingSkipped, Reasons: []PublicReason{}, Fields: map[string]PublicField{}}
	if r == nil {
		return p
	}
	p.Status, p.DetectedKind = r.Status, r.DetectedKind
	p.Reasons = append(p.Reasons, CustomerFindings(r.Reasons, lang)...)
	put := func(name string, f ReadField, ok bool) {
		if ok && strings.TrimSpace(f.Value) != "" {
			p.Fields[name] = PublicField{Value: f.Value, Confidence: clamp01(f.Confidence)}
		}
	}
	f, ok := nameReading(r.Fields)
	put(ReadName, f, ok)
	f, ok = numberReading(r.Fields)
	put(ReadIDNumber, f, ok)
	for _, k := range []string{ReadBirthDate, ReadSex, ReadValidUntil} {
		f, ok := r.Fields[k]
		put(k, f, ok)
	}
	return p
}
