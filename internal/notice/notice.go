// Package notice holds what the operator tells every customer:
// announcements (banner, API, Atom feed), maintenance windows (verification
// submissions held, wallet writes refused with Retry-After) and the status
// page's incidents. It declares the Store it needs; internal/sqlstore
// implements it.
package notice

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

// Kind is an announcement's kind.
type Kind string

// The announcement kinds.
const (
	KindInfo        Kind = "info"
	KindWarning     Kind = "warning"
	KindMaintenance Kind = "maintenance"
)

// Announcement is a message to every customer between StartsAt and EndsAt.
type Announcement struct {
	ID        string    `json:"id"`
	Kind      Kind      `json:"kind"`
	Title     i18n.Text `json:"title"`
	Body      i18n.Text `json:"body"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	CreatedAt time.Time `json:"created_at"`
}

// Window is a maintenance window: verification submissions are held and
// wallet writes refused between StartsAt and EndsAt.
type Window struct {
	ID        string    `json:"id"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Note      i18n.Text `json:"note"`
	Released  bool      `json:"-"` // held cases were released after it
	CreatedAt time.Time `json:"created_at"`
}

// Incident is an outage or degradation an admin writes up for the status page.
type Incident struct {
	ID         string           `json:"id"`
	Component  string           `json:"component"`
	Title      i18n.Text        `json:"title"`
	CreatedAt  time.Time        `json:"created_at"`
	ResolvedAt *time.Time       `json:"resolved_at"`
	Updates    []IncidentUpdate `json:"updates"`
}

// IncidentUpdate is one update of an incident.
type IncidentUpdate struct {
	ID        string    `json:"id"`
	Body      i18n.Text `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Store persists announcements, windows and incidents.
type Store interface {
	SaveAnnouncement(ctx context.Context, a *Announcement) error
	// Announcements lists those that end after t, by start.
	Announcements(ctx context.Context, after time.Time) ([]Announcement, error)
	SaveWindow(ctx context.Context, w *Window) error
	// Windows lists windows that end after t, by start.
	Windows(ctx context.Context, after time.Time) ([]Window, error)
	// EndedUnreleased lists windows ended by t whose held cases were not released.
	EndedUnreleased(ctx context.Context, t time.Time) ([]Window, error)
	MarkReleased(ctx context.Context, id string) error
	SaveIncident(ctx context.Context, in *Incident) error
	AddIncidentUpdate(ctx context.Context, incidentID string, u *IncidentUpdate, resolvedAt *time.Time) error
	// Incidents lists incidents created after t, newest first, with updates.
	Incidents(ctx context.Context, after time.Time) ([]Incident, error)
}

// Service publishes announcements and runs maintenance windows.
type Service struct {
	Store Store
	Now   func() time.Time

	mu      sync.Mutex
	cached  []Window
	cacheAt time.Time
}

// cacheFor bounds how stale the maintenance state read on every wallet
// write may be.
const cacheFor = 2 * time.Second

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func newID(p string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return p + "_" + hex.EncodeToString(b)
}

// Text is a two-language input.
type Text struct {
	EN string `json:"en"`
	ZH string `json:"zh"`
}

func (t Text) check(field string, max int) (i18n.Text, error) {
	en, zh := strings.TrimSpace(t.EN), strings.TrimSpace(t.ZH)
	if en == "" || zh == "" {
		return i18n.Text{}, errs.New(errs.Invalid, "FIELD_REQUIRED", "Write it in both languages (en and zh).", "请同时填写中英文（en 和 zh）。").OnField(field)
	}
	if utf8.RuneCountInString(en) > max || utf8.RuneCountInString(zh) > max {
		return i18n.Text{}, errs.New(errs.Invalid, "FIELD_TOO_LONG", "This text is too long.", "内容过长。").OnField(field)
	}
	return i18n.T(en, zh), nil
}

func checkSpan(start, end time.Time) error {
	if start.IsZero() || end.IsZero() || !end.After(start) {
		return errs.New(errs.Invalid, "TIME_RANGE_INVALID", "Give a start and an end after it.", "请填写开始时间和晚于它的结束时间。").OnField("ends_at")
	}
	return nil
}

// AnnouncementInput is what an admin publishes.
type AnnouncementInput struct {
	Kind     Kind      `json:"kind"`
	Title    Text      `json:"title"`
	Body     Text      `json:"body"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

// Publish stores an announcement. Errors: Invalid KIND_INVALID,
// FIELD_REQUIRED, FIELD_TOO_LONG, TIME_RANGE_INVALID.
func (s *Service) Publish(ctx context.Context, in AnnouncementInput) (*Announcement, error) {
	if in.Kind != KindInfo && in.Kind != KindWarning && in.Kind != KindMaintenance {
		return nil, errs.New(errs.Invalid, "KIND_INVALID", "Kind is info, warning or maintenance.", "类型为 info、warning 或 maintenance。").OnField("kind")
	}
	title, err := in.Title.check("title", 200)
	if err != nil {
		return nil, err
	}
	body, err := in.Body.check("body", 4000)
	if err != nil {
		return nil, err
	}
	if in.StartsAt.IsZero() {
		in.StartsAt = s.now()
	}
	if err := checkSpan(in.StartsAt, in.EndsAt); err != nil {
		return nil, err
	}
	a := &Announcement{ID: newID("ann"), Kind: in.Kind, Title: title, Body: body, StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), CreatedAt: s.now()}
	return a, s.Store.SaveAnnouncement(ctx, a)
}

// Current lists the announcements in force now.
func (s *Service) Current(ctx context.Context) ([]Announcement, error) {
	now := s.now()
	all, err := s.Store.Announcements(ctx, now)
	if err != nil {
		return nil, err
	}
	out := []Announcement{}
	for _, a := range all {
		if !a.StartsAt.After(now) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Recent lists announcements for the feed: those in force or to come.
func (s *Service) Recent(ctx context.Context) ([]Announcement, error) {
	return s.Store.Announcements(ctx, s.now().Add(-30*24*time.Hour))
}

// Schedule stores a maintenance window. Errors: Invalid TIME_RANGE_INVALID,
// FIELD_REQUIRED.
func (s *Service) Schedule(ctx context.Context, start, end time.Time, note Text) (*Window, error) {
	if note.EN == "" && note.ZH == "" {
		note = Text{EN: "Scheduled maintenance.", ZH: "系统维护。"}
	}
	n, err := note.check("note", 1000)
	if err != nil {
		return nil, err
	}
	if err := checkSpan(start, end); err != nil {
		return nil, err
	}
	w := &Window{ID: newID("mw"), StartsAt: start.UTC(), EndsAt: end.UTC(), Note: n, CreatedAt: s.now()}
	if err := s.Store.SaveWindow(ctx, w); err != nil {
		return nil, err
	}
	s.forget()
	return w, nil
}

// Start opens a window now, for d.
func (s *Service) Start(ctx context.Context, d time.Duration, note Text) (*Window, error) {
	now := s.now()
	return s.Schedule(ctx, now, now.Add(d), note)
}

// Stop ends every window in force now. Errors: NotFound NO_MAINTENANCE.
func (s *Service) Stop(ctx context.Context) (int, error) {
	now := s.now()
	ws, err := s.Store.Windows(ctx, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, w := range ws {
		if !w.StartsAt.After(now) {
			w.EndsAt = now
			if err := s.Store.SaveWindow(ctx, &w); err != nil {
				return n, err
			}
			n++
		}
	}
	s.forget()
	if n == 0 {
		return 0, errs.New(errs.NotFound, "NO_MAINTENANCE", "No maintenance window is in force.", "当前没有进行中的维护。")
	}
	return n, nil
}

func (s *Service) forget() {
	s.mu.Lock()
	s.cacheAt = time.Time{}
	s.mu.Unlock()
}

// Windows lists the current and upcoming windows.
func (s *Service) Windows(ctx context.Context) ([]Window, error) {
	return s.Store.Windows(ctx, s.now())
}

// Active returns the window in force now (nil: none). It reads the
// database at most every 2 seconds: it runs on every wallet write.
func (s *Service) Active(ctx context.Context) (*Window, error) {
	now := s.now()
	s.mu.Lock()
	ws, fresh := s.cached, !s.cacheAt.IsZero() && now.Sub(s.cacheAt) < cacheFor && !now.Before(s.cacheAt)
	s.mu.Unlock()
	if !fresh {
		var err error
		if ws, err = s.Store.Windows(ctx, now); err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.cached, s.cacheAt = ws, now
		s.mu.Unlock()
	}
	var cur *Window
	for i := range ws {
		w := ws[i]
		if !w.StartsAt.After(now) && w.EndsAt.After(now) && (cur == nil || w.EndsAt.After(cur.EndsAt)) {
			cur = &w
		}
	}
	return cur, nil
}

// Held reports whether verification submissions are held now, and until
// when (verification.Service.Hold).
func (s *Service) Held(ctx context.Context) (time.Time, bool) {
	w, err := s.Active(ctx)
	if err != nil || w == nil {
		return time.Time{}, false
	}
	return w.EndsAt, true
}

// Releaser releases the verification cases held during maintenance and
// queues their processing (sqlstore.Cases implements it).
type Releaser interface {
	ReleaseHeld(ctx context.Context, at time.Time) (int, error)
}

// ReleaseEnded releases held cases once no window is in force and marks
// the ended windows done; it returns how many cases it released.
func (s *Service) ReleaseEnded(ctx context.Context, r Releaser) (int, error) {
	now := s.now()
	if w, err := s.Active(ctx); err != nil || w != nil {
		return 0, err
	}
	ended, err := s.Store.EndedUnreleased(ctx, now)
	if err != nil || len(ended) == 0 {
		return 0, err
	}
	n, err := r.ReleaseHeld(ctx, now)
	if err != nil {
		return n, err
	}
	for _, w := range ended {
		if err := s.Store.MarkReleased(ctx, w.ID); err != nil {
			return n, err
		}
	}
	return n, nil
}

// IncidentInput opens an incident.
type IncidentInput struct {
	Component string `json:"component"`
	Title     Text   `json:"title"`
	Body      Text   `json:"body"`
}

// Components are the status page's components.
var Components = []string{"database", "job_queue", "document_reading", "screening", "wallet"}

// OpenIncident records an incident with its first update. Errors: Invalid
// COMPONENT_INVALID, FIELD_REQUIRED, FIELD_TOO_LONG.
func (s *Service) OpenIncident(ctx context.Context, in IncidentInput) (*Incident, error) {
	ok := false
	for _, c := range Components {
		ok = ok || c == in.Component
	}
	if !ok {
		return nil, errs.New(errs.Invalid, "COMPONENT_INVALID", "Component is one of "+strings.Join(Components, ", ")+".",
			"组件应为 "+strings.Join(Components, "、")+" 之一。").OnField("component")
	}
	title, err := in.Title.check("title", 200)
	if err != nil {
		return nil, err
	}
	body, err := in.Body.check("body", 4000)
	if err != nil {
		return nil, err
	}
	now := s.now()
	inc := &Incident{ID: newID("inc"), Component: in.Component, Title: title, CreatedAt: now,
		Updates: []IncidentUpdate{{ID: newID("incu"), Body: body, CreatedAt: now}}}
	return inc, s.Store.SaveIncident(ctx, inc)
}

// UpdateIncident adds an update; resolve marks the incident resolved.
func (s *Service) UpdateIncident(ctx context.Context, id string, body Text, resolve bool) error {
	b, err := body.check("body", 4000)
	if err != nil {
		return err
	}
	now := s.now()
	var res *time.Time
	if resolve {
		res = &now
	}
	return s.Store.AddIncidentUpdate(ctx, id, &IncidentUpdate{ID: newID("incu"), Body: b, CreatedAt: now}, res)
}

// Incidents lists the last 90 days' incidents.
func (s *Service) Incidents(ctx context.Context) ([]Incident, error) {
	return s.Store.Incidents(ctx, s.now().Add(-90*24*time.Hour))
}

// ErrIncidentNotFound is returned for an unknown incident.
var ErrIncidentNotFound = errs.New(errs.NotFound, "INCIDENT_NOT_FOUND", "No such incident.", "没有这个事件。")
