package review

import (
	"context"
	"time"
)

// Transaction is one wallet movement as a suspicious-activity report lists it.
type Transaction struct {
	ID           string    `json:"id"`
	At           time.Time `json:"at"`
	Kind         string    `json:"kind"`   // deposit, withdrawal, transfer…
	Amount       string    `json:"amount"` // decimal text
	Currency     string    `json:"currency"`
	Counterparty string    `json:"counterparty,omitempty"`
}

// Transactions lists a customer's wallet movements, newest first (wired
// by the wallet package).
type Transactions interface {
	Transactions(ctx context.Context, userID string, limit int) ([]Transaction, error)
}

// SAR is the draft of a suspicious-activity report (可疑交易报告): the
// customer's identity, the transactions and the reviewer's narrative.
type SAR struct {
	Kind         string            `json:"kind"` // "suspicious_activity_report_draft"
	CaseID       string            `json:"case_id"`
	CustomerID   string            `json:"customer_id"`
	Identity     map[string]string `json:"identity"`
	Risk         *Risk             `json:"risk,omitempty"`
	Transactions []Transaction     `json:"transactions"`
	Narrative    string            `json:"narrative"`
	PreparedBy   string            `json:"prepared_by"`
	PreparedAt   time.Time         `json:"prepared_at"`
}

// SARDraft drafts a report from a case. The identity is in clear (the
// report goes to the authority), so drafting is audited as a reveal
// first (fails closed). Errors: NotFound CASE_NOT_FOUND.
func (s *Service) SARDraft(ctx context.Context, reviewerID, caseID, narrative string) (*SAR, error) {
	c, err := s.Cases.Get(ctx, "", true, caseID)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, reviewerID, "case.sar.draft", c.ID, "identity revealed for a suspicious-activity report"); err != nil {
		return nil, err
	}
	a := c.Applicant
	rep := &SAR{Kind: "suspicious_activity_report_draft", CaseID: c.ID, CustomerID: c.UserID,
		Identity: map[string]string{"full_name": a.FullName, "id_type": a.IDType, "id_number": a.IDNumber, "nationality": a.Nationality,
			"birth_date": a.BirthDate, "phone": a.Phone, "address": a.Address, "occupation": a.Occupation},
		Transactions: []Transaction{}, Narrative: clip(narrative), PreparedBy: reviewerID, PreparedAt: s.now()}
	if rk, err := s.Store.RiskOf(ctx, c.UserID); err == nil {
		rep.Risk = rk
	}
	if s.Txns != nil {
		if rep.Transactions, err = s.Txns.Transactions(ctx, c.UserID, 500); err != nil {
			return nil, err
		}
	}
	return rep, nil
}
