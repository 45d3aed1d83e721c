// Package review is the compliance back office's domain: the reviewers'
// work queue (items from any source: cases in manual review, decisions
// waiting for a second reviewer, periodic reviews due, and the screening
// hits and wallet alerts other packages plug in through Source), claims on
// items, four-eyes decisions, masked applicant data with audited reveals,
// and risk scoring (risk.go).
//
// It declares the small interfaces it needs (Store, Source, Decider,
// WalletStates, Freezer); sqlstore implements Store, and the application
// wires the rest.
package review

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// ClaimIdle is how long a claim lasts without its reviewer touching the item.
const ClaimIdle = 30 * time.Minute

// Item kinds.
const (
	KindManualReview   = "manual_review"   // a case the machine could not decide
	KindSecondReviewer = "second_reviewer" // a decision waiting for a second reviewer
	KindPeriodicReview = "periodic_review" // a customer's periodic review fell due
	KindScreeningHit   = "screening_hit"   // from the screening source
	KindWalletAlert    = "wallet_alert"    // from the wallet's AML alerts
)

// Item is one piece of reviewer work.
type Item struct {
	ID      string    `json:"id"`   // "<kind>:<subject>", the claim key
	Kind    string    `json:"kind"` // one of the Kind constants
	CaseID  string    `json:"case_id,omitempty"`
	UserID  string    `json:"user_id,omitempty"`
	Level   string    `json:"level,omitempty"`
	Reasons []string  `json:"reasons"`
	Risk    string    `json:"risk,omitempty"` // low, medium, high ("": not scored)
	Since   time.Time `json:"since"`          // waiting since (oldest first)
	// ClaimedBy is the reviewer working the item and ClaimExpires when the
	// claim lapses unless touched ("" / nil: free).
	ClaimedBy    string     `json:"claimed_by,omitempty"`
	ClaimExpires *time.Time `json:"claim_expires_at,omitempty"`
	Link         string     `json:"link,omitempty"` // where a source's own view is (API path)
}

// Source lists pending items of one kind (screening hits, wallet alerts…).
type Source interface {
	QueueItems(ctx context.Context) ([]Item, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context) ([]Item, error)

// QueueItems implements Source.
func (f SourceFunc) QueueItems(ctx context.Context) ([]Item, error) { return f(ctx) }

// WalletState is what the console shows of a customer's wallet.
type WalletState struct {
	Exists   bool              `json:"exists"`
	Frozen   bool              `json:"frozen"`
	Balances map[string]string `json:"balances,omitempty"` // currency → amount, as decimal text
}

// WalletStates reads a customer's wallet (wired by the wallet package).
type WalletStates interface {
	WalletState(ctx context.Context, userID string) (WalletState, error)
}

// Freezer freezes and unfreezes a customer's wallet (wired by the wallet
// package); reason is audited by the implementation.
type Freezer interface {
	Freeze(ctx context.Context, actorID, userID, reason string) error
	Unfreeze(ctx context.Context, actorID, userID, reason string) error
}

// Claim is a reviewer's hold on an item.
type Claim struct {
	ItemID     string    `json:"item_id"`
	ReviewerID string    `json:"reviewer_id"`
	ClaimedAt  time.Time `json:"claimed_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// Proposal is a decision waiting for a second reviewer.
type Proposal struct {
	CaseID     string    `json:"case_id"`
	ProposerID string    `json:"proposer_id"`
	Status     string    `json:"status"`
	Reasons    []string  `json:"reasons"`
	Comment    string    `json:"comment"`
	Note       string    `json:"-"` // internal; shown to reviewers through the case view
	CreatedAt  time.Time `json:"created_at"`
}

// Store persists claims, proposals and risk. Every method is one
// transaction; the ones taking an audit event write it in it.
type Store interface {
	// Claim gives itemID to reviewerID unless another reviewer touched it
	// after staleBefore. Errors: Conflict ITEM_CLAIMED (with the holder).
	Claim(ctx context.Context, itemID, reviewerID string, now, staleBefore time.Time) (Claim, error)
	// Release drops reviewerID's claim. Errors: NotFound CLAIM_NOT_FOUND.
	Release(ctx context.Context, itemID, reviewerID string) error
	// Claims returns the live claims (touched after staleBefore) by item id.
	Claims(ctx context.Context, staleBefore time.Time) (map[string]Claim, error)
	// TouchClaim moves the last-seen time of reviewerID's claim (if any).
	TouchClaim(ctx context.Context, itemID, reviewerID string, now time.Time) error

	// Proposal returns the case's pending decision. Errors: NotFound PROPOSAL_NOT_FOUND.
	Proposal(ctx context.Context, caseID string) (*Proposal, error)
	// Proposals lists every pending decision, oldest first.
	Proposals(ctx context.Context) ([]Proposal, error)
	// Propose stores p (replacing a pending one) with ev.
	Propose(ctx context.Context, p Proposal, ev *audit.Event) error
	// DropProposal removes the case's pending decision (none: no error).
	DropProposal(ctx context.Context, caseID string) error

	RiskStore
}

// Cases is what the queue and the four-eyes rule need of verification.
type Cases interface {
	ReviewQueue(ctx context.Context, status verification.Status) ([]*verification.Case, error)
	Get(ctx context.Context, userID string, staff bool, id string) (*verification.Case, error)
	ReviewerDecideWith(ctx context.Context, in verification.ReviewerInput) (*verification.Case, error)
}

// Service is the back office's use cases.
type Service struct {
	Store   Store
	Cases   Cases
	Audit   audit.Store
	Sources []Source // extra queue sources (screening hits, wallet alerts)
	Wallets WalletStates
	Freeze  Freezer
	Txns    Transactions // for suspicious-activity reports (nil: none listed)
	Risk    RiskRules
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Filter narrows the queue; zero fields do not filter.
type Filter struct {
	Kind, Level, Reason, Risk string
	MinAge                    time.Duration // waiting at least this long
	After                     string        // paging: the last item id of the previous page
	Limit                     int           // default 50, at most 200
}

// Page is one page of the queue.
type Page struct {
	Items []Item `json:"items"`
	Total int    `json:"total"` // matching items, all pages
	Next  string `json:"next,omitempty"`
}

// Queue lists the items waiting for a person, oldest first, filtered and
// paged, with their claims.
func (s *Service) Queue(ctx context.Context, f Filter) (*Page, error) {
	var all []Item
	cases, err := s.Cases.ReviewQueue(ctx, verification.StatusManualReview)
	if err != nil {
		return nil, err
	}
	props, err := s.Store.Proposals(ctx)
	if err != nil {
		return nil, err
	}
	waiting := map[string]bool{}
	for _, p := range props {
		waiting[p.CaseID] = true
	}
	for _, c := range cases {
		it := Item{ID: KindManualReview + ":" + c.ID, Kind: KindManualReview, CaseID: c.ID, UserID: c.UserID, Level: string(c.Level),
			Reasons: []string{}, Since: c.UpdatedAt}
		if c.Decision != nil {
			it.Reasons = append(it.Reasons, c.Decision.Reasons...)
		}
		if waiting[c.ID] {
			continue // listed as waiting for the second reviewer
		}
		all = append(all, it)
	}
	for _, p := range props {
		it := Item{ID: KindSecondReviewer + ":" + p.CaseID, Kind: KindSecondReviewer, CaseID: p.CaseID, Reasons: p.Reasons, Since: p.CreatedAt}
		if c, err := s.Cases.Get(ctx, "", true, p.CaseID); err == nil {
			it.UserID, it.Level = c.UserID, string(c.Level)
		}
		all = append(all, it)
	}
	due, err := s.Store.DueReviews(ctx, s.now())
	if err != nil {
		return nil, err
	}
	for _, r := range due {
		all = append(all, Item{ID: KindPeriodicReview + ":" + r.UserID, Kind: KindPeriodicReview, CaseID: r.CaseID, UserID: r.UserID,
			Reasons: r.Reasons, Risk: r.Level, Since: *r.DueAt})
	}
	for _, src := range s.Sources {
		items, err := src.QueueItems(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
	}
	// Risk of each customer, for the filter and the list.
	for i := range all {
		if all[i].Risk == "" && all[i].UserID != "" {
			if r, err := s.Store.RiskOf(ctx, all[i].UserID); err == nil {
				all[i].Risk = r.Level
			}
		}
	}
	now := s.now()
	claims, err := s.Store.Claims(ctx, now.Add(-ClaimIdle))
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, it := range all {
		if f.Kind != "" && it.Kind != f.Kind || f.Level != "" && it.Level != f.Level || f.Risk != "" && it.Risk != f.Risk ||
			f.Reason != "" && !slices.Contains(it.Reasons, f.Reason) || f.MinAge > 0 && now.Sub(it.Since) < f.MinAge {
			continue
		}
		if c, ok := claims[it.ID]; ok {
			exp := c.LastSeenAt.Add(ClaimIdle)
			it.ClaimedBy, it.ClaimExpires = c.ReviewerID, &exp
		}
		out = append(out, it)
	}
	slices.SortStableFunc(out, func(a, b Item) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	page := &Page{Total: len(out), Items: []Item{}}
	start := 0
	if f.After != "" {
		for i, it := range out {
			if it.ID == f.After {
				start = i + 1
			}
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	end := min(start+limit, len(out))
	page.Items = append(page.Items, out[start:end]...)
	if end < len(out) {
		page.Next = out[end-1].ID
	}
	return page, nil
}

var errBadItem = errs.New(errs.NotFound, "ITEM_NOT_FOUND", "No such queue item.", "没有这个待办事项。")

// ClaimItem gives the item to the reviewer for 30 minutes idle. Errors:
// NotFound ITEM_NOT_FOUND (malformed id), Conflict ITEM_CLAIMED.
func (s *Service) ClaimItem(ctx context.Context, reviewerID, itemID string) (Claim, error) {
	if !validItemID(itemID) {
		return Claim{}, errBadItem
	}
	now := s.now()
	c, err := s.Store.Claim(ctx, itemID, reviewerID, now, now.Add(-ClaimIdle))
	if err != nil {
		return Claim{}, err
	}
	s.audit(ctx, reviewerID, "queue.claim", itemID, "")
	return c, nil
}

// ReleaseItem drops the reviewer's claim. Errors: NotFound CLAIM_NOT_FOUND.
func (s *Service) ReleaseItem(ctx context.Context, reviewerID, itemID string) error {
	if !validItemID(itemID) {
		return errBadItem
	}
	if err := s.Store.Release(ctx, itemID, reviewerID); err != nil {
		return err
	}
	s.audit(ctx, reviewerID, "queue.release", itemID, "")
	return nil
}

func validItemID(id string) bool {
	kind, subject, ok := strings.Cut(id, ":")
	return ok && kind != "" && subject != "" && len(id) <= 128 && !strings.ContainsAny(id, " \t\r\n")
}

// claimedByOther refuses work on a case another reviewer holds.
func (s *Service) claimedByOther(ctx context.Context, reviewerID, caseID string) error {
	claims, err := s.Store.Claims(ctx, s.now().Add(-ClaimIdle))
	if err != nil {
		return err
	}
	for _, id := range []string{KindManualReview + ":" + caseID, KindSecondReviewer + ":" + caseID} {
		if c, ok := claims[id]; ok && c.ReviewerID != reviewerID {
			return ErrClaimed(c.ReviewerID)
		}
		_ = s.Store.TouchClaim(ctx, id, reviewerID, s.now())
	}
	return nil
}

// ErrClaimed is the error for an item another reviewer holds.
func ErrClaimed(holder string) *errs.Error {
	return errs.New(errs.Conflict, "ITEM_CLAIMED", "Another reviewer ("+holder+") is working on this.", "另一位审核员（"+holder+"）正在处理此项。")
}

// audit records an event; the back office's reads and claims fail open on
// a broken trail only where the change itself is not at stake.
func (s *Service) audit(ctx context.Context, actorID, action, subject, detail string) error {
	if s.Audit == nil {
		return nil
	}
	return s.Audit.Append(ctx, &audit.Event{At: s.now(), Actor: "user:" + actorID + " (staff)", Action: action, Subject: subject, Detail: detail})
}
