package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/review"
)

// Backoffice implements review.Store.
type Backoffice struct{ db *DB }

// Backoffice returns the back office's store on db.
func (db *DB) Backoffice() *Backoffice { return &Backoffice{db: db} }

var _ review.Store = (*Backoffice)(nil)

// Claim implements review.Store: one statement takes a free or stale
// claim (or renews one's own), so two reviewers cannot both win.
func (b *Backoffice) Claim(ctx context.Context, itemID, reviewerID string, now, staleBefore time.Time) (review.Claim, error) {
	c := review.Claim{ItemID: itemID}
	err := b.db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO review_claims (item_id, reviewer_id, claimed_at, last_seen_at) VALUES ($1, $2, $3, $3)
			ON CONFLICT (item_id) DO UPDATE SET reviewer_id = excluded.reviewer_id, last_seen_at = excluded.last_seen_at,
				claimed_at = CASE WHEN review_claims.reviewer_id = excluded.reviewer_id THEN review_claims.claimed_at ELSE excluded.claimed_at END
			WHERE review_claims.reviewer_id = excluded.reviewer_id OR review_claims.last_seen_at < $4
			RETURNING reviewer_id, claimed_at, last_seen_at`, itemID, reviewerID, ts(now), ts(staleBefore)).Scan(&c.ReviewerID, &c.ClaimedAt, &c.LastSeenAt)
		if errors.Is(err, sql.ErrNoRows) {
			var holder string
			if err := tx.QueryRowContext(ctx, `SELECT reviewer_id FROM review_claims WHERE item_id = $1`, itemID).Scan(&holder); err != nil {
				return err
			}
			return review.ErrClaimed(holder)
		}
		return err
	})
	c.ClaimedAt, c.LastSeenAt = c.ClaimedAt.UTC(), c.LastSeenAt.UTC()
	return c, err
}

// Release implements review.Store.
func (b *Backoffice) Release(ctx context.Context, itemID, reviewerID string) error {
	res, err := b.db.ExecContext(ctx, `DELETE FROM review_claims WHERE item_id = $1 AND reviewer_id = $2`, itemID, reviewerID)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.NotFound, "CLAIM_NOT_FOUND", "You do not hold this item.", "您没有认领此项。")
	}
	return nil
}

// Claims implements review.Store.
func (b *Backoffice) Claims(ctx context.Context, staleBefore time.Time) (map[string]review.Claim, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT item_id, reviewer_id, claimed_at, last_seen_at FROM review_claims WHERE last_seen_at >= $1`, ts(staleBefore))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[string]review.Claim{}
	for rows.Next() {
		var c review.Claim
		if err := rows.Scan(&c.ItemID, &c.ReviewerID, &c.ClaimedAt, &c.LastSeenAt); err != nil {
			return nil, translate(err)
		}
		c.ClaimedAt, c.LastSeenAt = c.ClaimedAt.UTC(), c.LastSeenAt.UTC()
		out[c.ItemID] = c
	}
	return out, translate(rows.Err())
}

// TouchClaim implements review.Store.
func (b *Backoffice) TouchClaim(ctx context.Context, itemID, reviewerID string, now time.Time) error {
	_, err := b.db.ExecContext(ctx, `UPDATE review_claims SET last_seen_at = $1 WHERE item_id = $2 AND reviewer_id = $3`, ts(now), itemID, reviewerID)
	return translate(err)
}

func (b *Backoffice) sealNote(note, caseID string) (string, error) {
	if note == "" {
		return "", nil
	}
	return b.db.cipher.SealString(note, "pending_decisions.note:"+caseID)
}

const proposalCols = `case_id, proposer_id, status, reasons, comment, note, created_at`

func (b *Backoffice) scanProposal(row interface{ Scan(...any) error }) (*review.Proposal, error) {
	var p review.Proposal
	var reasons, comment, note string
	if err := row.Scan(&p.CaseID, &p.ProposerID, &p.Status, &reasons, &comment, &note, &p.CreatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.New(errs.NotFound, "PROPOSAL_NOT_FOUND", "No decision is waiting for a second reviewer.", "没有等待第二位审核员的决定。")
		}
		return nil, translate(err)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	_ = json.Unmarshal([]byte(reasons), &p.Reasons)
	var err error
	if comment != "" {
		if p.Comment, err = b.db.cipher.OpenString(comment, "pending_decisions.comment:"+p.CaseID); err != nil {
			return nil, errs.Internalf("open comment: %w", err)
		}
	}
	if note != "" {
		if p.Note, err = b.db.cipher.OpenString(note, "pending_decisions.note:"+p.CaseID); err != nil {
			return nil, errs.Internalf("open note: %w", err)
		}
	}
	return &p, nil
}

// Proposal implements review.Store.
func (b *Backoffice) Proposal(ctx context.Context, caseID string) (*review.Proposal, error) {
	return b.scanProposal(b.db.QueryRowContext(ctx, `SELECT `+proposalCols+` FROM pending_decisions WHERE case_id = $1`, caseID))
}

// Proposals implements review.Store.
func (b *Backoffice) Proposals(ctx context.Context) ([]review.Proposal, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT `+proposalCols+` FROM pending_decisions ORDER BY created_at, case_id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []review.Proposal
	for rows.Next() {
		p, err := b.scanProposal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, translate(rows.Err())
}

// Propose implements review.Store. The note and comment may name the
// person: they are sealed.
func (b *Backoffice) Propose(ctx context.Context, p review.Proposal, ev *audit.Event) error {
	reasons, _ := json.Marshal(p.Reasons)
	note, err := b.sealNote(p.Note, p.CaseID)
	if err != nil {
		return errs.Internalf("seal: %w", err)
	}
	comment := ""
	if p.Comment != "" {
		if comment, err = b.db.cipher.SealString(p.Comment, "pending_decisions.comment:"+p.CaseID); err != nil {
			return errs.Internalf("seal: %w", err)
		}
	}
	return b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pending_decisions (`+proposalCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (case_id) DO UPDATE SET proposer_id = excluded.proposer_id, status = excluded.status, reasons = excluded.reasons,
				comment = excluded.comment, note = excluded.note, created_at = excluded.created_at`,
			p.CaseID, p.ProposerID, p.Status, string(reasons), comment, note, ts(p.CreatedAt)); err != nil {
			return err
		}
		return appendAuditTx(ctx, b.db, tx, ev)
	})
}

// DropProposal implements review.Store.
func (b *Backoffice) DropProposal(ctx context.Context, caseID string) error {
	_, err := b.db.ExecContext(ctx, `DELETE FROM pending_decisions WHERE case_id = $1`, caseID)
	return translate(err)
}

const riskCols = `user_id, case_id, level, reasons, next_review_at, review_due_at, updated_at`

func scanRisk(row interface{ Scan(...any) error }) (*review.Risk, error) {
	var r review.Risk
	var reasons string
	var due sql.NullTime
	if err := row.Scan(&r.UserID, &r.CaseID, &r.Level, &reasons, &r.NextReviewAt, &due, &r.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.New(errs.NotFound, "RISK_NOT_SCORED", "This customer has no risk score yet.", "该客户尚未进行风险评级。")
		}
		return nil, translate(err)
	}
	_ = json.Unmarshal([]byte(reasons), &r.Reasons)
	r.NextReviewAt, r.UpdatedAt = r.NextReviewAt.UTC(), r.UpdatedAt.UTC()
	if due.Valid {
		t := due.Time.UTC()
		r.DueAt = &t
	}
	return &r, nil
}

// SetRisk implements review.RiskStore: the score and its audit event
// commit together; a new score clears a raised review.
func (b *Backoffice) SetRisk(ctx context.Context, r review.Risk, ev *audit.Event) error {
	reasons, _ := json.Marshal(r.Reasons)
	return b.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_risk (`+riskCols+`) VALUES ($1, $2, $3, $4, $5, NULL, $6)
			ON CONFLICT (user_id) DO UPDATE SET case_id = excluded.case_id, level = excluded.level, reasons = excluded.reasons,
				next_review_at = excluded.next_review_at, review_due_at = NULL, updated_at = excluded.updated_at`,
			r.UserID, r.CaseID, r.Level, string(reasons), ts(r.NextReviewAt), ts(r.UpdatedAt)); err != nil {
			return err
		}
		return appendAuditTx(ctx, b.db, tx, ev)
	})
}

// RiskOf implements review.RiskStore.
func (b *Backoffice) RiskOf(ctx context.Context, userID string) (*review.Risk, error) {
	return scanRisk(b.db.QueryRowContext(ctx, `SELECT `+riskCols+` FROM customer_risk WHERE user_id = $1`, userID))
}

func (b *Backoffice) risks(ctx context.Context, q string, args ...any) ([]review.Risk, error) {
	rows, err := b.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []review.Risk
	for rows.Next() {
		r, err := scanRisk(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, translate(rows.Err())
}

// DueReviews implements review.RiskStore.
func (b *Backoffice) DueReviews(ctx context.Context, now time.Time) ([]review.Risk, error) {
	return b.risks(ctx, `SELECT `+riskCols+` FROM customer_risk WHERE review_due_at IS NOT NULL ORDER BY review_due_at, user_id`)
}

// RaiseDueReviews implements review.RiskStore: each raised review is
// audited in the same transaction.
func (b *Backoffice) RaiseDueReviews(ctx context.Context, now time.Time) ([]review.Risk, error) {
	var out []review.Risk
	err := b.db.tx(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `UPDATE customer_risk SET review_due_at = $1 WHERE review_due_at IS NULL AND next_review_at <= $1
			RETURNING `+riskCols, ts(now))
		if err != nil {
			return err
		}
		for rows.Next() {
			r, err := scanRisk(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, *r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range out {
			if err := appendAuditTx(ctx, b.db, tx, &audit.Event{At: now, Actor: "system", Action: "risk.review.due", Subject: r.UserID,
				Detail: r.Level + " review of " + r.NextReviewAt.Format(time.DateOnly)}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
