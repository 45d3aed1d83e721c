// Package support holds support tickets (a conversation between a customer
// and the support team, with screenshots), canned replies and the help
// centre built from the verification reason registry. It declares the
// Store it needs; internal/sqlstore implements it.
package support

import (
	"context"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Category is what a ticket is about.
type Category string

// The categories.
const (
	CategoryVerification Category = "verification"
	CategoryWallet       Category = "wallet"
	CategoryAccount      Category = "account"
	CategoryOther        Category = "other"
)

// Categories lists every category.
var Categories = []Category{CategoryVerification, CategoryWallet, CategoryAccount, CategoryOther}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, v := range Categories {
		if c == v {
			return true
		}
	}
	return false
}

// Status is where a ticket stands.
type Status string

// The statuses.
const (
	StatusOpen              Status = "open"                // the team's turn
	StatusWaitingOnCustomer Status = "waiting_on_customer" // the customer's turn
	StatusResolved          Status = "resolved"            // closed after AutoCloseAfter without a reply
	StatusClosed            Status = "closed"              // reopenable within ReopenWithin
)

// Statuses lists every status.
var Statuses = []Status{StatusOpen, StatusWaitingOnCustomer, StatusResolved, StatusClosed}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Limits of tickets.
const (
	AutoCloseAfter       = 7 * 24 * time.Hour  // resolved → closed without a reply
	ReopenWithin         = 30 * 24 * time.Hour // a closed ticket can be reopened this long
	MaxAttachmentsPerMsg = 5
	MaxTicketBytes       = 20 << 20 // attachments' stored bytes per ticket
	MaxSubjectRunes      = 200
	MaxBodyRunes         = 5000
)

// Ticket is one support request.
type Ticket struct {
	ID            string   `json:"id"`
	UserID        string   `json:"user_id"`
	Category      Category `json:"category"`
	Subject       string   `json:"subject"`
	Status        Status   `json:"status"`
	CaseID        string   `json:"verification_id,omitempty"`
	TransactionID string   `json:"transaction_id,omitempty"`
	// Reasons are the linked case's customer-visible reason codes when the
	// ticket was opened (never a sensitive one).
	Reasons    []string `json:"reasons"`
	AssigneeID string   `json:"assignee_id,omitempty"`
	// DocumentsGrant is the agent an admin allowed to see the linked
	// case's identity documents ("" none).
	DocumentsGrant  string     `json:"-"`
	Rating          int        `json:"rating,omitempty"` // 1–5, 0 none
	AttachmentBytes int64      `json:"-"`
	Version         int        `json:"-"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	FirstResponseAt *time.Time `json:"first_response_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	ClosedAt        *time.Time `json:"closed_at"`
	Messages        []Message  `json:"messages,omitempty"`
}

// Message is one entry of a ticket's conversation.
type Message struct {
	ID          string    `json:"id"`
	TicketID    string    `json:"-"`
	AuthorID    string    `json:"-"`
	FromStaff   bool      `json:"from_staff"`
	Internal    bool      `json:"internal,omitempty"` // an agents' note the customer never sees
	Body        string    `json:"body"`
	Attachments []string  `json:"attachment_ids"`
	CreatedAt   time.Time `json:"created_at"`
}

// CannedReply is a ready answer agents pick, in both languages.
type CannedReply struct {
	ID        string    `json:"id"`
	TitleEN   string    `json:"title_en"`
	TitleZH   string    `json:"title_zh"`
	BodyEN    string    `json:"body_en"`
	BodyZH    string    `json:"body_zh"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Attachment is a document attached to a ticket message.
type Attachment struct {
	DocumentID string
	Bytes      int64
}

// QueueFilter selects tickets for the console.
type QueueFilter struct {
	Status     Status
	Category   Category
	OlderThan  time.Time // created before (zero: any)
	AssigneeID string
	Limit      int
}

// Change is what a store write does to a ticket beside adding a message.
type Change struct {
	// Notify, when set, adds an in-app message for the ticket's owner.
	Notify bool
}

// Store persists tickets.
type Store interface {
	// CreateTicket inserts a ticket, its first message and attachments in
	// one transaction. Errors: Conflict ATTACHMENT_IN_USE,
	// TICKET_ATTACHMENTS_QUOTA.
	CreateTicket(ctx context.Context, t *Ticket, m *Message, att []Attachment) error
	// Ticket returns a ticket with its messages (internal notes
	// included). Errors: NotFound TICKET_NOT_FOUND.
	Ticket(ctx context.Context, id string) (*Ticket, error)
	// TicketsOf lists a user's tickets, newest first (no messages).
	TicketsOf(ctx context.Context, userID string) ([]*Ticket, error)
	// Queue lists tickets for the console, oldest first.
	Queue(ctx context.Context, f QueueFilter) ([]*Ticket, error)
	// SaveTicket writes t's status, assignee, grant, rating and times if
	// its version is still t.Version (then bumps it), and adds m (if not
	// nil) with its attachments and, with notify, an in-app message for
	// the owner, all in one transaction. Errors: Conflict TICKET_CHANGED,
	// ATTACHMENT_IN_USE, TICKET_ATTACHMENTS_QUOTA.
	SaveTicket(ctx context.Context, t *Ticket, m *Message, att []Attachment, notify bool) error
	// CloseResolved closes tickets resolved before t; it returns how many.
	CloseResolved(ctx context.Context, before, at time.Time) (int, error)
	// CannedReplies lists the canned replies.
	CannedReplies(ctx context.Context) ([]CannedReply, error)
	// SaveCannedReply inserts or replaces a canned reply.
	SaveCannedReply(ctx context.Context, c *CannedReply) error
}

// Errors.
var (
	ErrTicketNotFound = errs.New(errs.NotFound, "TICKET_NOT_FOUND", "No such support ticket.", "没有这个客服工单。")
	ErrTicketChanged  = errs.New(errs.Conflict, "TICKET_CHANGED", "The ticket changed meanwhile; reload it and try again.", "工单已被更新，请刷新后重试。")
	ErrAttachmentUsed = errs.New(errs.Conflict, "ATTACHMENT_IN_USE", "This attachment is already on a ticket.", "该附件已添加到其他工单。").OnField("attachment_ids")
	ErrTicketQuota    = errs.New(errs.Conflict, "TICKET_ATTACHMENTS_QUOTA", "A ticket can hold at most 20 MB of attachments.", "每个工单的附件总计不能超过 20 MB。").OnField("attachment_ids")
	ErrNotAgent       = errs.New(errs.Permission, "NOT_SUPPORT_AGENT", "Only the support team can do this.", "只有客服人员可以进行此操作。")
	ErrNotAdmin       = errs.New(errs.Permission, "NOT_ADMIN", "Only an administrator can do this.", "只有管理员可以进行此操作。")
)
