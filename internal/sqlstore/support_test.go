package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/support"
)

// TestSupportTickets: a ticket, its messages and attachments round-trip on
// both engines; subjects and bodies are sealed at rest; an attachment
// belongs to one ticket; the 20 MB ticket quota holds; a stale version is
// refused; resolved tickets close after the cut-off; a reply notice lands
// in the owner's messages.
func TestSupportTickets(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := sqltest.Open(t, engine)
			now := time.Now().UTC().Truncate(time.Microsecond)
			u := &identity.User{ID: "usr_sup", Email: "sup@example.com", Role: identity.RoleCustomer, CreatedAt: now}
			if err := db.Accounts().CreateUser(ctx, u, "x", nil); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"doc_a1", "doc_a2", "doc_big"} {
				if err := db.Documents().CreateDocument(ctx, &document.Document{ID: id, OwnerID: u.ID, Kind: document.KindAttachment, Format: "png",
					Accepted: true, CreatedAt: now, StoredBytes: 1000}, document.Quota{}); err != nil {
					t.Fatal(err)
				}
			}
			// Attachments stay outside the documents' quota.
			if n, _, err := db.Documents().StoredUsage(ctx, u.ID); err != nil || n != 0 {
				t.Fatalf("attachments counted as documents: %d %v", n, err)
			}
			s := db.Support()
			tk := &support.Ticket{ID: "tkt_1", UserID: u.ID, Category: support.CategoryVerification, Subject: "照片模糊 secret-subject",
				Status: support.StatusOpen, CaseID: "case_1", Reasons: []string{"IMAGE_BLURRY"}, Version: 1, CreatedAt: now, UpdatedAt: now}
			m := &support.Message{ID: "tmsg_1", TicketID: tk.ID, AuthorID: u.ID, Body: "secret-body 我的证件", CreatedAt: now}
			if err := s.CreateTicket(ctx, tk, m, []support.Attachment{{DocumentID: "doc_a1", Bytes: 1000}}); err != nil {
				t.Fatal(err)
			}
			var raw string
			if err := db.QueryRowContext(ctx, `SELECT subject FROM support_tickets WHERE id = 'tkt_1'`).Scan(&raw); err != nil || strings.Contains(raw, "secret") {
				t.Fatalf("subject not sealed: %q %v", raw, err)
			}
			if err := db.QueryRowContext(ctx, `SELECT body FROM support_messages WHERE id = 'tmsg_1'`).Scan(&raw); err != nil || strings.Contains(raw, "secret") {
				t.Fatalf("body not sealed: %q %v", raw, err)
			}
			got, err := s.Ticket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != tk.Subject || got.AttachmentBytes != 1000 || len(got.Messages) != 1 || got.Messages[0].Body != m.Body ||
				got.Messages[0].Attachments[0] != "doc_a1" || got.Reasons[0] != "IMAGE_BLURRY" || got.Version != 1 {
				t.Fatalf("round trip: %+v", got)
			}
			// The same attachment on a second ticket is refused.
			tk2 := &support.Ticket{ID: "tkt_2", UserID: u.ID, Category: support.CategoryOther, Subject: "s", Status: support.StatusOpen, Reasons: []string{}, Version: 1, CreatedAt: now, UpdatedAt: now}
			err = s.CreateTicket(ctx, tk2, &support.Message{ID: "tmsg_2", TicketID: tk2.ID, AuthorID: u.ID, Body: "b", CreatedAt: now},
				[]support.Attachment{{DocumentID: "doc_a1", Bytes: 1000}})
			if errs.As(err).Code != "ATTACHMENT_IN_USE" {
				t.Fatalf("attachment reused: %v", err)
			}
			// Over 20 MB on one ticket.
			got.Status, got.UpdatedAt = support.StatusOpen, now.Add(time.Minute)
			err = s.SaveTicket(ctx, got, &support.Message{ID: "tmsg_3", TicketID: tk.ID, AuthorID: u.ID, Body: "b", CreatedAt: now},
				[]support.Attachment{{DocumentID: "doc_big", Bytes: support.MaxTicketBytes}}, false)
			if errs.As(err).Code != "TICKET_ATTACHMENTS_QUOTA" {
				t.Fatalf("quota: %v", err)
			}
			// An agent's reply with a notice for the owner.
			got.Status, got.ResolvedAt = support.StatusResolved, &now
			if err := s.SaveTicket(ctx, got, &support.Message{ID: "tmsg_4", TicketID: tk.ID, AuthorID: "usr_agent", FromStaff: true, Body: "fixed", CreatedAt: now},
				[]support.Attachment{{DocumentID: "doc_a2", Bytes: 1000}}, true); err != nil {
				t.Fatal(err)
			}
			if got.Version != 2 || got.AttachmentBytes != 2000 {
				t.Fatalf("after save: version %d bytes %d", got.Version, got.AttachmentBytes)
			}
			stale := *got
			stale.Version = 1
			if err := s.SaveTicket(ctx, &stale, nil, nil, false); errs.As(err).Code != "TICKET_CHANGED" {
				t.Fatalf("stale save: %v", err)
			}
			msgs, err := db.Cases(nil).Messages(ctx, u.ID, 10)
			if err != nil || len(msgs) != 1 || msgs[0].TicketID != tk.ID || msgs[0].Status != "support_reply" {
				t.Fatalf("notice: %+v %v", msgs, err)
			}
			// Queue filters.
			q, err := s.Queue(ctx, support.QueueFilter{Status: support.StatusResolved, Limit: 10})
			if err != nil || len(q) != 1 || q[0].ID != tk.ID {
				t.Fatalf("queue: %v %v", q, err)
			}
			if q, _ := s.Queue(ctx, support.QueueFilter{Category: support.CategoryWallet, Limit: 10}); len(q) != 0 {
				t.Fatalf("category filter: %v", q)
			}
			// Auto-close: not yet before the cut-off, then closed.
			if n, err := s.CloseResolved(ctx, now.Add(-time.Hour), now); err != nil || n != 0 {
				t.Fatalf("closed too early: %d %v", n, err)
			}
			if n, err := s.CloseResolved(ctx, now.Add(time.Hour), now.Add(2*time.Hour)); err != nil || n != 1 {
				t.Fatalf("auto-close: %d %v", n, err)
			}
			if got, _ := s.Ticket(ctx, tk.ID); got.Status != support.StatusClosed || got.ClosedAt == nil {
				t.Fatalf("not closed: %+v", got)
			}
			// Canned replies: insert, then replace.
			c := &support.CannedReply{ID: "canned_1", TitleEN: "Blurry", TitleZH: "模糊", BodyEN: "Retake", BodyZH: "请重拍", UpdatedAt: now}
			if err := s.SaveCannedReply(ctx, c); err != nil {
				t.Fatal(err)
			}
			c.BodyEN = "Please retake the photo"
			if err := s.SaveCannedReply(ctx, c); err != nil {
				t.Fatal(err)
			}
			cs, err := s.CannedReplies(ctx)
			if err != nil || len(cs) != 1 || cs[0].BodyEN != c.BodyEN {
				t.Fatalf("canned: %+v %v", cs, err)
			}
			if _, err := s.Ticket(ctx, "tkt_none"); errs.As(err).Code != "TICKET_NOT_FOUND" {
				t.Fatalf("missing: %v", err)
			}
		})
	}
}
