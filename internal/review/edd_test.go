package review

import (
	"fmt"
	"testing"

	"github.com/veriwallet/veriwallet/internal/verification"
)

// TestEDDLacks: what a high-risk case below the EDD level is asked for is
// what the EDD level holds for its ID type and the case lacks: empty fields
// and documents, the selfie among them (one finding each, with its step);
// nothing once all is given. An operator's EDD level without a selfie asks
// for none.
func TestEDDLacks(t *testing.T) {
	ls := verification.DefaultLevels()
	s := &Scorer{Service: &Service{Risk: DefaultRiskRules()}, Levels: &ls}
	card := map[string]string{"id_front": "doc_1", "id_back": "doc_2"}
	filled := verification.Applicant{FullName: "张三", IDNumber: "110105199003072311", Phone: "13800138000", IDType: verification.IDCNResident, Address: "北京市", Occupation: "engineer", SourceOfFunds: "salary"}
	str := func(fs []verification.Finding) string {
		out := ""
		for _, f := range fs {
			out += fmt.Sprintf("%s@%s%s>%s ", f.Code, f.Field, f.Document, f.Step)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		a    verification.Applicant
		docs map[string]string
		want string
	}{
		{"nothing of EDD", verification.Applicant{FullName: "张三", IDNumber: "110105199003072311", Phone: "13800138000", IDType: verification.IDCNResident}, card,
			"EDD_REQUIRED@address>applicant EDD_REQUIRED@occupation>applicant EDD_REQUIRED@source_of_funds>applicant EDD_REQUIRED@selfie>documents:selfie "},
		{"fields given", filled, card, "EDD_REQUIRED@selfie>documents:selfie "},
		{"all given", filled, map[string]string{"id_front": "doc_1", "id_back": "doc_2", "selfie": "doc_3"}, ""},
		{"passport", verification.Applicant{FullName: "JOHN SMITH", IDNumber: "E12345678", Phone: "13800138000", IDType: verification.IDPassport, Address: "x", Occupation: "y", SourceOfFunds: "z"},
			map[string]string{"passport": "doc_1"}, "EDD_REQUIRED@selfie>documents:selfie "},
	} {
		c := &verification.Case{Applicant: tc.a, Documents: tc.docs}
		if got := str(s.eddLacks(c)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	// An EDD level without a selfie (an operator's) asks for none.
	for i := range ls.Levels {
		if ls.Levels[i].Name == verification.LevelEnhanced {
			ls.Levels[i].Documents = nil
		}
	}
	if got := str(s.eddLacks(&verification.Case{Applicant: filled, Documents: card})); got != "" {
		t.Errorf("EDD level without documents: %q", got)
	}
}
