package verification

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestCrossCheck(t *testing.T) {
	sure := func(v string) ReadField { return ReadField{Value: v, Confidence: 0.99} }
	unsure := func(v string) ReadField { return ReadField{Value: v, Confidence: 0.5} }
	passport := foreigner()
	tests := []struct {
		name string
		a    Applicant
		read ReadFields
		opt  CrossCheckOptions
		want []string // field:outcome:reason
	}{
		{"all match", adult(), ReadFields{"name": sure("张三"), "id_number": sure(adultID), "birth_date": sure("1990-05-17"), "sex": sure("男")}, CrossCheckOptions{},
			[]string{"full_name:pass:", "id_number:pass:", "birth_date:pass:", "sex:pass:"}},
		{"one character missing from the name", adult(), ReadFields{"name": sure("张三丰")}, CrossCheckOptions{},
			[]string{"full_name:fail:NAME_MISMATCH"}},
		{"unsure reading is unreadable, not a mismatch", adult(), ReadFields{"name": unsure("张三丰")}, CrossCheckOptions{},
			[]string{"full_name:unreadable:DOCUMENT_UNREADABLE"}},
		{"threshold is a parameter", adult(), ReadFields{"name": unsure("张三丰")}, CrossCheckOptions{MinConfidence: 0.4},
			[]string{"full_name:fail:NAME_MISMATCH"}},
		{"confidence exactly at the threshold is trusted", adult(), ReadFields{"name": {Value: "李四", Confidence: 0.9}}, CrossCheckOptions{},
			[]string{"full_name:fail:NAME_MISMATCH"}},
		{"a glyph reading confirms", adult(), ReadFields{"name": {Value: "张三", Confidence: 0.99, Glyph: true}}, CrossCheckOptions{},
			[]string{"full_name:pass:"}},
		{"a glyph reading never contradicts, whatever its confidence", adult(), ReadFields{"name": {Value: "张三丰", Confidence: 0.99, Glyph: true}}, CrossCheckOptions{MinConfidence: 0.5},
			[]string{"full_name:unreadable:DOCUMENT_UNREADABLE"}},
		{"a glyph MRZ given name never contradicts", foreigner(), ReadFields{"surname": sure("SMITH"), "given_names": {Value: "JAMES", Confidence: 0.99, Glyph: true}}, CrossCheckOptions{},
			[]string{"full_name:unreadable:DOCUMENT_UNREADABLE"}},
		{"a typed character the engine cannot read", adult(), ReadFields{"name": sure("张二")}, CrossCheckOptions{CanRead: func(s string) bool { return !strings.Contains(s, "三") }},
			[]string{"full_name:unreadable:DOCUMENT_UNREADABLE"}},
		{"empty reading", adult(), ReadFields{"name": sure(" ")}, CrossCheckOptions{},
			[]string{"full_name:unreadable:DOCUMENT_UNREADABLE"}},
		{"NaN confidence", adult(), ReadFields{"name": {Value: "李四", Confidence: math.NaN()}}, CrossCheckOptions{},
			[]string{"full_name:unreadable:DOCUMENT_UNREADABLE"}},
		{"id number mismatch", adult(), ReadFields{"id_number": sure(womanID)}, CrossCheckOptions{},
			[]string{"id_number:fail:ID_NUMBER_MISMATCH"}},
		{"id number read with spaces and lower x", Applicant{FullName: "李四", IDType: IDCNResident, IDNumber: idNumber("110101", "19900517", "128")},
			ReadFields{"id_number": sure(strings.ToLower(idNumber("110101", "19900517", "128")[:6] + " " + idNumber("110101", "19900517", "128")[6:]))}, CrossCheckOptions{},
			[]string{"id_number:pass:"}},
		{"misread number failing its checksum is unreadable", adult(), ReadFields{"id_number": sure(breakCheck(adultID))}, CrossCheckOptions{},
			[]string{"id_number:unreadable:DOCUMENT_UNREADABLE"}},
		{"birth date mismatch against the number", adult(), ReadFields{"birth_date": sure("1990.05.18")}, CrossCheckOptions{},
			[]string{"birth_date:fail:BIRTH_DATE_MISMATCH"}},
		{"birth date unparseable", adult(), ReadFields{"birth_date": sure("1990年")}, CrossCheckOptions{},
			[]string{"birth_date:unreadable:DOCUMENT_UNREADABLE"}},
		{"sex mismatch", adult(), ReadFields{"sex": sure("女")}, CrossCheckOptions{}, []string{"sex:fail:SEX_MISMATCH"}},
		{"sex unreadable", adult(), ReadFields{"sex": sure("?")}, CrossCheckOptions{}, []string{"sex:unreadable:DOCUMENT_UNREADABLE"}},
		{"expired", adult(), ReadFields{"valid_until": sure("2026.11.25")}, CrossCheckOptions{At: at}, []string{"valid_until:fail:DOCUMENT_EXPIRED"}},
		{"valid until today", adult(), ReadFields{"valid_until": sure("2026-11-26")}, CrossCheckOptions{At: at}, []string{"valid_until:pass:"}},
		{"long-term", adult(), ReadFields{"valid_until": sure("长期")}, CrossCheckOptions{At: at}, []string{"valid_until:pass:"}},
		{"expiry unsure", adult(), ReadFields{"valid_until": unsure("2020-01-01")}, CrossCheckOptions{At: at}, []string{"valid_until:unreadable:DOCUMENT_UNREADABLE"}},
		{"passport MRZ", passport, ReadFields{"surname": sure("SMITH"), "given_names": sure("JOHN"), "document_number": sure("X1234567"),
			"nationality": sure("GBR"), "birth_date": sure("1985-02-03"), "sex": sure("男"), "valid_until": sure("2030-01-01")}, CrossCheckOptions{At: at},
			[]string{"full_name:pass:", "id_number:pass:", "birth_date:pass:", "nationality:pass:", "valid_until:pass:"}},
		{"passport nationality mismatch", passport, ReadFields{"nationality": sure("IRL")}, CrossCheckOptions{}, []string{"nationality:fail:NATIONALITY_MISMATCH"}},
		{"passport name matches the MRZ", passport, ReadFields{"surname": sure("SMITH"), "given_names": sure("JOHN")},
			CrossCheckOptions{}, []string{"full_name:pass:"}},
		{"passport name missing a letter", func() Applicant { a := passport; a.FullName = "Jon Smith"; return a }(),
			ReadFields{"surname": sure("SMITH"), "given_names": sure("JOHN")}, CrossCheckOptions{}, []string{"full_name:fail:NAME_MISMATCH"}},
		{"MRZ name with an unsure line", func() Applicant { a := passport; a.FullName = "Jon Smith"; return a }(),
			ReadFields{"surname": sure("SMITH"), "given_names": unsure("JOHN")}, CrossCheckOptions{}, []string{"full_name:unreadable:DOCUMENT_UNREADABLE"}},
		{"Han name against an MRZ: pinyin", Applicant{FullName: "张三", IDType: IDPassport, IDNumber: "E12345678", Nationality: "CHN"},
			ReadFields{"surname": sure("ZHANG"), "given_names": sure("SAN")}, CrossCheckOptions{}, []string{"full_name:pass:"}},
		{"Han name against another pinyin: a person", Applicant{FullName: "张三", IDType: IDPassport, IDNumber: "E12345678", Nationality: "CHN"},
			ReadFields{"surname": sure("ZHANG"), "given_names": sure("SHAN")}, CrossCheckOptions{}, []string{"full_name:unreadable:DOCUMENT_REVIEW_REQUIRED"}},
		{"required name and number not read: unreadable, never silence", adult(), ReadFields{},
			CrossCheckOptions{Require: []string{FieldFullName, FieldIDNumber}},
			[]string{"full_name:unreadable:DOCUMENT_UNREADABLE", "id_number:unreadable:DOCUMENT_UNREADABLE"}},
		{"required expiry not read", adult(), ReadFields{}, CrossCheckOptions{Require: []string{ReadValidUntil}},
			[]string{"valid_until:unreadable:DOCUMENT_UNREADABLE"}},
		{"nothing read, nothing compared", adult(), ReadFields{}, CrossCheckOptions{}, nil},
		{"nothing typed, nothing compared", Applicant{}, ReadFields{"name": sure("张三"), "id_number": sure(adultID)}, CrossCheckOptions{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Document = DocIDFront
			tc.opt.Engine, tc.opt.EngineVersion = "ppocr", "v4"
			if tc.opt.At.IsZero() {
				tc.opt.At = at
			}
			res := CrossCheck(tc.a, tc.read, tc.opt)
			var got []string
			for _, r := range res {
				got = append(got, fmt.Sprintf("%s:%s:%s", r.Field, r.Outcome, strings.Join(r.Reasons, ",")))
				if r.Kind != CheckCrossCheck || r.Document != DocIDFront || r.Engine != "ppocr" || r.EngineVersion != "v4" || r.Score < 0 || r.Score > 1 {
					t.Errorf("result %+v", r)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("\n got %v\nwant %v", got, tc.want)
			}
		})
	}
	// Word order alone passes, noted for a reviewer.
	a := foreigner()
	a.FullName = "Smith John"
	r := CrossCheck(a, ReadFields{"surname": sure("JOHN"), "given_names": sure("SMITH")}, CrossCheckOptions{})
	if len(r) != 1 || r[0].Outcome != OutcomePass || r[0].Detail["name_order"] != "different" {
		t.Errorf("order-only difference: %+v", r)
	}
}

// TestCrossCheckIntoDecide: a confident name mismatch from the reader ends
// in retry_required with NAME_MISMATCH on full_name.
func TestCrossCheckIntoDecide(t *testing.T) {
	checks := goodChecks(DocIDFront, DocIDBack)
	checks = append(checks, CrossCheck(adult(), ReadFields{"name": {Value: "张三丰", Confidence: 0.97}, "id_number": {Value: adultID, Confidence: 0.99}},
		CrossCheckOptions{Document: DocIDFront, At: at})...)
	d := Decide(LevelStandard, adult(), checks, at)
	if d.Status != StatusRetryRequired || len(d.Findings) != 1 || d.Findings[0].Field != FieldFullName || d.Findings[0].Code != CodeNameMismatch {
		t.Errorf("decision = %+v", d)
	}
}

// TestNameDiffToCustomer: "one letter missing from the name" (the article's
// own example) reaches the customer as the position of the missing
// character, and the stored check holds no character of the name.
func TestNameDiffToCustomer(t *testing.T) {
	tests := []struct {
		typed, read string
		rule        string
		pos         string
		en, zh      string
	}{
		{"张三", "张三丰", "NAME_MISSING_CHARACTER", "3", "character 3 is missing", "缺少第 3 个字"},
		{"张三丰", "张三", "NAME_EXTRA_CHARACTER", "3", "character 3 of what you typed is extra", "第 3 个字是多余的"},
		{"张珊", "张姗", "NAME_DIFFERENT_CHARACTER", "2", "Character 2 of the name you typed differs", "第 2 个字与证件不一致"},
		{"李四五", "张三丰", "NAME_MISMATCH", "3", "in 3 places", "有 3 处不一致"},
	}
	for _, tc := range tests {
		a := adult()
		a.FullName = tc.typed
		res := CrossCheck(a, ReadFields{"name": {Value: tc.read, Confidence: 0.99}}, CrossCheckOptions{Document: DocIDFront, At: at})
		if len(res) != 1 || res[0].Detail["rule"] != tc.rule || res[0].Detail["position"] != tc.pos {
			t.Fatalf("%s vs %s: %+v", tc.typed, tc.read, res)
		}
		for k, v := range res[0].Detail {
			if strings.ContainsAny(v, tc.typed+tc.read) {
				t.Errorf("detail %s=%q holds a character of the name", k, v)
			}
		}
		d := Decide(LevelStandard, a, append(goodChecks(DocIDFront, DocIDBack), res...), at)
		if d.Status != StatusRetryRequired || d.Findings[0].Rule != tc.rule {
			t.Fatalf("decision %+v", d)
		}
		en := CustomerFindings(d.Findings, "en")
		zh := CustomerFindings(d.Findings, "zh-CN")
		if len(en) != 1 || !strings.Contains(en[0].Message, tc.en) || !strings.Contains(zh[0].Message, tc.zh) || en[0].Field != FieldFullName {
			t.Errorf("%s vs %s: %+v / %+v", tc.typed, tc.read, en, zh)
		}
	}
	// Details that are not ours are ignored.
	for _, det := range []map[string]string{{"rule": "EVIL", "position": "1"}, {"rule": "NAME_MISSING_CHARACTER", "position": "-4"}, {"rule": "NAME_MISSING_CHARACTER", "position": "x"}} {
		rule, pos := nameDetail(det)
		if rule != "" || pos != 0 {
			t.Errorf("nameDetail(%v) = %q, %d", det, rule, pos)
		}
	}
	// Several unreadable fields on one document are one reason for the customer.
	d := Decide(LevelStandard, adult(), append(goodChecks(DocIDFront, DocIDBack),
		CheckResult{Kind: CheckCrossCheck, Outcome: OutcomeUnreadable, Field: FieldFullName, Document: DocIDFront},
		CheckResult{Kind: CheckCrossCheck, Outcome: OutcomeUnreadable, Field: FieldIDNumber, Document: DocIDFront}), at)
	if pub := CustomerFindings(d.Findings, "en"); len(d.Findings) != 2 || len(pub) != 1 || pub[0].Step != "documents:id_front" {
		t.Errorf("findings %+v → public %+v", d.Findings, pub)
	}
}
