package verification

import (
	"slices"
	"testing"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

func pass(kind, doc string) CheckResult {
	return CheckResult{Kind: kind, Outcome: OutcomePass, Score: 1, Document: doc}
}

// goodChecks is what a clean pipeline run records for the given documents:
// each photo classified as its slot's kind, and the fields its slot needs
// read with confidence and matching (positive evidence).
func goodChecks(docs ...string) []CheckResult {
	cs := []CheckResult{pass(CheckDuplicateIdentity, ""), pass(CheckScreening, "")}
	for _, d := range docs {
		read := pass(CheckDocumentRead, d)
		switch d {
		case DocIDFront, DocIDBack, DocPassport, DocResidencePermit:
			read.Detail = map[string]string{"detected_kind": d}
		case DocResidencePermitBack:
			read.Detail = map[string]string{"detected_kind": DocIDBack}
		}
		cs = append(cs, pass(CheckDocumentQuality, d), read)
		switch d {
		case DocIDFront, DocPassport, DocResidencePermit:
			cs = append(cs, CheckResult{Kind: CheckCrossCheck, Outcome: OutcomePass, Score: 0.99, Field: FieldFullName, Document: d},
				CheckResult{Kind: CheckCrossCheck, Outcome: OutcomePass, Score: 0.99, Field: FieldIDNumber, Document: d})
		case DocIDBack, DocResidencePermitBack:
			cs = append(cs, CheckResult{Kind: CheckCrossCheck, Outcome: OutcomePass, Score: 0.99, Field: ReadValidUntil, Document: d})
		}
	}
	return cs
}

func TestDecide(t *testing.T) {
	with := func(cs []CheckResult, more ...CheckResult) []CheckResult { return append(slices.Clone(cs), more...) }
	without := func(cs []CheckResult, kind, doc string) []CheckResult {
		return slices.DeleteFunc(slices.Clone(cs), func(c CheckResult) bool { return c.Kind == kind && (doc == "" || c.Document == doc) })
	}
	mod := func(base Applicant, f func(*Applicant)) Applicant { f(&base); return base }
	card := goodChecks(DocIDFront, DocIDBack)
	fail := func(kind, doc, field string, reasons ...string) CheckResult {
		return CheckResult{Kind: kind, Outcome: OutcomeFail, Document: doc, Field: field, Reasons: reasons}
	}
	tests := []struct {
		name    string
		level   Level
		a       Applicant
		checks  []CheckResult
		status  Status
		reasons []string
		steps   []string
	}{
		{"basic approved", LevelBasic, adult(), goodChecks(), StatusApproved, []string{}, nil},
		{"standard approved", LevelStandard, adult(), card, StatusApproved, []string{}, nil},
		{"enhanced always reviewed", LevelEnhanced, mod(adult(), func(a *Applicant) {
			a.Address, a.Occupation, a.SourceOfFunds = "北京市东城区1号", "教师", "工资"
		}),
			with(card, pass(CheckScreening, ""), pass(CheckDocumentQuality, DocSelfie), pass(CheckFaceMatch, DocSelfie), pass(CheckLiveness, DocSelfie)),
			StatusManualReview, []string{CodeReviewPending}, nil},
		{"enhanced without a selfie", LevelEnhanced, mod(adult(), func(a *Applicant) {
			a.Address, a.Occupation, a.SourceOfFunds = "北京市东城区1号", "教师", "工资"
		}),
			with(card, pass(CheckScreening, "")), StatusRetryRequired, []string{CodeDocumentMissing}, []string{"documents:selfie"}},
		{"enhanced, face models missing", LevelEnhanced, mod(adult(), func(a *Applicant) {
			a.Address, a.Occupation, a.SourceOfFunds = "北京市东城区1号", "教师", "工资"
		}),
			with(card, pass(CheckDocumentQuality, DocSelfie), CheckResult{Kind: CheckFaceMatch, Document: DocSelfie, Outcome: OutcomeError, Reasons: []string{"FACE_UNAVAILABLE"}},
				CheckResult{Kind: CheckLiveness, Document: DocSelfie, Outcome: OutcomeError, Reasons: []string{"FACE_UNAVAILABLE"}}),
			StatusManualReview, []string{CodeEngineUnavailable}, nil},
		{"name mismatch: retry the applicant step only", LevelStandard, adult(),
			with(card, fail(CheckCrossCheck, DocIDFront, FieldFullName, CodeNameMismatch)),
			StatusRetryRequired, []string{CodeNameMismatch}, []string{StepApplicant}},
		{"blurry back: retry that document only", LevelStandard, adult(),
			with(without(card, CheckDocumentQuality, DocIDBack), fail(CheckDocumentQuality, DocIDBack, "", "IMAGE_BLURRY")),
			StatusRetryRequired, []string{"IMAGE_BLURRY"}, []string{"documents:id_back"}},
		{"missing back side", LevelStandard, adult(), without(without(without(card, CheckDocumentQuality, DocIDBack), CheckDocumentRead, DocIDBack), CheckCrossCheck, DocIDBack),
			StatusRetryRequired, []string{CodeDocumentSideMissing}, []string{"documents:id_back"}},
		{"no documents at all: retry, not our fault", LevelStandard, adult(), goodChecks(),
			StatusRetryRequired, []string{CodeDocumentMissing, CodeDocumentSideMissing}, []string{"documents:id_back", "documents:id_front"}},
		{"phone not confirmed", LevelBasic, mod(adult(), func(a *Applicant) { a.PhoneConfirmed = false }), goodChecks(),
			StatusRetryRequired, []string{CodePhoneNotConfirmed}, []string{StepPhone}},
		{"invalid id number found by the engine itself", LevelBasic, mod(adult(), func(a *Applicant) { a.IDNumber = breakCheck(adultID) }), goodChecks(),
			StatusRetryRequired, []string{CodeIDNumberInvalid}, []string{StepApplicant}},
		{"several failed steps", LevelStandard, mod(adult(), func(a *Applicant) { a.PhoneConfirmed = false }),
			with(card, fail(CheckCrossCheck, DocIDFront, FieldFullName, CodeNameMismatch), fail(CheckDocumentQuality, DocIDBack, "", "IMAGE_GLARE")),
			StatusRetryRequired, []string{CodePhoneNotConfirmed, CodeNameMismatch, "IMAGE_GLARE"}, []string{StepApplicant, "documents:id_back", StepPhone}},
		{"unreadable read: better photo", LevelStandard, adult(),
			with(card, CheckResult{Kind: CheckCrossCheck, Outcome: OutcomeUnreadable, Document: DocIDFront, Field: FieldFullName, Reasons: []string{CodeNameMismatch}}),
			StatusRetryRequired, []string{CodeDocumentUnreadable}, []string{"documents:id_front"}},
		{"unreadable with image reason keeps it", LevelStandard, adult(),
			with(card, CheckResult{Kind: CheckDocumentRead, Outcome: OutcomeUnreadable, Document: DocIDFront, Reasons: []string{"IMAGE_GLARE", "FIELD_UNREADABLE"}}),
			StatusRetryRequired, []string{"IMAGE_GLARE", CodeDocumentUnreadable}, []string{"documents:id_front"}},
		{"expired", LevelStandard, adult(), with(card, fail(CheckCrossCheck, DocIDBack, "valid_until", CodeDocumentExpired)),
			StatusRetryRequired, []string{CodeDocumentExpired}, []string{"documents:id_back"}},
		{"duplicate identity → reviewer", LevelStandard, adult(),
			with(without(card, CheckDuplicateIdentity, ""), fail(CheckDuplicateIdentity, "", FieldIDNumber, CodeDuplicateIdentity)),
			StatusManualReview, []string{CodeDuplicateIdentity}, nil},
		{"duplicate without reason code", LevelStandard, adult(),
			with(without(card, CheckDuplicateIdentity, ""), fail(CheckDuplicateIdentity, "", "")),
			StatusManualReview, []string{CodeDuplicateIdentity}, nil},
		{"sensitive beats retry", LevelStandard, adult(),
			with(card, fail(CheckCrossCheck, DocIDFront, FieldFullName, CodeNameMismatch), fail(CheckScreening, "", "", CodeSanctionsHit)),
			StatusManualReview, []string{CodeNameMismatch, CodeSanctionsHit}, nil},
		{"sensitive signal on a passed check", LevelStandard, adult(),
			with(card, CheckResult{Kind: CheckDocumentQuality, Outcome: OutcomePass, Document: DocIDFront, Reasons: []string{"DUPLICATE_IMAGE", "IMAGE_SCREEN_CAPTURE"}}),
			StatusManualReview, []string{"DUPLICATE_IMAGE"}, nil},
		{"non-sensitive warning on a passed check is ignored", LevelStandard, adult(),
			with(card, CheckResult{Kind: CheckDocumentQuality, Outcome: OutcomePass, Document: DocIDFront, Reasons: []string{"IMAGE_SCREEN_CAPTURE"}}),
			StatusApproved, []string{}, nil},
		{"PEP → reviewer", LevelStandard, adult(), with(card, CheckResult{Kind: CheckScreening, Outcome: OutcomeFail, Reasons: []string{CodePEPHit}}),
			StatusManualReview, []string{CodePEPHit}, nil},
		{"engine down: never the customer's fault", LevelStandard, adult(),
			with(without(card, CheckDocumentRead, DocIDFront), CheckResult{Kind: CheckDocumentRead, Outcome: OutcomeError, Document: DocIDFront, Reasons: []string{"OCR_UNAVAILABLE"}}),
			StatusManualReview, []string{CodeEngineUnavailable}, nil},
		{"error beats retry", LevelStandard, adult(),
			with(card, fail(CheckCrossCheck, DocIDFront, FieldFullName, CodeNameMismatch), CheckResult{Kind: CheckDocumentRead, Outcome: OutcomeError, Document: DocIDBack}),
			StatusManualReview, []string{CodeNameMismatch, CodeEngineUnavailable}, nil},
		{"error with a retry reason inside does not blame the customer", LevelStandard, adult(),
			with(card, CheckResult{Kind: CheckCrossCheck, Outcome: OutcomeError, Document: DocIDFront, Reasons: []string{CodeNameMismatch}}),
			StatusManualReview, []string{CodeEngineUnavailable}, nil},
		{"unknown outcome is ours", LevelStandard, adult(), with(card, CheckResult{Kind: CheckScreening, Outcome: "maybe"}),
			StatusManualReview, []string{CodeEngineUnavailable}, nil},
		{"required check missing", LevelStandard, adult(), without(card, CheckCrossCheck, ""),
			StatusManualReview, []string{CodeCheckMissing}, nil},
		{"skipped is not run", LevelBasic, adult(), []CheckResult{{Kind: CheckDuplicateIdentity, Outcome: OutcomeSkipped}},
			StatusManualReview, []string{CodeCheckMissing}, nil},
		{"failed without reason is ours", LevelStandard, adult(), with(card, fail(CheckDocumentRead, DocIDFront, "")),
			StatusManualReview, []string{CodeCheckUnexplained}, nil},
		{"unknown reason code is ours", LevelStandard, adult(), with(card, fail(CheckDocumentRead, DocIDFront, "", "WHO_KNOWS")),
			StatusManualReview, []string{CodeReasonUnknown}, nil},
		{"inconsistent document (forgery signal)", LevelStandard, adult(), with(card, fail(CheckDocumentRead, DocIDFront, "", "BIRTH_DATE_NOT_IN_ID")),
			StatusManualReview, []string{CodeDocumentInconsistent}, nil},
		{"below minimum age: rejected", LevelBasic, mod(minor(), func(a *Applicant) { a.IDNumber = childID }),
			with(goodChecks(), pass(CheckDocumentQuality, DocGuardianConsent), pass(CheckDocumentQuality, DocGuardianID)),
			StatusRejected, []string{CodeAgeBelowMinimum}, nil},
		{"final beats retry, only final reasons listed", LevelBasic, mod(minor(), func(a *Applicant) { a.IDNumber = childID; a.PhoneConfirmed = false }),
			with(goodChecks(), pass(CheckDocumentQuality, DocGuardianConsent), pass(CheckDocumentQuality, DocGuardianID)),
			StatusRejected, []string{CodeAgeBelowMinimum}, nil},
		{"minor without guardian documents", LevelBasic, minor(), goodChecks(),
			StatusRetryRequired, []string{CodeMinorGuardianRequired}, []string{"documents:guardian_consent", "documents:guardian_id"}},
		{"minor without guardian fields", LevelBasic, mod(minor(), func(a *Applicant) { a.GuardianName = ""; a.GuardianIDNumber = "" }),
			with(goodChecks(), pass(CheckDocumentQuality, DocGuardianConsent), pass(CheckDocumentQuality, DocGuardianID)),
			StatusRetryRequired, []string{CodeFieldRequired}, []string{StepApplicant}},
		{"minor complete → reviewer checks the consent", LevelBasic, minor(),
			with(goodChecks(), pass(CheckDocumentQuality, DocGuardianConsent), pass(CheckDocumentQuality, DocGuardianID)),
			StatusManualReview, []string{CodeReviewPending}, nil},
		{"foreigner without visa", LevelStandard, foreigner(), goodChecks(DocPassport),
			StatusRetryRequired, []string{CodeForeignerDocumentRequired}, []string{"documents:visa"}},
		{"foreigner with residence permit", LevelStandard, foreigner(), goodChecks(DocPassport, DocResidencePermit), StatusApproved, []string{}, nil},
		{"foreigner with visa: no reader, a person", LevelStandard, foreigner(), goodChecks(DocPassport, DocVisa),
			StatusManualReview, []string{CodeDocumentReviewRequired}, nil},
		{"skipped document check is no proof of upload", LevelStandard, foreigner(),
			with(goodChecks(DocPassport), CheckResult{Kind: CheckDocumentQuality, Outcome: OutcomeSkipped, Document: DocVisa}),
			StatusRetryRequired, []string{CodeForeignerDocumentRequired}, []string{"documents:visa"}},
		{"a reason that is not a check's finding is ours", LevelStandard, adult(), with(card, fail(CheckDocumentRead, DocIDFront, "", CodeAttemptsExceeded)),
			StatusManualReview, []string{CodeCheckUnexplained}, nil},
		{"unknown level", "platinum", adult(), card, StatusManualReview, []string{CodeLevelUnknown}, nil},
		{"empty applicant", LevelBasic, Applicant{}, nil,
			StatusRetryRequired, []string{CodeFieldRequired, CodePhoneNotConfirmed}, []string{StepApplicant, StepPhone}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.level, tc.a, tc.checks, at)
			if d.Status != tc.status || !slices.Equal(d.Reasons, tc.reasons) || !slices.Equal(d.RetrySteps, tc.steps) {
				t.Fatalf("got %s %v %v\nwant %s %v %v\nfindings %+v", d.Status, d.Reasons, d.RetrySteps, tc.status, tc.reasons, tc.steps, d.Findings)
			}
			if len(d.Findings) < len(d.Reasons) {
				t.Errorf("fewer findings than reasons: %+v", d)
			}
			if d.Status != StatusApproved && len(d.Reasons) == 0 {
				t.Error("a decision other than approved without a reason")
			}
			// The state machine accepts the decision.
			if _, err := Next(StatusProcessing, AutoDecision(d.Status)); err != nil {
				t.Errorf("decision %s is not a legal outcome: %v", d.Status, err)
			}
			// What the customer sees never names a sensitive reason.
			for _, p := range CustomerFindings(d.Findings, i18n.ZH) {
				if hidden(p.Code) {
					t.Errorf("customer sees %s", p.Code)
				}
			}
		})
	}
}

func TestDecideFindingsNameTheField(t *testing.T) {
	d := Decide(LevelStandard, adult(), append(goodChecks(DocIDFront, DocIDBack),
		CheckResult{Kind: CheckCrossCheck, Outcome: OutcomeFail, Document: DocIDFront, Field: FieldFullName, Reasons: []string{CodeNameMismatch}}), at)
	want := Finding{Code: CodeNameMismatch, Field: FieldFullName, Document: DocIDFront, Check: CheckCrossCheck, Step: StepApplicant}
	if len(d.Findings) != 1 || d.Findings[0] != want {
		t.Fatalf("findings = %+v, want [%+v]", d.Findings, want)
	}
	pub := CustomerFindings(d.Findings, i18n.EN)
	if len(pub) != 1 || pub[0].Field != FieldFullName || pub[0].Step != StepApplicant || pub[0].Code != CodeNameMismatch {
		t.Errorf("public = %+v", pub)
	}
	// Fixing only the name (the documents and their checks are kept) approves.
	fixed := Decide(LevelStandard, adult(), goodChecks(DocIDFront, DocIDBack), at)
	if fixed.Status != StatusApproved {
		t.Errorf("after fixing the name: %+v", fixed)
	}
}

func TestApplicantChecks(t *testing.T) {
	kinds := func(cs []CheckResult) map[string]CheckResult {
		m := map[string]CheckResult{}
		for _, c := range cs {
			m[c.Kind] = c
		}
		return m
	}
	ok := kinds(ApplicantChecks(LevelBasic, adult(), at))
	if len(ok) != 3 || ok[CheckIDNumber].Outcome != OutcomePass || ok[CheckPhone].Outcome != OutcomePass || ok[CheckAgePolicy].Detail["minor"] != "false" {
		t.Errorf("adult: %+v", ok)
	}
	a := minor()
	a.IDNumber = breakCheck(childID)
	a.PhoneConfirmed = false
	bad := kinds(ApplicantChecks(LevelBasic, a, at))
	if c := bad[CheckIDNumber]; c.Outcome != OutcomeFail || !slices.Equal(c.Reasons, []string{CodeIDNumberInvalid}) {
		t.Errorf("id_number: %+v", c)
	}
	if c := bad[CheckPhone]; c.Outcome != OutcomeFail || !slices.Equal(c.Reasons, []string{CodePhoneNotConfirmed}) {
		t.Errorf("phone: %+v", c)
	}
	child := minor()
	child.IDNumber = childID
	cc := kinds(ApplicantChecks(LevelBasic, child, at))
	if c := cc[CheckAgePolicy]; c.Outcome != OutcomeFail || !slices.Equal(c.Reasons, []string{CodeAgeBelowMinimum}) || c.Detail["minor"] != "true" {
		t.Errorf("age_policy: %+v", c)
	}
	if c := cc[CheckIDNumber]; c.Outcome != OutcomePass {
		t.Errorf("a child's valid number fails id_number: %+v", c)
	}
	// Passing them to Decide changes nothing.
	badType := adult()
	badType.IDType = "library_card"
	for _, ap := range []Applicant{adult(), a, child, badType} {
		base := Decide(LevelBasic, ap, goodChecks(), at)
		more := Decide(LevelBasic, ap, append(goodChecks(), ApplicantChecks(LevelBasic, ap, at)...), at)
		if base.Status != more.Status || !slices.Equal(base.Reasons, more.Reasons) || len(base.Findings) != len(more.Findings) {
			t.Errorf("ApplicantChecks changed the decision: %+v vs %+v", base, more)
		}
	}
}
