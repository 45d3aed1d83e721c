package verification

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// FuzzParseLevels feeds arbitrary bytes to the levels file parser: it never
// panics, every refusal is LEVELS_INVALID, and a configuration it accepts
// validates, round-trips through JSON and can be used (every level's
// requirements and field checks run).
func FuzzParseLevels(f *testing.F) {
	if b, err := os.ReadFile("testdata/levels.json"); err == nil {
		f.Add(b)
	}
	def, _ := json.Marshal(DefaultLevels())
	f.Add(def)
	for _, s := range []string{`{}`, `null`, `[]`, `{"levels":[]}`, `{"levels":[{"name":"basic"}]}`,
		`{"levels":[{"name":"x","fields":["full_name"],"checks":["nope"]}]}`, `{"attempts":{"limit":-1,"window":"1h"}}`,
		`{"levels":[{"name":"basic","fields":["full_name","id_type","id_number"],"id_types":["cn_resident"]}],"minor_age":18}`,
		`{"min_confidence":2}`, `{"attempts":{"limit":1,"window":"-5s"}}`, `{} {}`, "\xff"} {
		f.Add([]byte(s))
	}
	at := time.Date(2026, 12, 3, 0, 0, 0, 0, China)
	applicants := []Applicant{
		{FullName: "张三", IDType: IDCNResident, IDNumber: adultID, Phone: "13812345678"},
		{FullName: "John Smith", IDType: IDPassport, IDNumber: "X1234567", Nationality: "GBR", BirthDate: "2015-02-03"},
		{},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 16<<10 {
			t.Skip()
		}
		ls, err := ParseLevels(data)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != "LEVELS_INVALID" || e.Kind != errs.Invalid || e.Message.ZH == "" {
				t.Fatalf("refusal is not LEVELS_INVALID: %#v", err)
			}
			return
		}
		if err := ls.Validate(); err != nil {
			t.Fatalf("accepted but invalid: %v", err)
		}
		b, err := json.Marshal(ls)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := ParseLevels(b)
		if err != nil {
			t.Fatalf("an accepted configuration does not parse again: %v\n%s", err, b)
		}
		if len(again.Levels) != len(ls.Levels) {
			t.Fatalf("round trip changed the levels: %d → %d", len(ls.Levels), len(again.Levels))
		}
		for _, l := range ls.Levels {
			if _, ok := ls.Level(l.Name); !ok {
				t.Fatalf("level %q not found", l.Name)
			}
			for _, a := range applicants {
				_ = ls.Requirements(l.Name, a, at)
				for _, fe := range ls.ValidateApplicant(l.Name, a, at) {
					if fe.Code == "" || fe.Message.EN == "" {
						t.Fatalf("bad field error %+v", fe)
					}
				}
			}
		}
	})
}
