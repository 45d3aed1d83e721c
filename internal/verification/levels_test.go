package verification

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

func TestDefaultLevelsValid(t *testing.T) {
	ls := DefaultLevels()
	if err := ls.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ls)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseLevels(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ls) {
		t.Errorf("JSON round trip changed the levels:\n%s", b)
	}
	if time.Duration(back.Attempts.Window) != 24*time.Hour || back.Attempts.Limit != 5 {
		t.Errorf("attempts = %+v", back.Attempts)
	}
	if !strings.Contains(string(b), `"window":"24h0m0s"`) {
		t.Errorf("window not written as a duration string: %s", b)
	}
}

func TestParseLevelsDefaultsOmitted(t *testing.T) {
	b, _ := json.Marshal(DefaultLevels())
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, "attempts")
	delete(m, "min_confidence")
	b, _ = json.Marshal(m)
	ls, err := ParseLevels(b)
	if err != nil {
		t.Fatal(err)
	}
	if ls.Attempts.Limit != DefaultAttemptLimit || ls.MinConfidence != DefaultMinConfidence {
		t.Errorf("defaults not applied: %+v %v", ls.Attempts, ls.MinConfidence)
	}
}

func TestParseLevelsFile(t *testing.T) {
	data, err := os.ReadFile("testdata/levels.json")
	if err != nil {
		t.Fatal(err)
	}
	ls, err := ParseLevels(data)
	if err != nil {
		t.Fatal(err)
	}
	spec, ok := ls.Level("kids")
	if !ok || !spec.ManualReview || len(spec.Documents[IDCNResident]) != 1 || ls.Attempts.Limit != 3 || ls.MinConfidence != 0.85 {
		t.Fatalf("kids level = %+v, %v", spec, ok)
	}
	reqs := ls.Requirements("kids", adult(), at)
	if got := summary(reqs); got != "field:full_name field:id_type field:id_number step:phone document:id_front review:review" {
		t.Errorf("requirements = %s", got)
	}
}

func TestLevelsValidateRejects(t *testing.T) {
	mod := func(f func(*Levels)) []byte {
		ls := DefaultLevels()
		f(&ls)
		b, _ := json.Marshal(ls)
		return b
	}
	tests := []struct {
		name  string
		data  []byte
		field string
	}{
		{"not JSON", []byte("{"), ""},
		{"unknown key", []byte(`{"levels":[],"colour":1}`), ""},
		{"trailing data", append(mod(func(*Levels) {}), []byte(" {}")...), ""},
		{"no levels", mod(func(l *Levels) { l.Levels = nil }), "levels"},
		{"repeated name", mod(func(l *Levels) { l.Levels[1].Name = "basic" }), "levels[1].name"},
		{"unknown field", mod(func(l *Levels) { l.Levels[0].Fields = append(l.Levels[0].Fields, "shoe_size") }), "levels[0].fields"},
		{"repeated field", mod(func(l *Levels) { l.Levels[0].Fields = append(l.Levels[0].Fields, FieldPhone) }), "levels[0].fields"},
		{"no id types", mod(func(l *Levels) { l.Levels[0].IDTypes = nil }), "levels[0].id_types"},
		{"unknown check", mod(func(l *Levels) { l.Levels[0].Checks = []string{"horoscope"} }), "levels[0].checks"},
		{"documents for an unaccepted type", mod(func(l *Levels) { l.Levels[1].IDTypes = []string{IDCNResident} }), "levels[1].documents.foreign_permanent"},
		{"unknown document kind", mod(func(l *Levels) { l.Levels[1].Documents[IDCNResident][0].AnyOf = []string{"selfie_with_cat"} }), "levels[1].documents.cn_resident[0].any_of"},
		{"empty any_of", mod(func(l *Levels) { l.Minor.Documents[0].AnyOf = nil }), "minor.documents[0].any_of"},
		{"missing reason not registered", mod(func(l *Levels) { l.Foreigner.Documents[0].Missing = "OOPS" }), "foreigner.documents[0].missing_reason"},
		{"missing reason not RETRY", mod(func(l *Levels) { l.Foreigner.Documents[0].Missing = CodeSanctionsHit }), "foreigner.documents[0].missing_reason"},
		{"id type fields", mod(func(l *Levels) { l.IDTypeFields["spaceship"] = nil }), "id_type_fields.spaceship"},
		{"minor age", mod(func(l *Levels) { l.MinorAge = 99 }), "minor_age"},
		{"minimum age above minor age", mod(func(l *Levels) { l.MinimumAge = 19 }), "minimum_age"},
		{"attempt limit", mod(func(l *Levels) { l.Attempts.Limit = 0 }), "attempts.limit"},
		{"attempt window", mod(func(l *Levels) { l.Attempts.Window = Duration(time.Second) }), "attempts.window"},
		{"bad window text", []byte(`{"attempts":{"window":"forever"}}`), ""},
		{"confidence", mod(func(l *Levels) { l.MinConfidence = 1.5 }), "min_confidence"},
		{"negative confidence", mod(func(l *Levels) { l.MinConfidence = -0.5 }), "min_confidence"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLevels(tc.data)
			e := errs.As(err)
			if err == nil || e.Kind != errs.Invalid || e.Code != "LEVELS_INVALID" {
				t.Fatalf("err = %v; want LEVELS_INVALID", err)
			}
			if e.Field != tc.field {
				t.Errorf("field = %q, want %q (%v)", e.Field, tc.field, err)
			}
			if e.Message.ZH == "" {
				t.Error("no Chinese message")
			}
		})
	}
}

// summary writes requirements as "type:name" in order; alternatives joined
// with "|".
func summary(reqs []Requirement) string {
	var parts []string
	for _, r := range reqs {
		n := r.Name
		if len(r.AnyOf) > 1 {
			n = strings.Join(r.AnyOf, "|")
		}
		parts = append(parts, r.Type+":"+n)
	}
	return strings.Join(parts, " ")
}

func TestRequirements(t *testing.T) {
	hmt := adult()
	hmt.IDType, hmt.IDNumber = IDHMTResidence, hmtID
	fpr := foreigner()
	fpr.IDType = IDForeignPermanent
	chnPassport := foreigner()
	chnPassport.Nationality = "CHN"
	minorForeigner := foreigner()
	minorForeigner.BirthDate = "2015-01-01"
	tests := []struct {
		name  string
		level Level
		a     Applicant
		want  string
	}{
		{"basic adult", LevelBasic, adult(), "field:full_name field:id_type field:id_number field:phone step:phone"},
		{"basic minor: guardian documents at every level", LevelBasic, minor(),
			"field:full_name field:id_type field:id_number field:phone field:guardian_name field:guardian_id_number step:phone document:guardian_consent document:guardian_id review:review"},
		{"basic foreigner: no documents at basic", LevelBasic, foreigner(),
			"field:full_name field:id_type field:id_number field:phone field:nationality field:birth_date step:phone"},
		{"standard mainland card", LevelStandard, adult(),
			"field:full_name field:id_type field:id_number field:phone step:phone document:id_front document:id_back"},
		{"standard HMT permit", LevelStandard, hmt,
			"field:full_name field:id_type field:id_number field:phone step:phone document:residence_permit document:residence_permit_back"},
		{"standard foreign permanent card: the number carries birth date and nationality", LevelStandard, fpr,
			"field:full_name field:id_type field:id_number field:phone step:phone document:residence_permit"},
		{"standard foreigner", LevelStandard, foreigner(),
			"field:full_name field:id_type field:id_number field:phone field:nationality field:birth_date step:phone document:passport document:visa|residence_permit"},
		{"standard Chinese passport is not foreign", LevelStandard, chnPassport,
			"field:full_name field:id_type field:id_number field:phone field:nationality field:birth_date step:phone document:passport"},
		{"standard minor foreigner", LevelStandard, minorForeigner,
			"field:full_name field:id_type field:id_number field:phone field:nationality field:birth_date field:guardian_name field:guardian_id_number step:phone document:passport document:visa|residence_permit document:guardian_consent document:guardian_id review:review"},
		{"enhanced", LevelEnhanced, adult(),
			"field:full_name field:id_type field:id_number field:phone field:address field:occupation field:source_of_funds step:phone document:id_front document:id_back document:selfie review:review"},
		{"unknown level", "gold", adult(), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reqs := Requirements(tc.level, tc.a, at)
			if got := summary(reqs); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
			for _, r := range reqs {
				if _, ok := registry[r.Reason]; !ok {
					t.Errorf("requirement %+v: reason not registered", r)
				}
			}
		})
	}
	// The reason a missing document is reported with.
	for _, r := range Requirements(LevelStandard, minorForeigner, at) {
		want := map[string]string{DocPassport: CodeDocumentMissing, DocVisa: CodeForeignerDocumentRequired,
			DocGuardianConsent: CodeMinorGuardianRequired, DocGuardianID: CodeMinorGuardianRequired}[r.Name]
		if r.Type == ReqDocument && r.Reason != want {
			t.Errorf("%s: reason %s, want %s", r.Name, r.Reason, want)
		}
	}
	// The day before the 18th birthday is a minor, the day itself is not.
	a := adult()
	a.IDNumber = idNumber("110101", "20081127", "123")
	if !hasReq(Requirements(LevelBasic, a, at), DocGuardianConsent) {
		t.Error("17 years and 364 days: no guardian consent required")
	}
	a.IDNumber = idNumber("110101", "20081126", "123")
	if hasReq(Requirements(LevelBasic, a, at), DocGuardianConsent) {
		t.Error("18th birthday: guardian consent still required")
	}
}

func hasReq(reqs []Requirement, name string) bool {
	for _, r := range reqs {
		if r.Name == name {
			return true
		}
	}
	return false
}

func TestGateKind(t *testing.T) {
	for k, want := range map[string]string{
		DocIDFront: "id_front", DocIDBack: "id_back", DocPassport: "passport", DocResidencePermit: "residence_permit",
		DocResidencePermitBack: "id_back", DocGuardianID: "id_front", DocVisa: "other", DocGuardianConsent: "guardian_consent", "??": "other",
	} {
		if got := GateKind(k); string(got) != want || !got.Valid() {
			t.Errorf("GateKind(%s) = %s, want %s", k, got, want)
		}
	}
}
