package verification

import (
	"strings"
	"testing"
)

func BenchmarkValidateApplicant(b *testing.B) {
	a := adult()
	for b.Loop() {
		ValidateApplicant(LevelStandard, a, at)
	}
}

// BenchmarkValidateApplicantHostile: every field at the clip limit.
func BenchmarkValidateApplicantHostile(b *testing.B) {
	long := strings.Repeat("张a1 ·+", 200)
	a := Applicant{FullName: long, IDType: IDCNResident, IDNumber: long, Phone: long, Nationality: long, BirthDate: long,
		Sex: long, Address: long, Occupation: long, SourceOfFunds: long, GuardianName: long, GuardianIDNumber: long}
	for b.Loop() {
		ValidateApplicant(LevelEnhanced, a, at)
	}
}

func BenchmarkDecide(b *testing.B) {
	checks := goodChecks(DocIDFront, DocIDBack)
	a := adult()
	for b.Loop() {
		Decide(LevelStandard, a, checks, at)
	}
}

func BenchmarkCrossCheck(b *testing.B) {
	read := ReadFields{"name": {Value: "张三丰", Confidence: 0.97}, "id_number": {Value: adultID, Confidence: 0.99},
		"birth_date": {Value: "1990-05-17", Confidence: 0.99}, "sex": {Value: "男", Confidence: 0.99}}
	a := adult()
	for b.Loop() {
		CrossCheck(a, read, CrossCheckOptions{At: at})
	}
}
