package verification

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

type fakeScreener struct {
	res ScreeningResult
	err error
	got ScreeningSubject
}

func (f *fakeScreener) Screen(ctx context.Context, s ScreeningSubject) (ScreeningResult, error) {
	f.got = s
	return f.res, f.err
}

// TestScreeningCheck: every built-in level requires screening; without
// lists it is skipped as not configured and the case is still decided; a
// sanctions or PEP hit sends it to a reviewer (the customer sees only that
// it is being reviewed); a screening error is ours.
func TestScreeningCheck(t *testing.T) {
	for _, l := range DefaultLevels().Levels {
		if !slices.Contains(l.Checks, CheckScreening) {
			t.Errorf("level %s does not screen", l.Name)
		}
	}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, China)
	c := &Case{ID: "case_1", UserID: "usr_1", Level: LevelBasic, Applicant: adult()}
	base := []CheckResult{pass(CheckDuplicateIdentity, "")}
	for _, tc := range []struct {
		name     string
		s        Screener
		status   Status
		reasons  []string
		customer []string
	}{
		{"no screener", nil, StatusApproved, []string{}, nil},
		{"no list imported", &fakeScreener{res: ScreeningResult{Configured: false}}, StatusApproved, []string{}, nil},
		{"clean", &fakeScreener{res: ScreeningResult{Configured: true}}, StatusApproved, []string{}, nil},
		{"sanctions hit", &fakeScreener{res: ScreeningResult{Configured: true, Hits: []ScreeningHit{{ID: "hit_1", Category: "sanctions", Score: 0.93}}}},
			StatusManualReview, []string{CodeSanctionsHit}, []string{CodeUnderReview}},
		{"pep hit", &fakeScreener{res: ScreeningResult{Configured: true, Hits: []ScreeningHit{{ID: "hit_2", Category: "pep", Score: 0.9}}}},
			StatusManualReview, []string{CodePEPHit}, []string{CodeUnderReview}},
		{"screening down", &fakeScreener{err: errors.New("db down")}, StatusManualReview, []string{CodeEngineUnavailable}, nil},
	} {
		s := &Service{Screener: tc.s}
		chk := s.screeningCheck(context.Background(), c, at)
		d := Decide(LevelBasic, c.Applicant, append(slices.Clone(base), chk), at)
		if d.Status != tc.status || !slices.Equal(d.Reasons, tc.reasons) {
			t.Errorf("%s: %s %v, want %s %v (check %+v)", tc.name, d.Status, d.Reasons, tc.status, tc.reasons, chk)
		}
		if tc.customer != nil {
			var got []string
			for _, r := range CustomerView(d.Reasons, i18n.EN) {
				got = append(got, r.Code)
			}
			if !slices.Equal(got, tc.customer) {
				t.Errorf("%s: customer sees %v", tc.name, got)
			}
		}
		if f, ok := tc.s.(*fakeScreener); ok && f.err == nil && (f.got.Name == "" || f.got.BirthDate == "" || f.got.CaseID != "case_1") {
			t.Errorf("%s: subject %+v", tc.name, f.got)
		}
	}
	// A required screening check that never ran is ours.
	d := Decide(LevelBasic, c.Applicant, base, at)
	if d.Status != StatusManualReview || !slices.Contains(d.Reasons, CodeCheckMissing) {
		t.Errorf("missing screening: %+v", d)
	}
}
