package verification

import (
	"fmt"
	"time"
)

// idNumber builds a mainland resident ID number with a correct check
// character: region (6 digits), birth YYYYMMDD, sequence (3 digits; odd for
// men).
func idNumber(region, birth, seq string) string {
	body := region + birth + seq
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * w[i]
	}
	return body + string("10X98765432"[sum%11])
}

// breakCheck returns n with a wrong check character.
func breakCheck(n string) string {
	last := n[len(n)-1]
	r := byte('0')
	if last == '0' {
		r = '1'
	}
	return n[:len(n)-1] + string(r)
}

var (
	at = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

	adultID    = idNumber("110101", "19900517", "123") // male, 36
	womanID    = idNumber("110101", "19920304", "124") // female
	minorID    = idNumber("310104", "20120601", "235") // 14
	childID    = idNumber("310104", "20200101", "235") // 6
	guardianID = idNumber("310104", "19800101", "246")
	hmtID      = idNumber("810000", "19850101", "111")
)

func adult() Applicant {
	return Applicant{FullName: "张三", IDType: IDCNResident, IDNumber: adultID, Phone: "13812345678", PhoneConfirmed: true}
}

func minor() Applicant {
	a := adult()
	a.IDNumber = minorID
	a.GuardianName = "张大山"
	a.GuardianIDNumber = guardianID
	return a
}

func foreigner() Applicant {
	return Applicant{FullName: "John Smith", IDType: IDPassport, IDNumber: "X1234567", Phone: "+447911123456",
		PhoneConfirmed: true, Nationality: "GBR", BirthDate: "1985-02-03"}
}

func codesOf(fes []FieldError) []string {
	var out []string
	for _, f := range fes {
		out = append(out, fmt.Sprintf("%s:%s", f.Field, f.Code))
	}
	return out
}
