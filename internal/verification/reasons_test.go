package verification

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/idrules"
)

func TestRegistryEntries(t *testing.T) {
	required := []string{"ID_NUMBER_INVALID", "NAME_MISMATCH", "ID_NUMBER_MISMATCH", "BIRTH_DATE_MISMATCH",
		"SEX_MISMATCH", "DOCUMENT_EXPIRED", "DOCUMENT_SIDE_MISSING", "DOCUMENT_UNREADABLE",
		"IMAGE_TOO_SMALL", "IMAGE_BLURRY", "IMAGE_TOO_DARK", "IMAGE_OVEREXPOSED", "IMAGE_GLARE", "IMAGE_CUT_OFF",
		"NO_FACE_ON_DOCUMENT", "DUPLICATE_IMAGE", "MINOR_GUARDIAN_REQUIRED", "FOREIGNER_DOCUMENT_REQUIRED",
		"DUPLICATE_IDENTITY", "ATTEMPTS_EXCEEDED", "PHONE_NOT_CONFIRMED", "SANCTIONS_HIT", "PEP_HIT",
		"REVIEW_PENDING", "UNDER_REVIEW", "ENGINE_UNAVAILABLE", "DOCUMENT_WRONG_KIND", "DOCUMENT_REVIEW_REQUIRED"}
	for _, c := range required {
		if _, ok := Lookup(c); !ok {
			t.Errorf("%s is not registered", c)
		}
	}
	for _, c := range document.Codes() {
		r, ok := Lookup(c)
		dr, _ := document.ReasonFor(c)
		if !ok || r.Sensitive != dr.Sensitive {
			t.Errorf("document code %s: registered %v, sensitive %v (document says %v)", c, ok, r.Sensitive, dr.Sensitive)
		}
		if !dr.Sensitive && (r.Message != dr.Message || r.Step != StepDocuments || r.Disposition != Retry) {
			t.Errorf("document code %s: not the gate's message, or not a document retry: %+v", c, r)
		}
	}
	sensitive := map[string]bool{"DUPLICATE_IDENTITY": true, "SANCTIONS_HIT": true, "PEP_HIT": true, "DUPLICATE_IMAGE": true,
		"ENGINE_UNAVAILABLE": true, "FRAUD_SUSPECTED": true, "DOCUMENT_INCONSISTENT": true}
	all := Registry()
	if !slices.IsSortedFunc(all, func(a, b ReasonInfo) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("Registry is not sorted")
	}
	for _, r := range all {
		if r.Code == "" || r.Message.EN == "" || r.Message.ZH == "" || r.Hint.EN == "" || r.Hint.ZH == "" || r.Internal == "" {
			t.Errorf("%s: incomplete entry %+v", r.Code, r)
		}
		switch r.Disposition {
		case Retry, Final, Review:
		default:
			t.Errorf("%s: disposition %q", r.Code, r.Disposition)
		}
		if sensitive[r.Code] && !r.Sensitive {
			t.Errorf("%s must be sensitive", r.Code)
		}
		if r.OurFault && !r.Sensitive {
			t.Errorf("%s is our fault but would be shown to the customer", r.Code)
		}
		if r.Sensitive && (r.Message != neutralMsg || r.Hint != neutralHint) && r.Code != document.CodeDuplicate {
			t.Errorf("%s is sensitive but its customer message is not the neutral one", r.Code)
		}
		if r.Disposition == Retry && r.Step == "" && r.Code != CodeAttemptsExceeded {
			t.Errorf("%s is RETRY without a step to redo", r.Code)
		}
		if r.Disposition != Retry && r.Step != "" {
			t.Errorf("%s is %s with a step", r.Code, r.Disposition)
		}
		if !strings.HasSuffix(r.Message.EN, ".") || !strings.HasSuffix(r.Message.ZH, "。") {
			t.Errorf("%s: messages should be full sentences: %q / %q", r.Code, r.Message.EN, r.Message.ZH)
		}
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"NAME_MISMATCH":               CodeNameMismatch,
		idrules.CodeIDCheckCharacter:  CodeIDNumberInvalid,
		idrules.CodeIDTypeMismatch:    CodeIDNumberInvalid,
		idrules.CodeHMTAddressCode:    CodeIDNumberInvalid,
		idrules.CodeNameCharacter:     CodeNameInvalid,
		idrules.CodeNameMissing:       CodeNameMismatch,
		idrules.CodeNameOrder:         CodeNameMismatch,
		idrules.CodePhoneNotMobile:    CodePhoneInvalid,
		idrules.CodeMRZCheckBirthDate: CodeDocumentUnreadable,
		idrules.CodeMRZExpired:        CodeDocumentExpired,
		idrules.CodeMRZSpecimen:       CodeFraudSuspected,
		"FIELD_UNREADABLE":            CodeDocumentUnreadable,
		"MRZ_UNREADABLE":              CodeDocumentUnreadable,
		"ID_NUMBER_CHECKSUM":          CodeDocumentUnreadable,
		"BIRTH_DATE_NOT_IN_ID":        CodeDocumentInconsistent,
		"OCR_UNAVAILABLE":             CodeEngineUnavailable,
		"IMAGE_BLURRY":                "IMAGE_BLURRY",
		"":                            CodeReasonUnknown,
		"MADE_UP":                     CodeReasonUnknown,
	} {
		if got := Canonical(in); got != want {
			t.Errorf("Canonical(%q) = %s, want %s", in, got, want)
		}
	}
	for _, ri := range idrules.Reasons() {
		if c := Canonical(ri.Code); c == CodeReasonUnknown {
			t.Errorf("idrules code %s has no registry code", ri.Code)
		}
	}
	if _, ok := Lookup("MADE_UP"); ok {
		t.Error("Lookup of an unknown code is ok")
	}
	if r, ok := Lookup(CodeReasonUnknown); !ok || r.Code != CodeReasonUnknown {
		t.Error("REASON_UNKNOWN itself is registered")
	}
}

func TestCustomerView(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"nothing", nil, []string{}},
		{"retry reasons kept in order", []string{"NAME_MISMATCH", "IMAGE_BLURRY"}, []string{"NAME_MISMATCH", "IMAGE_BLURRY"}},
		{"duplicates removed", []string{"NAME_MISMATCH", "NAME_MISMATCH"}, []string{"NAME_MISMATCH"}},
		{"sensitive replaced", []string{"DUPLICATE_IDENTITY"}, []string{"UNDER_REVIEW"}},
		{"several sensitive, one neutral", []string{"SANCTIONS_HIT", "PEP_HIT", "DUPLICATE_IMAGE", "ENGINE_UNAVAILABLE"}, []string{"UNDER_REVIEW"}},
		{"mixed keeps position of first", []string{"NAME_MISMATCH", "SANCTIONS_HIT", "IMAGE_GLARE", "DUPLICATE_IDENTITY"}, []string{"NAME_MISMATCH", "UNDER_REVIEW", "IMAGE_GLARE"}},
		{"review pending alone", []string{"REVIEW_PENDING"}, []string{"REVIEW_PENDING"}},
		{"review pending folds into under review", []string{"REVIEW_PENDING", "SANCTIONS_HIT"}, []string{"UNDER_REVIEW"}},
		{"unknown code hidden", []string{"SECRET_INTERNAL_THING"}, []string{"UNDER_REVIEW"}},
		{"aliases shown as registry codes", []string{"ID_CHECK_CHARACTER", "MRZ_CHECK_BIRTH_DATE"}, []string{"ID_NUMBER_INVALID", "DOCUMENT_UNREADABLE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, lang := range []i18n.Lang{i18n.EN, i18n.ZH} {
				got := CustomerView(tc.in, lang)
				var codes []string
				for _, p := range got {
					codes = append(codes, p.Code)
					if p.Message == "" || p.Hint == "" {
						t.Errorf("%s: empty message or hint", p.Code)
					}
				}
				if codes == nil {
					codes = []string{}
				}
				if !slices.Equal(codes, tc.want) {
					t.Errorf("%s: got %v, want %v", lang, codes, tc.want)
				}
			}
		})
	}
	zh := CustomerView([]string{"NAME_MISMATCH"}, i18n.ZH)[0]
	if zh.Message != registry[CodeNameMismatch].Message.ZH || zh.Field != "full_name" || zh.Step != StepApplicant || zh.Disposition != Retry {
		t.Errorf("zh view = %+v", zh)
	}
	doc := CustomerFindings([]Finding{{Code: "IMAGE_BLURRY", Document: DocIDBack, Check: CheckDocumentQuality}}, i18n.EN)[0]
	if doc.Step != "documents:id_back" || doc.Document != DocIDBack {
		t.Errorf("document finding view = %+v", doc)
	}
	hid := CustomerFindings([]Finding{{Code: CodeDuplicateIdentity, Field: "id_number", Document: DocIDFront, Step: "x"}}, i18n.EN)[0]
	if hid.Field != "" || hid.Document != "" || hid.Step != "" {
		t.Errorf("a hidden finding leaks what it concerns: %+v", hid)
	}
}

// TestCustomerViewNeverLeaks feeds every registered and alias code, plus
// unknown ones, in random combinations, and checks that no sensitive code
// and nothing from a sensitive entry's internal text ever appears.
func TestCustomerViewNeverLeaks(t *testing.T) {
	var pool []string
	for c := range registry {
		pool = append(pool, c)
	}
	for c := range aliases {
		pool = append(pool, c)
	}
	pool = append(pool, "", "BOGUS", "duplicate_identity", " SANCTIONS_HIT")
	var secret []string
	for c, r := range registry {
		if r.Sensitive {
			secret = append(secret, c)
		}
	}
	if len(secret) < 7 {
		t.Fatalf("only %d sensitive codes", len(secret))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(in []string) {
		for _, lang := range []i18n.Lang{i18n.EN, i18n.ZH} {
			out := CustomerView(in, lang)
			neutral := 0
			for _, p := range out {
				if hidden(p.Code) || Canonical(p.Code) != p.Code {
					t.Fatalf("CustomerView(%v) shows %s", in, p.Code)
				}
				if p.Code == CodeUnderReview || p.Code == CodeReviewPending {
					neutral++
				}
				for _, s := range secret {
					if strings.Contains(p.Message+p.Hint+p.Field+p.Step+p.Document, s) {
						t.Fatalf("CustomerView(%v) mentions %s", in, s)
					}
				}
			}
			if neutral > 1 {
				t.Fatalf("CustomerView(%v) has %d neutral reasons", in, neutral)
			}
		}
	}
	for _, c := range pool {
		check([]string{c})
	}
	for i := 0; i < 3000; i++ {
		n := 1 + rng.IntN(8)
		in := make([]string, n)
		for j := range in {
			in[j] = pool[rng.IntN(len(pool))]
		}
		check(in)
	}
}

func TestCustomerReasons(t *testing.T) {
	name := Finding{Code: CodeNameMismatch, Field: FieldFullName, Step: StepApplicant}
	dup := Finding{Code: CodeDuplicateIdentity, Field: FieldIDNumber}
	age := Finding{Code: CodeAgeBelowMinimum, Field: FieldIDNumber}
	pend := Finding{Code: CodeReviewPending}
	tests := []struct {
		status Status
		fs     []Finding
		want   []string
	}{
		{StatusApproved, []Finding{name}, []string{}},
		{StatusDraft, nil, []string{}},
		{StatusRetryRequired, []Finding{name, dup}, []string{CodeNameMismatch}},
		{StatusManualReview, []Finding{name, dup}, []string{CodeUnderReview}},
		{StatusManualReview, []Finding{pend}, []string{CodeReviewPending}},
		{StatusManualReview, []Finding{pend, {Code: CodeEngineUnavailable}}, []string{CodeUnderReview}},
		{StatusOnHold, nil, []string{CodeUnderReview}},
		{StatusProcessing, nil, []string{CodeChecking}},
		{StatusSubmitted, []Finding{name}, []string{CodeChecking}},
		{StatusRejected, []Finding{age}, []string{CodeAgeBelowMinimum}},
		{StatusRejected, []Finding{{Code: CodeSanctionsHit}}, []string{CodeReviewerRejected}},
		{StatusRejected, []Finding{age, dup}, []string{CodeAgeBelowMinimum, CodeReviewerRejected}},
		{StatusRejected, nil, []string{CodeReviewerRejected}},
	}
	for _, tc := range tests {
		var got []string
		for _, p := range CustomerReasons(tc.status, tc.fs, i18n.ZH) {
			got = append(got, p.Code)
			if hidden(p.Code) {
				t.Errorf("%s: shows %s", tc.status, p.Code)
			}
		}
		if got == nil {
			got = []string{}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %v: got %v, want %v", tc.status, tc.fs, got, tc.want)
		}
	}
	// Random findings in every status never show a hidden code.
	rng := rand.New(rand.NewPCG(3, 4))
	var pool []string
	for c := range registry {
		pool = append(pool, c)
	}
	pool = append(pool, "BOGUS")
	for i := 0; i < 2000; i++ {
		fs := make([]Finding, rng.IntN(6))
		for j := range fs {
			fs[j] = Finding{Code: pool[rng.IntN(len(pool))], Field: FieldIDNumber, Document: DocIDFront}
		}
		for _, s := range append(slices.Clone(Statuses), "weird") {
			for _, p := range CustomerReasons(s, fs, i18n.EN) {
				if hidden(p.Code) {
					t.Fatalf("%s %v shows %s", s, fs, p.Code)
				}
			}
		}
	}
}

// TestReasonTextsAsCustomersReadThem holds what a walk-through of the
// wizard found: the case number is "认证编号" on the status screen, so no
// reason may call it "案件编号"; and the wrong-kind hint, shown under a
// message that names the document needed, must not name a side of its own
// (it said "for example the back, not the front" under an ID-front slot).
func TestReasonTextsAsCustomersReadThem(t *testing.T) {
	for _, r := range Registry() {
		if strings.Contains(r.Message.ZH+r.Hint.ZH, "案件编号") {
			t.Errorf("%s says 案件编号; the wizard shows the case number as 认证编号", r.Code)
		}
	}
	r, _ := Lookup(CodeDocumentWrongKind)
	for _, side := range []string{"国徽面", "人像面", "back", "front"} {
		if strings.Contains(r.Hint.ZH+r.Hint.EN, side) {
			t.Errorf("the wrong-kind hint names %q whatever the slot asks for: %q / %q", side, r.Hint.EN, r.Hint.ZH)
		}
	}
}

// TestSideMissingNamesTheSide: with both sides of an ID card missing, the
// two reasons name the front and the back, in both languages.
func TestSideMissingNamesTheSide(t *testing.T) {
	fs := []Finding{{Code: CodeDocumentSideMissing, Document: DocIDFront}, {Code: CodeDocumentSideMissing, Document: DocIDBack}}
	for _, lang := range []i18n.Lang{i18n.EN, i18n.ZH} {
		rs := CustomerFindings(fs, lang)
		if len(rs) != 2 || rs[0].Message == rs[1].Message {
			t.Fatalf("%s: %+v", lang, rs)
		}
		for i, want := range map[i18n.Lang][2]string{i18n.EN: {"front", "back"}, i18n.ZH: {"人像面", "国徽面"}}[lang] {
			if !strings.Contains(rs[i].Message, want) {
				t.Errorf("%s: reason %d %q does not name the %s", lang, i, rs[i].Message, want)
			}
		}
	}
}
