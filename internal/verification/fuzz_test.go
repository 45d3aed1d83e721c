package verification

import (
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

const fuzzMaxBytes = 4096

func FuzzValidateApplicant(f *testing.F) {
	f.Add("张三", "cn_resident", adultID, "13812345678", "", "", "", "", "", 0)
	f.Add("John Smith", "passport", "X1234567", "+447911123456", "GBR", "1985-02-03", "m", "x", guardianID, 1)
	f.Add("张·三", "hmt_residence", hmtID, "", "chn", "2030-13-45", "女", "\x00", "", 2)
	f.Add("", "", "", "", "", "", "", "", "", 3)
	f.Fuzz(func(t *testing.T, name, typ, number, phone, nat, birth, sex, text, guardian string, lvl int) {
		if len(name)+len(typ)+len(number)+len(phone)+len(nat)+len(birth)+len(sex)+len(text)+len(guardian) > fuzzMaxBytes {
			t.Skip()
		}
		levels := []Level{LevelBasic, LevelStandard, LevelEnhanced, "unknown"}
		level := levels[((lvl%4)+4)%4]
		a := Applicant{FullName: name, IDType: typ, IDNumber: number, Phone: phone, Nationality: nat, BirthDate: birth,
			Sex: sex, Address: text, Occupation: text, SourceOfFunds: text, GuardianName: name, GuardianIDNumber: guardian}
		n := NormalizeApplicant(a)
		// Idempotent unless normalising made a field longer than the clip
		// limit (clipping is lossy by design).
		long := false
		for _, v := range n.values() {
			long = long || len(v) > maxFieldBytes
		}
		if !long && NormalizeApplicant(n) != n {
			t.Fatalf("NormalizeApplicant not idempotent: %+v → %+v", n, NormalizeApplicant(n))
		}
		seen := map[string]bool{}
		for _, fe := range ValidateApplicant(level, a, at) {
			if _, ok := registry[fe.Code]; !ok || fe.Field == "" || fe.Message.EN == "" || fe.Message.ZH == "" {
				t.Fatalf("bad field error %+v", fe)
			}
			if seen[fe.Field] {
				t.Fatalf("two errors on %s", fe.Field)
			}
			seen[fe.Field] = true
		}
		_ = Requirements(level, a, at)
		_ = ApplicantChecks(level, a, at)
	})
}

// FuzzDecide builds checks from a compact text: each line is
// "kind|outcome|document|field|reason,reason".
func FuzzDecide(f *testing.F) {
	f.Add("duplicate_identity|pass|||\ndocument_quality|pass|id_front||\ndocument_read|pass|id_back||\ncross_check|fail|id_front|full_name|NAME_MISMATCH", true, 1)
	f.Add("screening|fail|||SANCTIONS_HIT,PEP_HIT\ndocument_read|error|id_front||OCR_UNAVAILABLE", false, 2)
	f.Add("x|maybe|visa|sex|IMAGE_BLURRY,,DUPLICATE_IMAGE", true, 0)
	f.Fuzz(func(t *testing.T, spec string, confirmed bool, lvl int) {
		if len(spec) > fuzzMaxBytes {
			t.Skip()
		}
		var checks []CheckResult
		for _, line := range strings.Split(spec, "\n") {
			p := strings.SplitN(line, "|", 5)
			for len(p) < 5 {
				p = append(p, "")
			}
			var reasons []string
			if p[4] != "" {
				reasons = strings.Split(p[4], ",")
			}
			checks = append(checks, CheckResult{Kind: p[0], Outcome: p[1], Document: p[2], Field: p[3], Reasons: reasons})
		}
		levels := []Level{LevelBasic, LevelStandard, LevelEnhanced, "unknown"}
		level := levels[((lvl%4)+4)%4]
		for _, a := range []Applicant{adult(), minor(), foreigner(), {}} {
			a.PhoneConfirmed = confirmed
			d := Decide(level, a, checks, at)
			switch d.Status {
			case StatusApproved:
				if len(d.Reasons) != 0 {
					t.Fatalf("approved with reasons %v", d.Reasons)
				}
			case StatusRetryRequired:
				if len(d.RetrySteps) == 0 {
					t.Fatalf("retry without steps: %+v", d)
				}
			case StatusRejected, StatusManualReview:
				if len(d.Reasons) == 0 {
					t.Fatalf("%s without reasons", d.Status)
				}
			default:
				t.Fatalf("status %q", d.Status)
			}
			for _, c := range d.Reasons {
				if _, ok := registry[c]; !ok {
					t.Fatalf("unregistered reason %q", c)
				}
				if d.Status != StatusManualReview && hidden(c) {
					t.Fatalf("%s with hidden reason %s", d.Status, c)
				}
			}
			for _, lang := range []i18n.Lang{i18n.EN, i18n.ZH} {
				for _, p := range CustomerFindings(d.Findings, lang) {
					if hidden(p.Code) {
						t.Fatalf("customer sees %s", p.Code)
					}
				}
				for _, p := range CustomerView(reasonsOf(checks), lang) {
					if hidden(p.Code) {
						t.Fatalf("customer sees %s", p.Code)
					}
				}
			}
		}
	})
}

func reasonsOf(cs []CheckResult) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Reasons...)
	}
	return out
}

func FuzzCrossCheck(f *testing.F) {
	f.Add("张三", adultID, "张三丰", adultID, "1990-05-17", "男", "长期", 0.95)
	f.Add("John Smith", "X1234567", "", "", "", "F", "2020.01.01", 0.2)
	f.Fuzz(func(t *testing.T, typedName, typedNumber, name, number, birth, sex, until string, conf float64) {
		if len(typedName)+len(typedNumber)+len(name)+len(number)+len(birth)+len(sex)+len(until) > fuzzMaxBytes {
			t.Skip()
		}
		a := Applicant{FullName: typedName, IDType: IDCNResident, IDNumber: typedNumber}
		rf := func(v string) ReadField { return ReadField{Value: v, Confidence: conf} }
		read := ReadFields{"name": rf(name), "id_number": rf(number), "birth_date": rf(birth), "sex": rf(sex), "valid_until": rf(until)}
		for _, r := range CrossCheck(a, read, CrossCheckOptions{At: at}) {
			if r.Outcome == OutcomeFail && conf < DefaultMinConfidence {
				t.Fatalf("mismatch on an unsure reading: %+v", r)
			}
			if r.Score < 0 || r.Score > 1 || r.Score != r.Score {
				t.Fatalf("score %v", r.Score)
			}
		}
	})
}

func FuzzVerifyWebhook(f *testing.F) {
	f.Add("t=1764158400,v1=00", []byte("{}"))
	f.Add(SignWebhook([]byte("k"), at, []byte("x")), []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := VerifyWebhook([]byte("k"), header, body, at, time.Minute)
		if err == nil && header != SignWebhook([]byte("k"), at, body) && !strings.Contains(header, "v1=") {
			t.Fatalf("accepted %q", header)
		}
	})
}
