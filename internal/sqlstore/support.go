package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/veriwallet/veriwallet/internal/support"
)

// Support stores support tickets (support.Store). Subjects and bodies are
// sealed with the keyring.
type Support struct{ db *DB }

// Support returns the support ticket store.
func (db *DB) Support() *Support { return &Support{db: db} }

var _ support.Store = (*Support)(nil)

const ticketCols = `id, user_id, category, subject, status, case_id, transaction_id, reasons, assignee_id, documents_grant,
	rating, attachment_bytes, version, created_at, updated_at, first_response_at, resolved_at, closed_at`

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func (s *Support) seal(v, aad string) (string, error) { return s.db.cipher.SealString(v, aad) }

// addAttachments checks the ticket's attachment quota and records att,
// inside tx; it returns the ticket's new attachment bytes.
func (s *Support) addAttachments(ctx context.Context, tx *sql.Tx, ticketID, msgID string, used int64, att []support.Attachment) (int64, error) {
	for _, a := range att {
		used += a.Bytes
	}
	if used > support.MaxTicketBytes {
		return 0, support.ErrTicketQuota
	}
	for _, a := range att {
		_, err := tx.ExecContext(ctx, `INSERT INTO support_attachments (document_id, ticket_id, message_id) VALUES ($1, $2, $3)`, a.DocumentID, ticketID, msgID)
		if isUnique(err) {
			return 0, support.ErrAttachmentUsed
		}
		if err != nil {
			return 0, err
		}
	}
	return used, nil
}

func (s *Support) insertMessage(ctx context.Context, tx *sql.Tx, m *support.Message, att []support.Attachment) error {
	if len(att) > 0 {
		m.Attachments = make([]string, len(att))
		for i, a := range att {
			m.Attachments[i] = a.DocumentID
		}
	}
	body, err := s.seal(m.Body, "support_messages.body:"+m.ID)
	if err != nil {
		return err
	}
	if m.Attachments == nil {
		m.Attachments = []string{}
	}
	attJSON, _ := json.Marshal(m.Attachments)
	_, err = tx.ExecContext(ctx, `INSERT INTO support_messages (id, ticket_id, author_id, from_staff, internal, body, attachments, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, m.ID, m.TicketID, m.AuthorID, m.FromStaff, m.Internal, body, string(attJSON), ts(m.CreatedAt))
	return err
}

// CreateTicket implements support.Store.
func (s *Support) CreateTicket(ctx context.Context, t *support.Ticket, m *support.Message, att []support.Attachment) error {
	subject, err := s.seal(t.Subject, "support_tickets.subject:"+t.ID)
	if err != nil {
		return err
	}
	reasons, _ := json.Marshal(t.Reasons)
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		t.AttachmentBytes = 0
		for _, a := range att {
			t.AttachmentBytes += a.Bytes
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO support_tickets (`+ticketCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			t.ID, t.UserID, string(t.Category), subject, string(t.Status), t.CaseID, t.TransactionID, string(reasons), t.AssigneeID,
			t.DocumentsGrant, t.Rating, t.AttachmentBytes, t.Version, ts(t.CreatedAt), ts(t.UpdatedAt),
			nullTime(t.FirstResponseAt), nullTime(t.ResolvedAt), nullTime(t.ClosedAt)); err != nil {
			return err
		}
		if _, err := s.addAttachments(ctx, tx, t.ID, m.ID, 0, att); err != nil {
			return err
		}
		return s.insertMessage(ctx, tx, m, att)
	})
}

func (s *Support) scanTicket(row interface{ Scan(...any) error }) (*support.Ticket, error) {
	var t support.Ticket
	var cat, st, reasons string
	var first, resolved, closed sql.NullTime
	if err := row.Scan(&t.ID, &t.UserID, &cat, &t.Subject, &st, &t.CaseID, &t.TransactionID, &reasons, &t.AssigneeID, &t.DocumentsGrant,
		&t.Rating, &t.AttachmentBytes, &t.Version, &t.CreatedAt, &t.UpdatedAt, &first, &resolved, &closed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, support.ErrTicketNotFound
		}
		return nil, translate(err)
	}
	subject, err := s.db.cipher.OpenString(t.Subject, "support_tickets.subject:"+t.ID)
	if err != nil {
		return nil, err
	}
	t.Subject, t.Category, t.Status = subject, support.Category(cat), support.Status(st)
	t.Reasons = []string{}
	_ = json.Unmarshal([]byte(reasons), &t.Reasons)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	for _, p := range []struct {
		n   sql.NullTime
		dst **time.Time
	}{{first, &t.FirstResponseAt}, {resolved, &t.ResolvedAt}, {closed, &t.ClosedAt}} {
		if p.n.Valid {
			v := p.n.Time.UTC()
			*p.dst = &v
		}
	}
	return &t, nil
}

// Ticket implements support.Store.
func (s *Support) Ticket(ctx context.Context, id string) (*support.Ticket, error) {
	t, err := s.scanTicket(s.db.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM support_tickets WHERE id = $1`, id))
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, author_id, from_staff, internal, body, attachments, created_at
		FROM support_messages WHERE ticket_id = $1 ORDER BY created_at, id`, id)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	t.Messages = []support.Message{}
	for rows.Next() {
		m := support.Message{TicketID: id}
		var att string
		if err := rows.Scan(&m.ID, &m.AuthorID, &m.FromStaff, &m.Internal, &m.Body, &att, &m.CreatedAt); err != nil {
			return nil, translate(err)
		}
		if m.Body, err = s.db.cipher.OpenString(m.Body, "support_messages.body:"+m.ID); err != nil {
			return nil, err
		}
		m.Attachments = []string{}
		_ = json.Unmarshal([]byte(att), &m.Attachments)
		m.CreatedAt = m.CreatedAt.UTC()
		t.Messages = append(t.Messages, m)
	}
	return t, translate(rows.Err())
}

func (s *Support) tickets(ctx context.Context, query string, args ...any) ([]*support.Ticket, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*support.Ticket{}
	for rows.Next() {
		t, err := s.scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, translate(rows.Err())
}

// TicketsOf implements support.Store.
func (s *Support) TicketsOf(ctx context.Context, userID string) ([]*support.Ticket, error) {
	return s.tickets(ctx, `SELECT `+ticketCols+` FROM support_tickets WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT 500`, userID)
}

// Queue implements support.Store.
func (s *Support) Queue(ctx context.Context, f support.QueueFilter) ([]*support.Ticket, error) {
	older := f.OlderThan
	if older.IsZero() {
		older = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return s.tickets(ctx, `SELECT `+ticketCols+` FROM support_tickets
		WHERE ($1 = '' OR status = $1) AND ($2 = '' OR category = $2) AND created_at < $3 AND ($4 = '' OR assignee_id = $4)
		ORDER BY created_at, id LIMIT $5`, string(f.Status), string(f.Category), ts(older), f.AssigneeID, f.Limit)
}

// SaveTicket implements support.Store.
func (s *Support) SaveTicket(ctx context.Context, t *support.Ticket, m *support.Message, att []support.Attachment, notify bool) error {
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		used := t.AttachmentBytes
		if m != nil && len(att) > 0 {
			var err error
			if used, err = s.addAttachments(ctx, tx, t.ID, m.ID, t.AttachmentBytes, att); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE support_tickets SET status = $1, assignee_id = $2, documents_grant = $3, rating = $4,
			attachment_bytes = $5, updated_at = $6, first_response_at = $7, resolved_at = $8, closed_at = $9, version = version + 1
			WHERE id = $10 AND version = $11`,
			string(t.Status), t.AssigneeID, t.DocumentsGrant, t.Rating, used, ts(t.UpdatedAt),
			nullTime(t.FirstResponseAt), nullTime(t.ResolvedAt), nullTime(t.ClosedAt), t.ID, t.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return support.ErrTicketChanged
		}
		if m != nil {
			if err := s.insertMessage(ctx, tx, m, att); err != nil {
				return err
			}
		}
		if notify {
			if _, err := tx.ExecContext(ctx, `INSERT INTO messages (id, user_id, case_id, status, created_at, ticket_id) VALUES ($1, $2, '', $3, $4, $5)`,
				newMessageID(), t.UserID, "support_reply", ts(t.UpdatedAt), t.ID); err != nil {
				return err
			}
		}
		t.AttachmentBytes = used
		return nil
	})
	if err == nil {
		t.Version++
	}
	return err
}

// CloseResolved implements support.Store.
func (s *Support) CloseResolved(ctx context.Context, before, at time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE support_tickets SET status = 'closed', closed_at = $1, updated_at = $1, version = version + 1
		WHERE status = 'resolved' AND resolved_at < $2`, ts(at), ts(before))
	if err != nil {
		return 0, translate(err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// CannedReplies implements support.Store.
func (s *Support) CannedReplies(ctx context.Context) ([]support.CannedReply, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title_en, title_zh, body_en, body_zh, updated_at FROM support_canned_replies ORDER BY title_en, id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []support.CannedReply{}
	for rows.Next() {
		var c support.CannedReply
		if err := rows.Scan(&c.ID, &c.TitleEN, &c.TitleZH, &c.BodyEN, &c.BodyZH, &c.UpdatedAt); err != nil {
			return nil, translate(err)
		}
		c.UpdatedAt = c.UpdatedAt.UTC()
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// SaveCannedReply implements support.Store.
func (s *Support) SaveCannedReply(ctx context.Context, c *support.CannedReply) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO support_canned_replies (id, title_en, title_zh, body_en, body_zh, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET title_en = excluded.title_en, title_zh = excluded.title_zh, body_en = excluded.body_en,
		body_zh = excluded.body_zh, updated_at = excluded.updated_at`, c.ID, c.TitleEN, c.TitleZH, c.BodyEN, c.BodyZH, ts(c.UpdatedAt))
	return translate(err)
}

func newMessageID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "msg_" + hex.EncodeToString(b)
}
