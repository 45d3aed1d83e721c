package support

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// Documents finds the documents a ticket's attachments name
// (document.Service implements it).
type Documents interface {
	Get(ctx context.Context, viewerID string, staff bool, id string) (*document.Document, error)
}

// Cases finds the verification case a ticket links (verification.Service
// implements it).
type Cases interface {
	Get(ctx context.Context, userID string, staff bool, id string) (*verification.Case, error)
}

// Users finds a ticket owner's e-mail address (sqlstore.Accounts implements it).
type Users interface {
	UserByID(ctx context.Context, id string) (*identity.User, error)
}

// Mailer sends an e-mail (mail.SMTP implements it).
type Mailer interface {
	SendMail(ctx context.Context, to, subject, body string) error
}

// Service runs tickets.
type Service struct {
	Store     Store
	Documents Documents
	Cases     Cases
	Users     Users
	Mail      Mailer // nil: no e-mail
	PublicURL string // for links in e-mails
	Now       func() time.Time
	Log       *slog.Logger
	// mailed is called after each e-mail attempt (tests wait on it).
	mailed func(error)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// OpenInput is what a customer sends to open a ticket.
type OpenInput struct {
	Category      string   `json:"category"`
	Subject       string   `json:"subject"`
	Body          string   `json:"body"`
	CaseID        string   `json:"verification_id"`
	TransactionID string   `json:"transaction_id"`
	AttachmentIDs []string `json:"attachment_ids"`
}

func text(field, v string, max int) (string, error) {
	v = strings.TrimSpace(strings.ToValidUTF8(v, ""))
	if v == "" {
		return "", errs.New(errs.Invalid, "FIELD_REQUIRED", "Fill in this field.", "请填写此项。").OnField(field)
	}
	// Control characters (a NUL byte…) have no place in a ticket; line
	// breaks and tabs do.
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f }) {
		return "", errs.New(errs.Invalid, "INVALID_CHARACTERS", "The text contains characters that cannot be used (control characters).",
			"内容中含有无法使用的字符（控制字符）。").OnField(field)
	}
	if utf8.RuneCountInString(v) > max {
		return "", errs.New(errs.Invalid, "FIELD_TOO_LONG", "This text is too long.", "内容过长。").OnField(field)
	}
	return v, nil
}

// Open opens a ticket for userID. A linked verification case must be the
// user's own; its customer-visible reasons are attached. Errors: Invalid
// CATEGORY_INVALID, FIELD_REQUIRED, FIELD_TOO_LONG, TOO_MANY_ATTACHMENTS,
// ATTACHMENT_INVALID; NotFound CASE_NOT_FOUND (on verification_id);
// Conflict as Store.CreateTicket.
func (s *Service) Open(ctx context.Context, userID string, in OpenInput) (*Ticket, error) {
	cat := Category(in.Category)
	if cat == "" && in.CaseID != "" {
		cat = CategoryVerification
	}
	if cat == "" && in.TransactionID != "" {
		cat = CategoryWallet
	}
	if cat == "" {
		cat = CategoryOther
	}
	if !cat.Valid() {
		return nil, errs.New(errs.Invalid, "CATEGORY_INVALID", "Choose a category: verification, wallet, account or other.",
			"请选择类别：认证、钱包、账户或其他。").OnField("category")
	}
	subject, err := text("subject", in.Subject, MaxSubjectRunes)
	if err != nil {
		return nil, err
	}
	body, err := text("body", in.Body, MaxBodyRunes)
	if err != nil {
		return nil, err
	}
	if len(in.TransactionID) > 64 {
		return nil, errs.New(errs.Invalid, "FIELD_TOO_LONG", "This text is too long.", "内容过长。").OnField("transaction_id")
	}
	now := s.now()
	t := &Ticket{ID: newID("tkt"), UserID: userID, Category: cat, Subject: subject, Status: StatusOpen,
		TransactionID: in.TransactionID, Reasons: []string{}, Version: 1, CreatedAt: now, UpdatedAt: now}
	if in.CaseID != "" {
		c, err := s.Cases.Get(ctx, userID, false, in.CaseID)
		if err != nil {
			return nil, errs.As(err).OnField("verification_id")
		}
		t.CaseID = c.ID
		t.Reasons = customerCodes(c)
	}
	att, err := s.attachments(ctx, userID, in.AttachmentIDs)
	if err != nil {
		return nil, err
	}
	m := &Message{ID: newID("tmsg"), TicketID: t.ID, AuthorID: userID, Body: body, Attachments: ids(att), CreatedAt: now}
	if err := s.Store.CreateTicket(ctx, t, m, att); err != nil {
		return nil, err
	}
	t.Messages = []Message{*m}
	return t, nil
}

// customerCodes are the codes a customer sees for the case now.
func customerCodes(c *verification.Case) []string {
	var fs []verification.Finding
	if c.Decision != nil {
		fs = c.Decision.Findings
	}
	out := []string{}
	for _, r := range verification.CustomerReasons(c.Status, fs, i18n.EN) {
		out = append(out, r.Code)
	}
	return out
}

// CaseView is what a ticket shows of its linked case: its status and
// customer-visible reasons, never a sensitive one nor any document.
type CaseView struct {
	ID      string                      `json:"id"`
	Status  verification.Status         `json:"status"`
	Reasons []verification.PublicReason `json:"reasons"`
}

// LinkedCase returns the linked case's status and customer-visible reasons
// in lang (nil when the ticket links none).
func (s *Service) LinkedCase(ctx context.Context, t *Ticket, lang i18n.Lang) (*CaseView, error) {
	if t.CaseID == "" {
		return nil, nil
	}
	c, err := s.Cases.Get(ctx, t.UserID, true, t.CaseID)
	if err != nil {
		return nil, err
	}
	var fs []verification.Finding
	if c.Decision != nil {
		fs = c.Decision.Findings
	}
	return &CaseView{ID: c.ID, Status: c.Status, Reasons: verification.CustomerReasons(c.Status, fs, lang)}, nil
}

func ids(att []Attachment) []string {
	out := make([]string, len(att))
	for i, a := range att {
		out[i] = a.DocumentID
	}
	return out
}

// attachments checks the documents named: the owner's own, of kind
// attachment, in an accepted format; at most MaxAttachmentsPerMsg.
func (s *Service) attachments(ctx context.Context, ownerID string, docIDs []string) ([]Attachment, error) {
	if len(docIDs) > MaxAttachmentsPerMsg {
		return nil, errs.New(errs.Invalid, "TOO_MANY_ATTACHMENTS", "At most 5 attachments per message.", "每条消息最多 5 个附件。").OnField("attachment_ids")
	}
	out := []Attachment{}
	seen := map[string]bool{}
	for _, id := range docIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		d, err := s.Documents.Get(ctx, ownerID, false, id)
		if err != nil {
			return nil, errs.As(err).OnField("attachment_ids")
		}
		if d.Kind != document.KindAttachment || !d.Accepted || d.PurgedAt != nil {
			return nil, errs.New(errs.Invalid, "ATTACHMENT_INVALID",
				"Attach screenshots uploaded as kind attachment (JPEG or PNG).",
				"请添加以 attachment 类型上传的截图（JPEG 或 PNG）。").OnField("attachment_ids")
		}
		out = append(out, Attachment{DocumentID: d.ID, Bytes: d.StoredBytes})
	}
	return out, nil
}

// Mine lists userID's tickets.
func (s *Service) Mine(ctx context.Context, userID string) ([]*Ticket, error) {
	return s.Store.TicketsOf(ctx, userID)
}

// Get returns a ticket as its owner sees it (internal notes left out).
// Errors: NotFound TICKET_NOT_FOUND (also for another user's ticket).
func (s *Service) Get(ctx context.Context, userID, id string) (*Ticket, error) {
	t, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.UserID != userID {
		return nil, ErrTicketNotFound
	}
	pub := t.Messages[:0:0]
	for _, m := range t.Messages {
		if !m.Internal {
			pub = append(pub, m)
		}
	}
	t.Messages = pub
	return t, nil
}

func (s *Service) load(ctx context.Context, id string) (*Ticket, error) {
	if id == "" || len(id) > 64 {
		return nil, ErrTicketNotFound
	}
	return s.Store.Ticket(ctx, id)
}

// Reply adds the owner's message. A resolved ticket, or a closed one within
// ReopenWithin, goes back to open. Errors: NotFound TICKET_NOT_FOUND;
// Conflict TICKET_CLOSED; Invalid as Open.
func (s *Service) Reply(ctx context.Context, userID, id, body string, attachmentIDs []string) (*Ticket, error) {
	t, err := s.Get(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	body, err = text("body", body, MaxBodyRunes)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := s.reopenable(t, now); err != nil {
		return nil, err
	}
	att, err := s.attachments(ctx, userID, attachmentIDs)
	if err != nil {
		return nil, err
	}
	m := &Message{ID: newID("tmsg"), TicketID: t.ID, AuthorID: userID, Body: body, Attachments: ids(att), CreatedAt: now}
	t.Status, t.UpdatedAt, t.ResolvedAt, t.ClosedAt = StatusOpen, now, nil, nil
	if err := s.Store.SaveTicket(ctx, t, m, att, false); err != nil {
		return nil, err
	}
	t.Messages = append(t.Messages, *m)
	return t, nil
}

func (s *Service) reopenable(t *Ticket, now time.Time) error {
	if t.Status == StatusClosed && t.ClosedAt != nil && now.Sub(*t.ClosedAt) > ReopenWithin {
		return errs.New(errs.Conflict, "TICKET_CLOSED", "This ticket was closed more than 30 days ago; please open a new one.",
			"该工单已关闭超过 30 天，请新建工单。")
	}
	return nil
}

// Reopen puts a resolved or closed ticket (closed within ReopenWithin)
// back to open. Errors: NotFound; Conflict TICKET_CLOSED, TICKET_NOT_RESOLVED.
func (s *Service) Reopen(ctx context.Context, userID, id string) (*Ticket, error) {
	t, err := s.Get(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if t.Status != StatusResolved && t.Status != StatusClosed {
		return nil, errs.New(errs.Conflict, "TICKET_NOT_RESOLVED", "This ticket is still open.", "该工单仍在处理中。")
	}
	now := s.now()
	if err := s.reopenable(t, now); err != nil {
		return nil, err
	}
	t.Status, t.UpdatedAt, t.ResolvedAt, t.ClosedAt = StatusOpen, now, nil, nil
	return t, s.Store.SaveTicket(ctx, t, nil, nil, false)
}

// Rate records the owner's satisfaction (1–5) with a resolved or closed
// ticket. Errors: Invalid RATING_INVALID; Conflict TICKET_NOT_RESOLVED.
func (s *Service) Rate(ctx context.Context, userID, id string, rating int) (*Ticket, error) {
	if rating < 1 || rating > 5 {
		return nil, errs.New(errs.Invalid, "RATING_INVALID", "Rate from 1 to 5.", "请打 1 到 5 分。").OnField("rating")
	}
	t, err := s.Get(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if t.Status != StatusResolved && t.Status != StatusClosed {
		return nil, errs.New(errs.Conflict, "TICKET_NOT_RESOLVED", "You can rate a ticket once it is resolved.", "工单解决后才能评价。")
	}
	t.Rating, t.UpdatedAt = rating, s.now()
	return t, s.Store.SaveTicket(ctx, t, nil, nil, false)
}

// Queue lists tickets for the console.
func (s *Service) Queue(ctx context.Context, f QueueFilter) ([]*Ticket, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, errs.New(errs.Invalid, "STATUS_INVALID", "Unknown status.", "未知状态。").OnField("status")
	}
	if f.Category != "" && !f.Category.Valid() {
		return nil, errs.New(errs.Invalid, "CATEGORY_INVALID", "Unknown category.", "未知类别。").OnField("category")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 200
	}
	return s.Store.Queue(ctx, f)
}

// AgentGet returns a ticket with every message (internal notes too).
func (s *Service) AgentGet(ctx context.Context, id string) (*Ticket, error) { return s.load(ctx, id) }

// AgentReply is an agent's answer.
type AgentReply struct {
	Body     string `json:"body"`
	CannedID string `json:"canned_id"` // a canned reply instead of (or before) body
	Lang     string `json:"lang"`      // the canned reply's language: "zh" or "en" (default zh)
	Internal bool   `json:"internal"`  // a note the customer never sees
	Resolve  bool   `json:"resolve"`   // resolve the ticket with this reply
}

// Reply adds an agent's message. A reply the customer sees sets the first
// response time, moves the ticket to waiting_on_customer (or resolved) and
// tells the customer in-app and, with a mailer, by e-mail. Errors:
// NotFound TICKET_NOT_FOUND, CANNED_REPLY_NOT_FOUND; Invalid as Open.
func (s *Service) AgentReply(ctx context.Context, agentID, id string, in AgentReply) (*Ticket, error) {
	t, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	body := in.Body
	if in.CannedID != "" {
		cs, err := s.Store.CannedReplies(ctx)
		if err != nil {
			return nil, err
		}
		found := false
		for _, c := range cs {
			if c.ID == in.CannedID {
				found = true
				cb := c.BodyZH
				if in.Lang == "en" {
					cb = c.BodyEN
				}
				body = strings.TrimSpace(cb + "\n\n" + body)
			}
		}
		if !found {
			return nil, errs.New(errs.NotFound, "CANNED_REPLY_NOT_FOUND", "No such canned reply.", "没有这个快捷回复。").OnField("canned_id")
		}
	}
	body, err = text("body", body, MaxBodyRunes)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := &Message{ID: newID("tmsg"), TicketID: t.ID, AuthorID: agentID, FromStaff: true, Internal: in.Internal, Body: body,
		Attachments: []string{}, CreatedAt: now}
	if !in.Internal {
		if t.FirstResponseAt == nil {
			t.FirstResponseAt = &now
		}
		t.Status, t.ClosedAt = StatusWaitingOnCustomer, nil
		if in.Resolve {
			t.Status, t.ResolvedAt = StatusResolved, &now
		}
		if t.AssigneeID == "" {
			t.AssigneeID = agentID
		}
	}
	t.UpdatedAt = now
	if err := s.Store.SaveTicket(ctx, t, m, nil, !in.Internal); err != nil {
		return nil, err
	}
	t.Messages = append(t.Messages, *m)
	if !in.Internal {
		s.mail(ctx, t)
	}
	return t, nil
}

// mail tells the owner of a reply by e-mail, in the background (a slow
// SMTP server never holds the agent's request). The mail names the ticket,
// not its content.
func (s *Service) mail(ctx context.Context, t *Ticket) {
	if s.Mail == nil || s.Users == nil {
		return
	}
	u, err := s.Users.UserByID(ctx, t.UserID)
	if err != nil || u.Email == "" {
		return
	}
	link := strings.TrimRight(s.PublicURL, "/") + "/support/tickets/" + t.ID
	subject := "客服回复了您的工单 / Support replied to your ticket"
	body := "客服已回复您的工单 " + t.ID + "，请登录查看：\r\n" + link + "\r\n\r\n" +
		"Support replied to your ticket " + t.ID + ". Log in to read it:\r\n" + link + "\r\n"
	to, log, done := u.Email, s.Log, s.mailed
	go func() {
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		err := s.Mail.SendMail(c, to, subject, body)
		if err != nil && log != nil {
			// The address is personal data: only the ticket is logged.
			log.Warn("support reply e-mail failed", "ticket", t.ID, "err", err)
		}
		if done != nil {
			done(err)
		}
	}()
}

// Assign gives a ticket to an agent ("" unassigns).
func (s *Service) Assign(ctx context.Context, id, agentID string) (*Ticket, error) {
	t, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	t.AssigneeID, t.UpdatedAt = agentID, s.now()
	return t, s.Store.SaveTicket(ctx, t, nil, nil, false)
}

// SetStatus moves a ticket (agents). Errors: Invalid STATUS_INVALID.
func (s *Service) SetStatus(ctx context.Context, id string, st Status) (*Ticket, error) {
	if !st.Valid() {
		return nil, errs.New(errs.Invalid, "STATUS_INVALID", "Unknown status.", "未知状态。").OnField("status")
	}
	t, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	t.Status, t.UpdatedAt = st, now
	switch st {
	case StatusResolved:
		t.ResolvedAt, t.ClosedAt = &now, nil
	case StatusClosed:
		t.ClosedAt = &now
		if t.ResolvedAt == nil {
			t.ResolvedAt = &now
		}
	default:
		t.ResolvedAt, t.ClosedAt = nil, nil
	}
	return t, s.Store.SaveTicket(ctx, t, nil, nil, false)
}

// GrantDocuments lets agentID see the linked case's identity documents
// (admins; the API audits it). Errors: NotFound; Conflict TICKET_NO_CASE.
func (s *Service) GrantDocuments(ctx context.Context, id, agentID string) (*Ticket, error) {
	t, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.CaseID == "" {
		return nil, errs.New(errs.Conflict, "TICKET_NO_CASE", "This ticket links no verification.", "该工单未关联认证。")
	}
	t.DocumentsGrant, t.UpdatedAt = agentID, s.now()
	return t, s.Store.SaveTicket(ctx, t, nil, nil, false)
}

// AutoClose closes tickets resolved more than AutoCloseAfter ago without
// a reply; it returns how many (the jobs run it periodically).
func (s *Service) AutoClose(ctx context.Context) (int, error) {
	now := s.now()
	return s.Store.CloseResolved(ctx, now.Add(-AutoCloseAfter), now)
}

// CannedReplies lists the canned replies.
func (s *Service) CannedReplies(ctx context.Context) ([]CannedReply, error) {
	return s.Store.CannedReplies(ctx)
}

// SaveCannedReply creates (empty ID) or replaces a canned reply (admins).
// Errors: Invalid FIELD_REQUIRED, FIELD_TOO_LONG.
func (s *Service) SaveCannedReply(ctx context.Context, c *CannedReply) error {
	var err error
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"title_en", &c.TitleEN, 100}, {"title_zh", &c.TitleZH, 100}, {"body_en", &c.BodyEN, MaxBodyRunes}, {"body_zh", &c.BodyZH, MaxBodyRunes}} {
		if *f.v, err = text(f.name, *f.v, f.max); err != nil {
			return err
		}
	}
	if c.ID == "" {
		c.ID = newID("canned")
	}
	c.UpdatedAt = s.now()
	return s.Store.SaveCannedReply(ctx, c)
}

// Times are a ticket's first-response and resolution times (nil: not yet).
type Times struct {
	FirstResponse *time.Duration
	Resolution    *time.Duration
}

// TimesOf returns t's first-response and resolution times.
func TimesOf(t *Ticket) Times {
	var out Times
	if t.FirstResponseAt != nil {
		d := t.FirstResponseAt.Sub(t.CreatedAt)
		out.FirstResponse = &d
	}
	if t.ResolvedAt != nil {
		d := t.ResolvedAt.Sub(t.CreatedAt)
		out.Resolution = &d
	}
	return out
}
