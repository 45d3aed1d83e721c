package screening

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// Hit statuses (HitRecord.Status) and reviewer decisions.
const (
	HitOpen          = "open"
	HitConfirmed     = "confirmed"
	HitFalsePositive = "false_positive"
)

// HitRecord is a hit kept as a review item.
type HitRecord struct {
	ID         string    `json:"id"`
	UserID     string    `json:"user_id"`
	CaseID     string    `json:"case_id,omitempty"`
	ListID     int64     `json:"list_version"`
	List       string    `json:"list"`
	EntityID   string    `json:"entity_id"`
	EntityHash string    `json:"-"`
	Category   string    `json:"category"`
	Score      float64   `json:"score"`
	Status     string    `json:"status"`
	Note       string    `json:"note,omitempty"`
	DecidedBy  string    `json:"decided_by,omitempty"`
	DecidedAt  time.Time `json:"decided_at,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
	// Detail is the hit (names, explanation): personal data, sealed at rest.
	Detail *Hit `json:"detail,omitempty"`
}

// Subject is one approved customer to re-screen.
type Subject = verification.ScreeningSubject

// RescreenState is the progress of re-screening after one import.
type RescreenState struct {
	ListID   int64  `json:"list_version"`
	Cursor   string `json:"-"` // last user id screened
	From     string `json:"-"` // the cursor the batch began at
	Screened int    `json:"screened"`
	Hits     int    `json:"hits"`
	Done     bool   `json:"done"`
}

// Store keeps list versions, hits and re-screening progress
// (internal/sqlstore implements it).
type Store interface {
	// ReplaceList stores a new version of a list with its entities and
	// makes it the source's active version, in one transaction, with a
	// re-screening of approved customers queued. It returns the version.
	ReplaceList(ctx context.Context, v ListVersion, ents []*Entity) (ListVersion, error)
	// ListVersions returns the active version of each source.
	ListVersions(ctx context.Context) ([]ListVersion, error)
	// Entities returns the entities of the active versions.
	Entities(ctx context.Context) ([]*Entity, error)
	// SaveHits records hits as open review items, unless the same customer
	// and entity record already has one (open, confirmed, or cleared as a
	// false positive). It returns the records of every hit given, with
	// their status (a false positive stays cleared).
	SaveHits(ctx context.Context, hits []HitRecord) ([]HitRecord, error)
	// Hits lists hits of a status ("" any), newest first.
	Hits(ctx context.Context, status string, limit int) ([]HitRecord, error)
	// Hit returns one hit. Errors: NotFound SCREENING_HIT_NOT_FOUND.
	Hit(ctx context.Context, id string) (*HitRecord, error)
	// DecideHit records a reviewer's decision on an open hit.
	// Errors: NotFound, Conflict SCREENING_HIT_DECIDED.
	DecideHit(ctx context.Context, id, status, note, reviewer string, at time.Time) (*HitRecord, error)
	// Rescreen returns the progress of the re-screening after list version
	// listID and the next at most n approved customers after its cursor.
	Rescreen(ctx context.Context, listID int64, n int) (RescreenState, []Subject, error)
	// SaveRescreen records hits of a batch and moves the cursor past it,
	// in one transaction: a restart resumes after the last whole batch.
	SaveRescreen(ctx context.Context, st RescreenState, hits []HitRecord) error
}

// CaseDecider rejects a case (verification.Service implements it).
type CaseDecider interface {
	ReviewerDecide(ctx context.Context, reviewerID, id string, to verification.Status, reasons []string, note string) (*verification.Case, error)
}

// WalletFreezer freezes a customer's wallet (the ledger implements it).
type WalletFreezer interface {
	Freeze(ctx context.Context, userID, reason string) error
}

// Service screens customers, keeps the lists' index current, and records
// hits for reviewers.
type Service struct {
	Store     Store
	Cases     CaseDecider   // nil: a confirmed hit rejects no case
	Wallets   WalletFreezer // nil: no wallet to freeze
	Threshold float64       // 0: DefaultThreshold
	Log       *slog.Logger
	Now       func() time.Time
	// RefreshEvery is how often the active versions are compared with the
	// loaded index (lists imported by another process); 0: 30 s.
	RefreshEvery time.Duration

	mu       sync.RWMutex
	ix       *Index
	versions []ListVersion
	checked  time.Time
	loading  sync.Mutex
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Errors of the service.
var (
	ErrHitNotFound = errs.New(errs.NotFound, "SCREENING_HIT_NOT_FOUND", "No such screening hit.", "筛查命中记录不存在。")
	ErrHitDecided  = errs.New(errs.Conflict, "SCREENING_HIT_DECIDED", "This hit was already decided.", "该命中记录已被处理。")
	ErrDecision    = errs.New(errs.Invalid, "SCREENING_DECISION_INVALID", "The decision must be confirmed or false_positive.",
		"处理结果必须为 confirmed 或 false_positive。").OnField("decision")
	ErrNameRequired = errs.New(errs.Invalid, "SCREENING_NAME_REQUIRED", "A name to search for is required.", "请输入要查询的姓名。").OnField("name")
)

// Load builds the index from the store's active list versions.
func (s *Service) Load(ctx context.Context) error {
	s.loading.Lock()
	defer s.loading.Unlock()
	vs, err := s.Store.ListVersions(ctx)
	if err != nil {
		return err
	}
	ents, err := s.Store.Entities(ctx)
	if err != nil {
		return err
	}
	ix := NewIndex(ents)
	ix.Threshold = s.Threshold
	s.mu.Lock()
	s.ix, s.versions, s.checked = ix, vs, time.Now()
	s.mu.Unlock()
	return nil
}

// refresh reloads the index when the active versions changed.
func (s *Service) refresh(ctx context.Context) error {
	every := s.RefreshEvery
	if every == 0 {
		every = 30 * time.Second
	}
	s.mu.RLock()
	fresh := s.ix != nil && time.Since(s.checked) < every
	s.mu.RUnlock()
	if fresh {
		return nil
	}
	vs, err := s.Store.ListVersions(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	same := s.ix != nil && slices.EqualFunc(vs, s.versions, func(a, b ListVersion) bool { return a.ID == b.ID })
	if same {
		s.checked = time.Now()
	}
	s.mu.Unlock()
	if same {
		return nil
	}
	return s.Load(ctx)
}

func (s *Service) index(ctx context.Context) (*Index, []ListVersion, error) {
	if err := s.refresh(ctx); err != nil {
		return nil, nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ix, s.versions, nil
}

// Versions returns the active list versions as last loaded.
func (s *Service) Versions(ctx context.Context) ([]ListVersion, error) {
	_, vs, err := s.index(ctx)
	return vs, err
}

// Import stores a parsed list as its source's new version (the old one
// stays until the new one is committed whole) and reloads the index.
func (s *Service) Import(ctx context.Context, p *Parsed) (ListVersion, error) {
	names := 0
	for _, e := range p.Entities {
		names += len(e.Names)
	}
	v, err := s.Store.ReplaceList(ctx, ListVersion{Source: p.Source, FileHash: p.FileHash, Entities: len(p.Entities),
		Names: names, ImportedAt: s.now()}, p.Entities)
	if err != nil {
		return ListVersion{}, err
	}
	if err := s.Load(ctx); err != nil {
		return v, err
	}
	return v, nil
}

// SearchResult is what a reviewer's search returns.
type SearchResult struct {
	Hits         []Hit         `json:"hits"`
	ListVersions []ListVersion `json:"list_versions"`
}

// Search looks a name up in the active lists.
// Errors: Invalid SCREENING_NAME_REQUIRED.
func (s *Service) Search(ctx context.Context, q Query) (*SearchResult, error) {
	q.Name = strings.TrimSpace(q.Name)
	if q.Name == "" || len(q.Name) > 300 {
		return nil, ErrNameRequired
	}
	ix, vs, err := s.index(ctx)
	if err != nil {
		return nil, err
	}
	hits := ix.Search(q)
	if hits == nil {
		hits = []Hit{}
	}
	if vs == nil {
		vs = []ListVersion{}
	}
	return &SearchResult{Hits: hits, ListVersions: vs}, nil
}

// Screen implements verification.Screener: it screens a subject, records
// hits as review items, and returns those not cleared as false positives.
func (s *Service) Screen(ctx context.Context, subj verification.ScreeningSubject) (verification.ScreeningResult, error) {
	ix, vs, err := s.index(ctx)
	if err != nil {
		return verification.ScreeningResult{}, err
	}
	res := verification.ScreeningResult{Configured: len(vs) > 0, EngineVersion: versionString(vs)}
	if !res.Configured {
		return res, nil
	}
	recs := s.hitRecords(ix, vs, subj)
	if len(recs) == 0 {
		return res, nil
	}
	saved, err := s.Store.SaveHits(ctx, recs)
	if err != nil {
		return verification.ScreeningResult{}, err
	}
	for _, h := range saved {
		if h.Status == HitFalsePositive {
			continue
		}
		res.Hits = append(res.Hits, verification.ScreeningHit{ID: h.ID, List: h.List, EntityID: h.EntityID, Category: h.Category, Score: h.Score})
	}
	return res, nil
}

func versionString(vs []ListVersion) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%s#%d", v.Source, v.ID))
	}
	return strings.Join(parts, ",")
}

// hitRecords screens one subject and returns its hits as records.
func (s *Service) hitRecords(ix *Index, vs []ListVersion, subj Subject) []HitRecord {
	if strings.TrimSpace(subj.Name) == "" {
		return nil
	}
	hits := ix.Search(Query{Name: subj.Name, BirthDate: subj.BirthDate, Nationality: subj.Nationality, Documents: subj.Documents, Limit: 5})
	listOf := map[string]int64{}
	for _, v := range vs {
		listOf[v.Source] = v.ID
	}
	var out []HitRecord
	for i := range hits {
		h := hits[i]
		if h.Kind == KindVessel || h.Kind == KindAircraft {
			continue // people are screened, not ships
		}
		out = append(out, HitRecord{ID: newID("hit"), UserID: subj.UserID, CaseID: subj.CaseID, ListID: listOf[h.List],
			List: h.List, EntityID: h.EntityID, EntityHash: h.entity.Hash(), Category: h.Category, Score: h.Score,
			Status: HitOpen, CreatedAt: s.now(), Detail: &h})
	}
	return out
}

// Hits lists review items of a status ("" any).
func (s *Service) Hits(ctx context.Context, status string, limit int) ([]HitRecord, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	switch status {
	case "", HitOpen, HitConfirmed, HitFalsePositive:
	default:
		return nil, errs.New(errs.Invalid, "SCREENING_STATUS_INVALID", "Unknown status; use open, confirmed or false_positive.",
			"未知状态；请使用 open、confirmed 或 false_positive。").OnField("status")
	}
	return s.Store.Hits(ctx, status, limit)
}

// DecideHit records a reviewer's decision on a hit. A confirmed sanctions
// hit rejects the case it was raised on (SANCTIONS_HIT, a FINAL reason) and
// freezes the customer's wallet; a false positive is remembered for that
// customer and entity until the entity's record changes.
// Errors: Invalid SCREENING_DECISION_INVALID, NotFound, Conflict, Permission
// (a reviewer's own hit).
func (s *Service) DecideHit(ctx context.Context, reviewerID, id, decision, note string) (*HitRecord, error) {
	if decision != HitConfirmed && decision != HitFalsePositive {
		return nil, ErrDecision
	}
	h, err := s.Store.Hit(ctx, id)
	if err != nil {
		return nil, err
	}
	if h.UserID == reviewerID {
		return nil, errs.New(errs.Permission, "REVIEW_OWN_CASE", "You cannot decide your own verification; another reviewer must.",
			"不能审核自己的认证，请由其他审核员处理。")
	}
	if h.Status != HitOpen {
		return nil, ErrHitDecided
	}
	if len(note) > 1000 {
		note = strings.ToValidUTF8(note[:1000], "")
	}
	h, err = s.Store.DecideHit(ctx, id, decision, note, reviewerID, s.now())
	if err != nil {
		return nil, err
	}
	if decision == HitConfirmed && h.Category == CategorySanc {
		if s.Cases != nil && h.CaseID != "" {
			_, err := s.Cases.ReviewerDecide(ctx, reviewerID, h.CaseID, verification.StatusRejected,
				[]string{verification.CodeSanctionsHit}, "screening hit "+h.ID+" confirmed")
			if err != nil && errs.KindOf(err) != errs.Conflict {
				return h, err
			}
		}
		if s.Wallets != nil {
			if err := s.Wallets.Freeze(ctx, h.UserID, "sanctions hit "+h.ID+" confirmed"); err != nil {
				return h, err
			}
		}
	}
	return h, nil
}

// RescreenBatch re-screens the next at most n approved customers after
// the import of list version listID. done is true when everyone was.
func (s *Service) RescreenBatch(ctx context.Context, listID int64, n int) (done bool, err error) {
	ix, vs, err := s.index(ctx)
	if err != nil {
		return false, err
	}
	if !slices.ContainsFunc(vs, func(v ListVersion) bool { return v.ID == listID }) {
		// Imported by another process since this one last looked: load it
		// (or, if it was replaced meanwhile, the versions that replaced it).
		if err := s.Load(ctx); err != nil {
			return false, err
		}
		ix, vs, err = s.index(ctx)
		if err != nil {
			return false, err
		}
	}
	st, subjects, err := s.Store.Rescreen(ctx, listID, n)
	if err != nil || st.Done {
		return st.Done, err
	}
	var hits []HitRecord
	for _, subj := range subjects {
		subj.CaseID = ""
		hits = append(hits, s.hitRecords(ix, vs, subj)...)
		st.Cursor = subj.UserID
	}
	st.Screened += len(subjects)
	st.Hits += len(hits)
	st.Done = len(subjects) < n
	if err := s.Store.SaveRescreen(ctx, st, hits); err != nil {
		return false, err
	}
	if st.Done && s.Log != nil {
		s.Log.Info("re-screening done", "list_version", listID, "screened", st.Screened, "hits", st.Hits)
	}
	return st.Done, nil
}

// MarshalDetail and UnmarshalDetail (de)serialise a hit's detail for
// sealing.
func MarshalDetail(h *Hit) (string, error) {
	b, err := json.Marshal(h)
	return string(b), err
}

// UnmarshalDetail is the inverse of MarshalDetail.
func UnmarshalDetail(s string) (*Hit, error) {
	var h Hit
	if err := json.Unmarshal([]byte(s), &h); err != nil {
		return nil, err
	}
	return &h, nil
}
