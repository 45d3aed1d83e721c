package review

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/idrules"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// Risk levels.
const (
	RiskLow    = "low"
	RiskMedium = "medium"
	RiskHigh   = "high"
)

var riskRank = map[string]int{RiskLow: 0, RiskMedium: 1, RiskHigh: 2}

// RiskRules are the operator's customer-due-diligence rules (a JSON file,
// --risk-file; zero fields take the defaults).
type RiskRules struct {
	// HighRiskCountries are ISO 3166-1 alpha-3 codes: a nationality on
	// the list makes the customer high risk.
	HighRiskCountries []string `json:"high_risk_countries"`
	// EDDLevel is the level whose data a high-risk customer at a lower
	// level is asked for (default "enhanced").
	EDDLevel string `json:"edd_level"`
	// ReviewYears is the periodic review interval per risk level
	// (defaults: high 1, medium 2, low 5).
	ReviewYears map[string]int `json:"review_years"`
	// MinorRisk is the level a minor gets at least (default medium).
	MinorRisk string `json:"minor_risk"`
	// RetriesMedium: this many earlier corrections (retry_required) or
	// mismatches make a customer medium risk (default 2).
	RetriesMedium int `json:"retries_medium"`
	// LevelRisk is the least risk of a requested level (default enhanced: medium).
	LevelRisk map[string]string `json:"level_risk"`
}

// DefaultRiskRules are the rules with no file.
func DefaultRiskRules() RiskRules {
	return RiskRules{EDDLevel: "enhanced", ReviewYears: map[string]int{RiskHigh: 1, RiskMedium: 2, RiskLow: 5},
		MinorRisk: RiskMedium, RetriesMedium: 2, LevelRisk: map[string]string{"enhanced": RiskMedium}}
}

// LoadRiskRules reads a rules file over the defaults ("" : the defaults).
func LoadRiskRules(path string) (RiskRules, error) {
	r := DefaultRiskRules()
	if path == "" {
		return r, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return r, fmt.Errorf("risk file: %w", err)
	}
	var f RiskRules
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return r, fmt.Errorf("risk file %s: %w", path, err)
	}
	for _, c := range f.HighRiskCountries {
		r.HighRiskCountries = append(r.HighRiskCountries, strings.ToUpper(strings.TrimSpace(c)))
	}
	if f.EDDLevel != "" {
		r.EDDLevel = f.EDDLevel
	}
	for k, v := range f.ReviewYears {
		if _, ok := riskRank[k]; !ok || v <= 0 {
			return r, fmt.Errorf("risk file: review_years: %q must be low, medium or high with a positive number", k)
		}
		r.ReviewYears[k] = v
	}
	if f.MinorRisk != "" {
		if _, ok := riskRank[f.MinorRisk]; !ok {
			return r, fmt.Errorf("risk file: minor_risk %q", f.MinorRisk)
		}
		r.MinorRisk = f.MinorRisk
	}
	if f.RetriesMedium > 0 {
		r.RetriesMedium = f.RetriesMedium
	}
	for k, v := range f.LevelRisk {
		if _, ok := riskRank[v]; !ok {
			return r, fmt.Errorf("risk file: level_risk %q: %q", k, v)
		}
		r.LevelRisk[k] = v
	}
	return r, nil
}

// Risk is a customer's scored risk.
type Risk struct {
	UserID       string     `json:"user_id"`
	CaseID       string     `json:"case_id"`
	Level        string     `json:"level"`
	Reasons      []string   `json:"reasons"`
	NextReviewAt time.Time  `json:"next_review_at"`
	DueAt        *time.Time `json:"review_due_at,omitempty"` // raised by the daily job
	UpdatedAt    time.Time  `json:"updated_at"`
}

// RiskStore persists risk. SetRisk writes ev in the same transaction.
type RiskStore interface {
	SetRisk(ctx context.Context, r Risk, ev *audit.Event) error
	// RiskOf returns a customer's risk. Errors: NotFound RISK_NOT_SCORED.
	RiskOf(ctx context.Context, userID string) (*Risk, error)
	// DueReviews lists the raised periodic reviews, oldest first.
	DueReviews(ctx context.Context, now time.Time) ([]Risk, error)
	// RaiseDueReviews marks the reviews whose date is past as due and
	// returns them (each with ev's fields, audited).
	RaiseDueReviews(ctx context.Context, now time.Time) ([]Risk, error)
}

// RiskInput is what scoring looks at.
type RiskInput struct {
	Nationality   string
	Minor         bool
	Retries       int      // earlier corrections asked of the customer
	Reasons       []string // the machine's reason codes (mismatches, duplicates…)
	ScreeningHits int
	WalletAlerts  int
	Level         string
}

// Score applies the rules: the highest level any reason sets, with the
// reasons that set a level above low.
func (r RiskRules) Score(in RiskInput) (string, []string) {
	level, reasons := RiskLow, []string{}
	add := func(l, why string) {
		if riskRank[l] > riskRank[level] {
			level = l
		}
		if riskRank[l] > 0 {
			reasons = append(reasons, why)
		}
	}
	if in.ScreeningHits > 0 {
		add(RiskHigh, "SCREENING_HIT")
	}
	if n := strings.ToUpper(in.Nationality); n != "" && slices.Contains(r.HighRiskCountries, n) {
		add(RiskHigh, "HIGH_RISK_COUNTRY:"+n)
	}
	if in.WalletAlerts > 0 {
		add(RiskHigh, "WALLET_ALERT")
	}
	for _, c := range in.Reasons {
		if strings.HasPrefix(c, "DUPLICATE_") {
			add(RiskHigh, "DUPLICATE_SIGNAL:"+c)
		}
	}
	if in.Minor {
		add(r.MinorRisk, "MINOR")
	}
	mismatches := 0
	for _, c := range in.Reasons {
		if strings.HasSuffix(c, "_MISMATCH") {
			mismatches++
		}
	}
	if r.RetriesMedium > 0 && in.Retries+mismatches >= r.RetriesMedium {
		add(RiskMedium, "RETRY_HISTORY")
	}
	if l, ok := r.LevelRisk[in.Level]; ok {
		add(l, "LEVEL:"+in.Level)
	}
	return level, reasons
}

// ReviewEvery is the periodic review interval of a level.
func (r RiskRules) ReviewEvery(level string) (years int) {
	if y := r.ReviewYears[level]; y > 0 {
		return y
	}
	return 5
}

// CaseHistory is what risk scoring asks of a customer's earlier cases.
type CaseHistory interface {
	List(ctx context.Context, userID string) ([]*verification.Case, error)
}

// Scorer implements verification.RiskGate: it scores the case, records
// the customer's risk with its reasons and next periodic review (audited),
// and keeps a high-risk case from the machine's approval: below the EDD
// level it asks for the EDD data first (EDD_REQUIRED), then a reviewer
// decides (RISK_HIGH).
type Scorer struct {
	*Service
	History      CaseHistory
	Levels       *verification.Levels                                  // the EDD level's fields (nil: address, occupation, source of funds)
	Hits, Alerts func(ctx context.Context, userID string) (int, error) // screening hits, wallet alerts (nil: none)
}

// Route implements verification.RiskGate.
func (s *Scorer) Route(ctx context.Context, c *verification.Case, checks []verification.CheckResult, d verification.Decision) (verification.Decision, error) {
	in := RiskInput{Nationality: c.Applicant.Nationality, Reasons: d.Reasons, Level: string(c.Level)}
	if b, ok := verification.BirthDate(c.Applicant, s.now()); ok && b.AgeOn(idrules.DateOf(s.now().In(verification.China))) < idrules.MinorAge {
		in.Minor = true
	}
	if s.History != nil {
		if cs, err := s.History.List(ctx, c.UserID); err == nil {
			for _, o := range cs {
				if o.ID != c.ID && o.Decision != nil && o.Decision.Status == verification.StatusRetryRequired {
					in.Retries++
				}
			}
		}
	}
	var err error
	if s.Hits != nil {
		if in.ScreeningHits, err = s.Hits(ctx, c.UserID); err != nil {
			return d, err
		}
	}
	if s.Alerts != nil {
		if in.WalletAlerts, err = s.Alerts(ctx, c.UserID); err != nil {
			return d, err
		}
	}
	level, reasons := s.Risk.Score(in)
	if err := s.setRisk(ctx, c, level, reasons); err != nil {
		return d, err
	}
	if level != RiskHigh || d.Status != verification.StatusApproved {
		return d, nil
	}
	edd := s.Risk.EDDLevel
	if edd != "" && string(c.Level) != edd {
		if lacks := s.eddLacks(c); len(lacks) > 0 {
			return verification.RouteFindings(d, verification.StatusRetryRequired, lacks...), nil
		}
	}
	return verification.RouteDecision(d, verification.StatusManualReview, verification.CodeRiskHigh), nil
}

func (s *Service) setRisk(ctx context.Context, c *verification.Case, level string, reasons []string) error {
	now := s.now()
	r := Risk{UserID: c.UserID, CaseID: c.ID, Level: level, Reasons: reasons,
		NextReviewAt: now.AddDate(s.Risk.ReviewEvery(level), 0, 0), UpdatedAt: now}
	prev, err := s.Store.RiskOf(ctx, c.UserID)
	if err != nil && errs.KindOf(err) != errs.NotFound {
		return err
	}
	if prev != nil && prev.Level == level && slices.Equal(prev.Reasons, reasons) && prev.DueAt == nil {
		r.NextReviewAt = prev.NextReviewAt // unchanged: the review date stays
	}
	ev := &audit.Event{At: now, Actor: "system", Action: "risk.set", Subject: c.UserID,
		Detail: fmt.Sprintf("case %s: %s [%s] next review %s", c.ID, level, strings.Join(reasons, ","), r.NextReviewAt.Format(time.DateOnly))}
	if prev != nil {
		ev.Detail = "was " + prev.Level + "; " + ev.Detail
	}
	return s.Store.SetRisk(ctx, r, ev)
}

// RiskOf returns a customer's risk. Errors: NotFound RISK_NOT_SCORED.
func (s *Service) RiskOf(ctx context.Context, userID string) (*Risk, error) {
	return s.Store.RiskOf(ctx, userID)
}

// RaiseDueReviews is the daily job: it marks the periodic reviews whose
// date has come as due (they join the queue).
func (s *Service) RaiseDueReviews(ctx context.Context) (int, error) {
	rs, err := s.Store.RaiseDueReviews(ctx, s.now())
	return len(rs), err
}

// RunDaily raises due reviews at start and then every 24 hours until ctx ends.
func (s *Service) RunDaily(ctx context.Context, every time.Duration, log func(n int, err error)) {
	if every <= 0 {
		every = 24 * time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.RaiseDueReviews(ctx)
		if log != nil && (n > 0 || err != nil) && ctx.Err() == nil {
			log(n, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// eddLacks lists what the case lacks of the EDD level, as EDD_REQUIRED
// findings: each of its fields left empty, and each of its documents for
// the case's ID type that no attached document satisfies (the enhanced
// level's selfie). The wizard then opens those steps (the selfie slot
// included), Submit asks for them, and the pipeline runs the face checks on
// the selfie; a reviewer decides the high-risk case once they are given
// (RISK_HIGH).
func (s *Scorer) eddLacks(c *verification.Case) []verification.Finding {
	fields := []string{verification.FieldAddress, verification.FieldOccupation, verification.FieldSourceOfFunds}
	var docs []verification.DocumentRule
	if s.Levels != nil {
		if spec, ok := s.Levels.Level(verification.Level(s.Risk.EDDLevel)); ok {
			fields, docs = spec.Fields, spec.Documents[c.Applicant.IDType]
		}
	}
	var out []verification.Finding
	for _, f := range fields {
		if strings.TrimSpace(c.Applicant.Value(f)) == "" {
			out = append(out, verification.EDDFinding(f, ""))
		}
	}
	for _, r := range docs {
		if len(r.AnyOf) > 0 && !slices.ContainsFunc(r.AnyOf, func(k string) bool { return c.Documents[k] != "" }) {
			out = append(out, verification.EDDFinding("", r.AnyOf[0]))
		}
	}
	return out
}
