package review

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// DecisionInput is a reviewer's decision on a case.
type DecisionInput struct {
	ReviewerID, CaseID string
	Status             verification.Status
	Reasons            []string
	Note               string // internal
	Comment            string // shown to the customer
}

// Outcome is what a decision did: took effect (Case), or waits for a
// second reviewer (Waiting, with the Proposal).
type Outcome struct {
	Case     *verification.Case
	Waiting  bool
	Proposal *Proposal
}

// ErrWalletNotFrozen refuses an unfreeze of a wallet that is not frozen.
var ErrWalletNotFrozen = errs.New(errs.Conflict, "WALLET_NOT_FROZEN", "This wallet is not frozen.", "该钱包未被冻结。")

// ErrSameReviewer refuses the proposer's confirmation of their own proposal.
var ErrSameReviewer = errs.New(errs.Permission, "FOUR_EYES_SAME_REVIEWER",
	"You proposed this decision: a second reviewer must confirm it.", "此决定由您提出，须由另一位审核员确认。")

// needsSecond reports whether a decision needs a second reviewer: a FINAL
// rejection, or the approval of a high-risk customer.
func (s *Service) needsSecond(ctx context.Context, c *verification.Case, to verification.Status) bool {
	switch to {
	case verification.StatusRejected:
		return true
	case verification.StatusApproved:
		r, err := s.Store.RiskOf(ctx, c.UserID)
		return err == nil && r.Level == RiskHigh
	}
	return false
}

// Decide applies a reviewer's decision, or records it as a proposal when
// it needs a second reviewer (four eyes) and confirms a proposal made by
// another reviewer. Errors: Permission FOUR_EYES_SAME_REVIEWER,
// REVIEW_OWN_CASE; Conflict ITEM_CLAIMED, INVALID_TRANSITION; Invalid
// (reasons); NotFound CASE_NOT_FOUND.
func (s *Service) Decide(ctx context.Context, in DecisionInput) (*Outcome, error) {
	c, err := s.Cases.Get(ctx, "", true, in.CaseID)
	if err != nil {
		return nil, err
	}
	if err := s.claimedByOther(ctx, in.ReviewerID, c.ID); err != nil {
		return nil, err
	}
	in.Note = clip(in.Note)
	in.Comment = clip(in.Comment)
	p, err := s.Store.Proposal(ctx, c.ID)
	if err != nil && errs.KindOf(err) != errs.NotFound {
		return nil, err
	}
	if p != nil {
		if p.ProposerID == in.ReviewerID {
			return nil, ErrSameReviewer
		}
		if string(in.Status) == p.Status {
			// The second reviewer confirms: the proposal takes effect as proposed.
			note := p.Note
			if in.Note != "" {
				note = strings.TrimSpace(note + "\n" + in.Note)
			}
			dc, err := s.Cases.ReviewerDecideWith(ctx, verification.ReviewerInput{ReviewerID: p.ProposerID, Confirmer: in.ReviewerID,
				CaseID: c.ID, To: verification.Status(p.Status), Reasons: p.Reasons, Note: note, Comment: p.Comment})
			if err != nil {
				return nil, err
			}
			if err := s.Store.DropProposal(ctx, c.ID); err != nil {
				return nil, err
			}
			return &Outcome{Case: dc}, nil
		}
	}
	if c.UserID == in.ReviewerID {
		return nil, errs.New(errs.Permission, "REVIEW_OWN_CASE", "You cannot decide your own verification; another reviewer must.",
			"不能审核自己的认证，请由其他审核员处理。")
	}
	if s.needsSecond(ctx, c, in.Status) {
		if _, err := verification.Next(c.Status, verification.ReviewerDecision(in.Status)); err != nil {
			return nil, err
		}
		d, err := verification.ReviewerOutcome(in.Status, in.Reasons)
		if err != nil {
			return nil, err
		}
		np := Proposal{CaseID: c.ID, ProposerID: in.ReviewerID, Status: string(in.Status), Reasons: d.Reasons,
			Comment: in.Comment, Note: in.Note, CreatedAt: s.now()}
		ev := &audit.Event{At: np.CreatedAt, Actor: "user:" + in.ReviewerID + " (reviewer)", Action: "case.review.propose",
			Subject: c.ID, Detail: np.Status + " " + strings.Join(np.Reasons, ",")}
		if err := s.Store.Propose(ctx, np, ev); err != nil {
			return nil, err
		}
		return &Outcome{Waiting: true, Proposal: &np}, nil
	}
	dc, err := s.Cases.ReviewerDecideWith(ctx, verification.ReviewerInput{ReviewerID: in.ReviewerID, CaseID: c.ID, To: in.Status,
		Reasons: in.Reasons, Note: in.Note, Comment: in.Comment})
	if err != nil {
		return nil, err
	}
	if p != nil { // another reviewer decided differently: the proposal is void
		if err := s.Store.DropProposal(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	return &Outcome{Case: dc}, nil
}

func clip(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if len(s) <= 1000 {
		return s
	}
	n := 1000
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// WalletAction freezes a customer's wallet at once, or proposes an
// unfreeze that a second reviewer confirms (four eyes). Errors:
// Unavailable WALLET_UNAVAILABLE (no wallet wired), Invalid
// REASON_REQUIRED, WALLET_ACTION_INVALID, Permission FOUR_EYES_SAME_REVIEWER.
func (s *Service) WalletAction(ctx context.Context, reviewerID, userID, action, reason string) (*Outcome, error) {
	if action != "freeze" && action != "unfreeze" {
		return nil, errs.New(errs.Invalid, "WALLET_ACTION_INVALID", "The action is freeze or unfreeze.", "操作只能是 freeze 或 unfreeze。").OnField("action")
	}
	reason = clip(reason)
	if utf8.RuneCountInString(reason) < 3 {
		return nil, errs.New(errs.Invalid, "REASON_REQUIRED", "Give a reason.", "请填写原因。").OnField("reason")
	}
	if s.Freeze == nil {
		return nil, errs.New(errs.Unavailable, "WALLET_UNAVAILABLE", "There is no wallet to freeze here.", "此处没有可冻结的钱包。")
	}
	key := "wallet:" + userID
	switch action {
	case "freeze":
		if err := s.Freeze.Freeze(ctx, reviewerID, userID, reason); err != nil {
			return nil, err
		}
		// An unfreeze proposed before this freeze is not about it.
		if err := s.Store.DropProposal(ctx, key); err != nil && errs.KindOf(err) != errs.NotFound {
			return nil, err
		}
		return &Outcome{}, nil
	case "unfreeze":
		p, err := s.Store.Proposal(ctx, key)
		if err != nil && errs.KindOf(err) != errs.NotFound {
			return nil, err
		}
		// A proposal stands only for the freeze in place: proposed on a
		// wallet that is not frozen, it would let one person lift the
		// next freeze alone by "confirming" it.
		if s.Wallets != nil {
			st, err := s.Wallets.WalletState(ctx, userID)
			if err != nil {
				return nil, err
			}
			if !st.Frozen {
				if p != nil {
					if err := s.Store.DropProposal(ctx, key); err != nil && errs.KindOf(err) != errs.NotFound {
						return nil, err
					}
				}
				return nil, ErrWalletNotFrozen
			}
		}
		if p == nil {
			np := Proposal{CaseID: key, ProposerID: reviewerID, Status: "unfreeze", Reasons: []string{}, Note: reason, CreatedAt: s.now()}
			ev := &audit.Event{At: np.CreatedAt, Actor: "user:" + reviewerID + " (reviewer)", Action: "wallet.unfreeze.propose", Subject: userID}
			if err := s.Store.Propose(ctx, np, ev); err != nil {
				return nil, err
			}
			return &Outcome{Waiting: true, Proposal: &np}, nil
		}
		if p.ProposerID == reviewerID {
			return nil, ErrSameReviewer
		}
		if err := s.Freeze.Unfreeze(ctx, reviewerID, userID, p.Note+"; confirmed: "+reason); err != nil {
			return nil, err
		}
		return &Outcome{}, s.Store.DropProposal(ctx, key)
	}
	return nil, errs.New(errs.Invalid, "WALLET_ACTION_INVALID", "The action is freeze or unfreeze.", "操作只能是 freeze 或 unfreeze。").OnField("action")
}

// Revealable are the applicant fields a reviewer may reveal.
var Revealable = []string{"full_name", "id_number", "phone", "birth_date", "address", "guardian_name", "guardian_id_number"}

// Reveal returns one applicant field in clear, after recording who asked,
// for what purpose (required), in the audit trail (fails closed). Errors:
// Invalid FIELD_NOT_REVEALABLE, PURPOSE_REQUIRED; NotFound CASE_NOT_FOUND.
func (s *Service) Reveal(ctx context.Context, reviewerID, caseID, field, purpose string) (string, error) {
	if !slices.Contains(Revealable, field) {
		return "", errs.New(errs.Invalid, "FIELD_NOT_REVEALABLE", "This field cannot be revealed.", "此字段不能查看。").OnField("field")
	}
	purpose = clip(purpose)
	if utf8.RuneCountInString(purpose) < 4 {
		return "", errs.New(errs.Invalid, "PURPOSE_REQUIRED", "Say why you need to see this field (at least 4 characters).",
			"请说明查看此字段的目的（至少 4 个字符）。").OnField("purpose")
	}
	c, err := s.Cases.Get(ctx, "", true, caseID)
	if err != nil {
		return "", err
	}
	if err := s.audit(ctx, reviewerID, "case.reveal", c.ID, field+": "+purpose); err != nil {
		return "", err
	}
	_ = s.Store.TouchClaim(ctx, KindManualReview+":"+c.ID, reviewerID, s.now())
	a := c.Applicant
	return map[string]string{"full_name": a.FullName, "id_number": a.IDNumber, "phone": a.Phone, "birth_date": a.BirthDate,
		"address": a.Address, "guardian_name": a.GuardianName, "guardian_id_number": a.GuardianIDNumber}[field], nil
}

// Mask hides most of a value: the first character (and, for numbers, the
// last two) stay, the rest become *.
func Mask(field, v string) string {
	r := []rune(v)
	if len(r) == 0 {
		return ""
	}
	keepHead, keepTail := 1, 0
	switch field {
	case "id_number", "guardian_id_number", "phone":
		keepHead, keepTail = 3, 2
	case "birth_date":
		keepHead = 4
	}
	if len(r) <= keepHead+keepTail {
		keepHead, keepTail = min(1, len(r)-1), 0
	}
	out := []rune(string(r[:keepHead]))
	for range len(r) - keepHead - keepTail {
		out = append(out, '*')
	}
	return string(append(out, r[len(r)-keepTail:]...))
}

// MaskApplicant is the applicant as reviewers first see it.
func MaskApplicant(a verification.Applicant) verification.Applicant {
	a.FullName = Mask("full_name", a.FullName)
	a.IDNumber = Mask("id_number", a.IDNumber)
	a.Phone = Mask("phone", a.Phone)
	a.BirthDate = Mask("birth_date", a.BirthDate)
	a.Address = Mask("address", a.Address)
	a.GuardianName = Mask("guardian_name", a.GuardianName)
	a.GuardianIDNumber = Mask("guardian_id_number", a.GuardianIDNumber)
	return a
}

// WalletFrozen forgets an unfreeze proposed before a freeze made elsewhere
// (the admin API, a confirmed screening hit): a proposal stands only for
// the freeze in place when it was made.
func (s *Service) WalletFrozen(ctx context.Context, userID string) error {
	if err := s.Store.DropProposal(ctx, "wallet:"+userID); err != nil && errs.KindOf(err) != errs.NotFound {
		return err
	}
	return nil
}
