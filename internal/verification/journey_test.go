package verification

import (
	"slices"
	"testing"
)

// One wrong digit of a resident ID number is one reason (the number), not
// three: the birth date and sex the typed number carries are not compared
// again with the card when the number itself differs.
func TestCrossCheckOneWrongDigitOneReason(t *testing.T) {
	a := adult()
	typo := idNumber("110101", "19900518", "123") // one digit of the birth date wrong (check character valid)
	a.IDNumber = typo
	read := ReadFields{ReadName: {Value: "张三", Confidence: 0.99}, ReadIDNumber: {Value: adultID, Confidence: 0.99},
		ReadBirthDate: {Value: "1990-05-17", Confidence: 0.99}, ReadSex: {Value: "male", Confidence: 0.99}}
	var codes []string
	for _, r := range CrossCheck(a, read, CrossCheckOptions{Document: DocIDFront, At: at}) {
		codes = append(codes, r.Reasons...)
	}
	if !slices.Equal(codes, []string{CodeIDNumberMismatch}) {
		t.Fatalf("reasons %v, want only ID_NUMBER_MISMATCH", codes)
	}
	// A typed birth date is still compared.
	a.BirthDate = "1990-05-18"
	codes = nil
	for _, r := range CrossCheck(a, read, CrossCheckOptions{Document: DocIDFront, At: at}) {
		codes = append(codes, r.Reasons...)
	}
	if !slices.Contains(codes, CodeBirthDateMismatch) {
		t.Fatalf("typed birth date not compared: %v", codes)
	}
}

func TestNormalizeNationalityNames(t *testing.T) {
	for in, want := range map[string]string{"British": "GBR", "英国": "GBR", "gb": "GBR", "United Kingdom": "GBR", "usa": "USA", "Atlantis": "ATLANTIS"} {
		if got := NormalizeApplicant(Applicant{IDType: IDPassport, Nationality: in}).Nationality; got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
	f := foreigner()
	f.Nationality = "British"
	if fes := ValidateApplicant(LevelStandard, f, at); len(fes) != 0 {
		t.Fatalf("British refused: %v", codesOf(fes))
	}
}

func TestCaseNumber(t *testing.T) {
	if got := CaseNumber("ver_3f9a1c2b00112233aabbccdd"); got != "3F9A1C2B" {
		t.Fatalf("CaseNumber = %q", got)
	}
}

// A resubmission is refused only when none of the steps asked for again
// changed since the decided submission.
func TestUnchangedResubmission(t *testing.T) {
	s := &Service{IdentityKey: []byte("k")}
	c := &Case{ID: "ver_1", Applicant: adult(), Documents: map[string]string{DocIDFront: "doc_1", DocIDBack: "doc_2"}}
	c.Decision = &Decision{Status: StatusRetryRequired, RetrySteps: []string{DocumentStep(DocIDFront)},
		Findings: []Finding{{Code: CodeDocumentUnreadable, Document: DocIDFront}}, Basis: s.fingerprints(c)}
	err := s.unchanged(c)
	u, ok := err.(*ResubmitUnchanged)
	if !ok || len(u.Open) != 1 || u.Open[0].Step != "documents:id_front" {
		t.Fatalf("unchanged: %v", err)
	}
	if m := ResubmitUnchangedMessage(u.Open); m.EN == "" || m.ZH == "" || !contains([]string{m.ZH}, m.ZH) {
		t.Fatal("no message")
	}
	c.Applicant.FullName = "张三丰" // a step not asked for: still unchanged
	if s.unchanged(c) == nil {
		t.Fatal("a change outside the open steps counted")
	}
	c.Documents[DocIDFront] = "doc_3"
	if err := s.unchanged(c); err != nil {
		t.Fatalf("a new photo was not seen: %v", err)
	}
	c.Decision.Basis = nil // decided before fingerprints: never refused
	c.Documents[DocIDFront] = "doc_1"
	if err := s.unchanged(c); err != nil {
		t.Fatal(err)
	}
}
