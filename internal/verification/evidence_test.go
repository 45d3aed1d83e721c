package verification

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

func TestPinyinMatch(t *testing.T) {
	tests := []struct {
		han, latin string
		match      bool
	}{
		{"张三", "ZHANG SAN", true},
		{"张三丰", "ZHANG SANFENG", true},
		{"张三丰", "ZHANG SAN FENG", true},
		{"张三丰", "zhang, sanfeng", true},
		{"张三丰", "ZHANG<<SAN<FENG", true},
		{"欧阳娜娜", "OUYANG NANA", true},
		{"单雄信", "SHAN XIONGXIN", true}, // polyphonic surnames read as surnames
		{"曾国藩", "ZENG GUOFAN", true},
		{"解缙", "XIE JIN", true},
		{"区志华", "OU ZHIHUA", true},
		{"吕布", "LV BU", true}, // ü as V, U or YU
		{"吕布", "LU BU", true},
		{"吕布", "LYU BU", true},
		{"张三", "ZHANG SHAN", false},
		{"张三", "SAN ZHANG", false}, // surname first
		{"王小明", "LI XIAOMING", false},
		{"王小明", "WANG XIAO", false},
		{"王小明", "", false},
	}
	for _, tt := range tests {
		if got, known := PinyinMatch(tt.han, tt.latin); got != tt.match || !known {
			t.Errorf("PinyinMatch(%s, %q) = %v, %v; want %v", tt.han, tt.latin, got, known, tt.match)
		}
	}
	if _, known := PinyinMatch("ANNA", "ANNA"); known {
		t.Error("a Latin name has no pinyin")
	}
}

// TestCrossCheckHanAgainstMRZ: a Han name typed for a Chinese passport is
// compared with the MRZ's Latin name through pinyin.
func TestCrossCheckHanAgainstMRZ(t *testing.T) {
	a := Applicant{FullName: "单雄信", IDType: IDPassport, IDNumber: "E12345678", Nationality: "CHN"}
	read := ReadFields{"surname": sure("SHAN"), "given_names": sure("XIONG XIN"), "document_number": sure("E12345678")}
	rs := CrossCheck(a, read, CrossCheckOptions{At: at, Require: []string{FieldFullName, FieldIDNumber}})
	if len(rs) != 2 || rs[0].Outcome != OutcomePass || rs[0].Detail["compared"] != "pinyin" || rs[1].Outcome != OutcomePass {
		t.Fatalf("right name: %+v", rs)
	}
	a.FullName = "单雄义"
	rs = CrossCheck(a, read, CrossCheckOptions{At: at})
	if len(rs) != 2 || rs[0].Outcome == OutcomePass {
		t.Fatalf("wrong name passed: %+v", rs)
	}
	d := Decide(LevelStandard, a, append(goodChecks(DocPassport)[:3], rs...), at)
	if d.Status == StatusApproved {
		t.Fatalf("wrong Han name approved: %+v", d)
	}
}

// TestNoApprovalWithoutPositiveEvidence: every way the evidence can be
// missing (a field not read, read below the minimum confidence, a photo not
// classified as its slot's kind, a reader that does not classify) ends in
// a person or a retry, never in an approval.
func TestNoApprovalWithoutPositiveEvidence(t *testing.T) {
	base := goodChecks(DocIDFront, DocIDBack)
	if d := Decide(LevelStandard, adult(), base, at); d.Status != StatusApproved {
		t.Fatalf("baseline: %+v", d)
	}
	edit := func(f func(c *CheckResult) bool) []CheckResult {
		var out []CheckResult
		for _, c := range base {
			c.Detail = maps(c.Detail)
			if f(&c) {
				out = append(out, c)
			}
		}
		return out
	}
	cases := map[string][]CheckResult{
		"no name read":               edit(func(c *CheckResult) bool { return !(c.Kind == CheckCrossCheck && c.Field == FieldFullName) }),
		"no number read":             edit(func(c *CheckResult) bool { return !(c.Kind == CheckCrossCheck && c.Field == FieldIDNumber) }),
		"no expiry read on the back": edit(func(c *CheckResult) bool { return !(c.Kind == CheckCrossCheck && c.Field == ReadValidUntil) }),
		"name below min_confidence": edit(func(c *CheckResult) bool {
			if c.Kind == CheckCrossCheck && c.Field == FieldFullName {
				c.Score = 0.6
			}
			return true
		}),
		"name skipped (scripts differ)": edit(func(c *CheckResult) bool {
			if c.Kind == CheckCrossCheck && c.Field == FieldFullName {
				c.Outcome = OutcomeSkipped
			}
			return true
		}),
		"front classified as a passport page, no reason given": edit(func(c *CheckResult) bool {
			if c.Kind == CheckDocumentRead && c.Document == DocIDFront {
				c.Detail["detected_kind"] = DocPassport
			}
			return true
		}),
		"reader does not classify": edit(func(c *CheckResult) bool {
			if c.Kind == CheckDocumentRead {
				delete(c.Detail, "detected_kind")
			}
			return true
		}),
		"classification unsure": edit(func(c *CheckResult) bool {
			if c.Kind == CheckDocumentRead && c.Document == DocIDBack {
				c.Score = 0.5
			}
			return true
		}),
		"the name proven on the back, not the front": edit(func(c *CheckResult) bool {
			if c.Kind == CheckCrossCheck && c.Field == FieldFullName {
				c.Document = DocIDBack
			}
			return true
		}),
	}
	for name, cs := range cases {
		d := Decide(LevelStandard, adult(), cs, at)
		if d.Status == StatusApproved {
			t.Errorf("%s: approved", name)
		}
	}
	// basic needs no document and is unchanged.
	if d := Decide(LevelBasic, adult(), goodChecks(), at); d.Status != StatusApproved {
		t.Errorf("basic: %+v", d)
	}
}

func maps(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

type stubReader struct{ rd Reading }

func (r stubReader) Available() error      { return nil }
func (r stubReader) CanRead(s string) bool { return true }
func (r stubReader) Read(context.Context, document.Kind, []byte) (Reading, error) {
	return r.rd, nil
}

// TestSlotChecks: what the pipeline records for the reading of one slot.
func TestSlotChecks(t *testing.T) {
	a := adult()
	s := &Service{Levels: DefaultLevels(), Reader: stubReader{}}
	rule, _ := slotEvidence(a, DocIDFront)
	good := ReadFields{"name": sure(a.FullName), "id_number": sure(a.IDNumber)}
	decide := func(cs []CheckResult) Decision {
		all := append(goodChecks(DocIDBack), pass(CheckDocumentQuality, DocIDFront))
		return Decide(LevelStandard, a, append(all, cs...), at)
	}

	// Item 8: name and number confident and right, only the birth date and
	// sex unsure: a person, not a retake that cannot help.
	rd := Reading{Kind: DocIDFront, KindConfidence: 0.97, Fields: ReadFields{"name": sure(a.FullName), "id_number": sure(a.IDNumber),
		"birth_date": unsure("1990-05-18"), "sex": ReadField{Value: "?", Confidence: 0.5}}}
	d := decide(s.slotChecks(a, DocIDFront, rule, rd, at))
	if d.Status != StatusManualReview || !slices.Equal(d.Reasons, []string{CodeDocumentReviewRequired}) {
		t.Fatalf("only other fields unsure: %+v", d)
	}
	// With something the customer must fix as well, that comes first.
	blurryBack := CheckResult{Kind: CheckDocumentQuality, Outcome: OutcomeFail, Document: DocIDBack, Reasons: []string{"IMAGE_BLURRY"}}
	if d := decide(append(s.slotChecks(a, DocIDFront, rule, rd, at), blurryBack)); d.Status != StatusRetryRequired || !slices.Equal(d.Reasons, []string{"IMAGE_BLURRY"}) {
		t.Fatalf("unsure birth date and a blurry back: %+v", d)
	}
	// The name unsure: a better photo can help.
	rd = Reading{Kind: DocIDFront, KindConfidence: 0.97, Fields: ReadFields{"name": unsure("张山"), "id_number": sure(a.IDNumber)}}
	if d := decide(s.slotChecks(a, DocIDFront, rule, rd, at)); d.Status != StatusRetryRequired || !slices.Contains(d.Reasons, CodeDocumentUnreadable) {
		t.Fatalf("name unsure: %+v", d)
	}
	// Nothing read at all: unreadable, never silence.
	rd = Reading{Kind: DocIDFront, KindConfidence: 0.97, Fields: ReadFields{}}
	if d := decide(s.slotChecks(a, DocIDFront, rule, rd, at)); d.Status != StatusRetryRequired || !slices.Contains(d.Reasons, CodeDocumentUnreadable) {
		t.Fatalf("nothing read: %+v", d)
	}
	// A passport page in the front slot: DOCUMENT_WRONG_KIND, naming both.
	rd = Reading{Kind: DocPassport, KindConfidence: 0.97, Fields: good}
	d = decide(s.slotChecks(a, DocIDFront, rule, rd, at))
	if d.Status != StatusRetryRequired || !slices.Equal(d.Reasons, []string{CodeDocumentWrongKind}) || d.Findings[0].Seen != DocPassport {
		t.Fatalf("wrong kind: %+v", d)
	}
	for lang, want := range map[i18n.Lang][]string{i18n.EN: {"passport page", "ID card's front"}, i18n.ZH: {"护照资料页", "身份证人像面"}} {
		p := CustomerFindings(d.Findings, lang)
		if len(p) != 1 || p[0].Step != "documents:id_front" || !strings.Contains(p[0].Message, want[0]) || !strings.Contains(p[0].Message, want[1]) {
			t.Errorf("%s: %+v", lang, p)
		}
	}
	// Unsure what it is, name and number right: a person.
	rd = Reading{Kind: KindUnknown, Fields: good}
	if d := decide(s.slotChecks(a, DocIDFront, rule, rd, at)); d.Status != StatusManualReview {
		t.Fatalf("kind unknown: %+v", d)
	}
	// All good.
	rd = Reading{Kind: DocIDFront, KindConfidence: 0.97, Fields: good}
	if d := decide(s.slotChecks(a, DocIDFront, rule, rd, at)); d.Status != StatusApproved {
		t.Fatalf("good front: %+v", d)
	}
	// A 2017-style permanent residence number (15 characters) is not one
	// the reader finds on the card: a person, not an endless retake.
	fpr := Applicant{FullName: "John Smith", IDType: IDForeignPermanent, IDNumber: "KAZ110090123105", Phone: "+447911123456", PhoneConfirmed: true}
	frule, _ := slotEvidence(fpr, DocResidencePermit)
	rd = Reading{Kind: DocResidencePermit, KindConfidence: 0.9, Fields: ReadFields{"name": sure("JOHN SMITH")}}
	d = Decide(LevelStandard, fpr, append([]CheckResult{pass(CheckDuplicateIdentity, ""), pass(CheckScreening, ""), pass(CheckDocumentQuality, DocResidencePermit)},
		s.slotChecks(fpr, DocResidencePermit, frule, rd, at)...), at)
	if d.Status != StatusManualReview || !slices.Equal(d.Reasons, []string{CodeDocumentReviewRequired}) {
		t.Fatalf("15-character permanent residence number: %+v", d)
	}
	// An expired back names the date.
	brule, _ := slotEvidence(a, DocIDBack)
	rd = Reading{Kind: DocIDBack, KindConfidence: 0.95, Fields: ReadFields{"valid_until": sure("2025-06-30")}}
	cs := append(goodChecks(DocIDFront), pass(CheckDocumentQuality, DocIDBack))
	d = Decide(LevelStandard, a, append(cs, s.slotChecks(a, DocIDBack, brule, rd, at)...), at)
	if p := CustomerFindings(d.Findings, i18n.ZH); d.Status != StatusRetryRequired || len(p) != 1 || p[0].Code != CodeDocumentExpired || !strings.Contains(p[0].Message, "2025-06-30") {
		t.Fatalf("expired: %+v", d)
	}
}

// TestWrongKindInTheOnlySlot: an ID card's front in a passport case's only
// slot is DOCUMENT_WRONG_KIND, a retry naming the slot, like a passport page
// in an ID card case. Before, the cross-check (not run on a photo of the
// wrong kind) counted as a check we failed to run (CHECK_MISSING) and the
// case went to a reviewer, spending an attempt the customer could have
// used to upload the passport page (seen through the API with real OCR).
func TestWrongKindInTheOnlySlot(t *testing.T) {
	a := Applicant{FullName: "张三", IDType: IDPassport, IDNumber: "E12345678", Phone: "13812345678", PhoneConfirmed: true,
		Nationality: "CHN", BirthDate: "1985-02-03"}
	s := &Service{Levels: DefaultLevels(), Reader: stubReader{}}
	rule, _ := slotEvidence(a, DocPassport)
	rd := Reading{Kind: DocIDFront, KindConfidence: 0.97, Fields: ReadFields{"name": sure("张三"), "id_number": sure(adultID)}}
	cs := append([]CheckResult{pass(CheckDuplicateIdentity, ""), pass(CheckScreening, ""), pass(CheckDocumentQuality, DocPassport)},
		s.slotChecks(a, DocPassport, rule, rd, at)...)
	d := Decide(LevelStandard, a, cs, at)
	if d.Status != StatusRetryRequired || !slices.Equal(d.Reasons, []string{CodeDocumentWrongKind}) || d.Findings[0].Step != "documents:passport" {
		t.Fatalf("ID card front as the passport page: %+v", d)
	}
	// A check missing with nothing for the customer to fix stays ours.
	d = Decide(LevelStandard, a, []CheckResult{pass(CheckDuplicateIdentity, ""), pass(CheckScreening, ""), pass(CheckDocumentQuality, DocPassport)}, at)
	if d.Status != StatusManualReview || !slices.Contains(d.Reasons, CodeCheckMissing) {
		t.Fatalf("cross-check not run, nothing wrong: %+v", d)
	}
}

// TestReadingFindings: what the customer is told at upload.
func TestReadingFindings(t *testing.T) {
	fs := readingFindings(DocIDFront, Reading{Kind: DocPassport, KindConfidence: 0.97}, at, 0.9)
	if len(fs) != 1 || fs[0].Code != CodeDocumentWrongKind || fs[0].Seen != DocPassport {
		t.Fatalf("wrong kind: %+v", fs)
	}
	fs = readingFindings(DocIDBack, Reading{Kind: DocIDBack, KindConfidence: 0.97, Fields: ReadFields{"valid_until": sure("2020-01-01")}}, at, 0.9)
	if p := CustomerFindings(fs, i18n.EN); len(p) != 1 || p[0].Message != "Your document expired on 2020-01-01." {
		t.Fatalf("expired: %+v", p)
	}
	for _, ok := range []Reading{
		{Kind: DocIDBack, KindConfidence: 0.97, Fields: ReadFields{"valid_until": sure("长期")}},
		{Kind: DocIDBack, KindConfidence: 0.97, Fields: ReadFields{"valid_until": unsure("2020-01-01")}}, // unsure: the pipeline decides
		{Kind: DocPassport, KindConfidence: 0.5},                                                         // a guess is not evidence
		{Kind: KindUnknown, KindConfidence: 0},
	} {
		if fs := readingFindings(DocIDBack, ok, at, 0.9); len(fs) != 0 {
			t.Errorf("%+v: %+v", ok, fs)
		}
	}
}

func sure(v string) ReadField   { return ReadField{Value: v, Confidence: 0.99} }
func unsure(v string) ReadField { return ReadField{Value: v, Confidence: 0.5} }
