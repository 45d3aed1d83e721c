package checkcmd

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

func fixedNow() time.Time { return time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC) }

const (
	td3L1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
	td3L2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
	td1L1 = "I<UTOD231458907<<<<<<<<<<<<<<<"
	td1L2 = "7408122F1204159UTO<<<<<<<<<<<6"
	td1L3 = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		code      int
		want      map[string]any // top-level JSON fields that must have these values
		reasons   []string       // reason codes, in order
		stdoutHas string
		stderrHas string
	}{
		{name: "resident valid", args: []string{"id-number", "11010519491231002X"}, code: 0,
			want: map[string]any{"valid": true, "type": "cn_resident", "birth_date": "1949-12-31", "sex": "female", "age": 76.0, "minor": false,
				"region": map[string]any{"code": "110105", "name": "北京市朝阳区"}}, reasons: []string{}},
		{name: "resident lower-case x, explicit type", args: []string{"id-number", "--type", "cn_resident", "11010519491231002x"}, code: 0,
			want: map[string]any{"valid": true, "type": "cn_resident"}, reasons: []string{}},
		{name: "resident check character", args: []string{"id-number", "110105194912310021"}, code: 1,
			want: map[string]any{"valid": false}, reasons: []string{"ID_CHECK_CHARACTER"}, stdoutHas: "mistyped"},
		{name: "resident check character in Chinese", args: []string{"id-number", "--lang", "zh-CN", "110105194912310021"}, code: 1,
			reasons: []string{"ID_CHECK_CHARACTER"}, stdoutHas: "校验位"},
		{name: "flag after the number", args: []string{"id-number", "110105194912310021", "--lang", "zh-CN"}, code: 1,
			stdoutHas: "校验位"},
		{name: "minor at a given date", args: []string{"id-number", "--at", "1960-01-01", "11010519491231002X"}, code: 0,
			want: map[string]any{"age": 10.0, "minor": true}},
		{name: "born after --at", args: []string{"id-number", "--at", "1949-12-30", "11010519491231002X"}, code: 1,
			reasons: []string{"ID_BIRTH_DATE_FUTURE"}, stdoutHas: "1949-12-31"},
		{name: "first generation", args: []string{"id-number", "110105491231002"}, code: 1, reasons: []string{"ID_FIRST_GENERATION"}},
		{name: "permanent residence 2023", args: []string{"id-number", "911398199012310021"}, code: 0,
			want: map[string]any{"type": "foreign_permanent", "nationality": "KAZ", "version": "2023"}},
		{name: "HK travel permit", args: []string{"id-number", "--type", "hk_macau_travel", "H12345678"}, code: 0,
			want: map[string]any{"type": "hk_macau_travel", "issuer": "HK"}},
		{name: "type mismatch", args: []string{"id-number", "--type", "tw_travel", "H12345678"}, code: 1, reasons: []string{"ID_TYPE_MISMATCH"}},
		{name: "id-number without number", args: []string{"id-number"}, code: 2, stderrHas: "exactly one NUMBER"},
		{name: "id-number two numbers", args: []string{"id-number", "1", "2"}, code: 2, stderrHas: "exactly one NUMBER"},
		{name: "bad type", args: []string{"id-number", "--type", "passport", "X"}, code: 2, stderrHas: "unknown --type"},
		{name: "bad date", args: []string{"id-number", "--at", "2026-02-30", "X"}, code: 2, stderrHas: "not a date"},
		{name: "unknown flag", args: []string{"id-number", "--bogus", "X"}, code: 2, stderrHas: "bogus"},

		{name: "TD3 specimen at issue", args: []string{"mrz", "--at", "2010-01-01", td3L1, td3L2}, code: 0,
			want: map[string]any{"valid": true, "format": "TD3", "document_type": "P", "issuing_state": "UTO", "document_number": "L898902C3",
				"nationality": "UTO", "birth_date": "1974-08-12", "sex": "F", "expiry_date": "2012-04-15", "surname": "ERIKSSON", "given_names": "ANNA MARIA"},
			reasons: []string{"MRZ_SPECIMEN"}},
		{name: "TD3 specimen today is expired", args: []string{"mrz", td3L1, td3L2}, code: 1, reasons: []string{"MRZ_SPECIMEN", "MRZ_EXPIRED"}},
		{name: "TD1 specimen as one argument", args: []string{"mrz", "--at", "2010-01-01", td1L1 + "\n" + td1L2 + "\n" + td1L3}, code: 0,
			want: map[string]any{"format": "TD1", "document_number": "D23145890"}},
		{name: "MRZ composite", args: []string{"mrz", "--at", "2010-01-01", td3L1, td3L2[:43] + "1"}, code: 1,
			reasons: []string{"MRZ_SPECIMEN", "MRZ_CHECK_COMPOSITE"}},
		{name: "MRZ one line", args: []string{"mrz", td3L1}, code: 2, stderrHas: "2 or 3"},
		{name: "MRZ four lines", args: []string{"mrz", "a", "b", "c", "d"}, code: 2, stderrHas: "2 or 3"},

		{name: "name one fewer", args: []string{"name", "--expected", "阿依古丽·买买提", "阿依古丽.买买"}, code: 1,
			want: map[string]any{"valid": false, "match": false, "expected": "阿依古丽·买买提", "typed": "阿依古丽·买买",
				"diffs": []any{map[string]any{"kind": "missing", "position": 8.0, "expected": "提"}}},
			reasons: []string{"NAME_MISSING_CHARACTER"}, stdoutHas: "one character fewer"},
		{name: "name match after normalisation", args: []string{"name", "--expected", "ANNA MARIA", "ａｎｎａ　ｍａｒｉａ"}, code: 0,
			want: map[string]any{"valid": true, "match": true}, reasons: []string{}},
		{name: "name plausibility", args: []string{"name", "张3"}, code: 1, reasons: []string{"NAME_CHARACTER"}},
		{name: "name plausible", args: []string{"name", "阿依古丽 • 买买提"}, code: 0, want: map[string]any{"normalized": "阿依古丽·买买提", "script": "han"}},
		{name: "name without argument", args: []string{"name", "--expected", "张三"}, code: 2, stderrHas: "TYPED"},

		{name: "phone mainland", args: []string{"phone", "138 1234 5678"}, code: 0,
			want: map[string]any{"valid": true, "e164": "+8613812345678", "region": "CN", "mobile": true}, reasons: []string{}},
		{name: "phone international", args: []string{"phone", "+852 6123 4567"}, code: 0, want: map[string]any{"e164": "+85261234567", "region": "HK"}},
		{name: "phone other default region", args: []string{"phone", "--region", "hk", "6123 4567"}, code: 0, want: map[string]any{"e164": "+85261234567"}},
		{name: "phone landline is a warning", args: []string{"phone", "010 6552 9988"}, code: 0, reasons: []string{"PHONE_NOT_MOBILE"}},
		{name: "phone invalid", args: []string{"phone", "12345678901"}, code: 1, reasons: []string{"PHONE_INVALID"}},
		{name: "phone missing", args: []string{"phone"}, code: 2, stderrHas: "NUMBER"},

		{name: "no subcommand", args: nil, code: 2, stderrHas: "usage: veriwallet check"},
		{name: "unknown subcommand", args: []string{"passport"}, code: 2, stderrHas: `unknown subcommand "passport"`},
		{name: "help", args: []string{"--help"}, code: 0, stdoutHas: "check id-number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(tt.args, &stdout, &stderr, fixedNow)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			if tt.stdoutHas != "" && !strings.Contains(stdout.String(), tt.stdoutHas) {
				t.Errorf("stdout %q does not contain %q", stdout.String(), tt.stdoutHas)
			}
			if tt.stderrHas != "" && !strings.Contains(stderr.String(), tt.stderrHas) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tt.stderrHas)
			}
			if code == 2 {
				if stdout.Len() != 0 {
					t.Errorf("usage error wrote to stdout: %q", stdout.String())
				}
				return
			}
			if tt.want == nil && tt.reasons == nil {
				return
			}
			var got map[string]any
			if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
			}
			for k, v := range tt.want {
				gj, _ := json.Marshal(got[k])
				wj, _ := json.Marshal(v)
				if string(gj) != string(wj) {
					t.Errorf("%s = %s, want %s", k, gj, wj)
				}
			}
			if tt.reasons != nil {
				rs, ok := got["reasons"].([]any)
				if !ok {
					t.Fatalf("reasons missing or not a list: %v", got["reasons"])
				}
				var gotCodes []string
				for _, r := range rs {
					m := r.(map[string]any)
					gotCodes = append(gotCodes, m["code"].(string))
					if m["message"] == "" || m["hint"] == "" {
						t.Errorf("reason without message or hint: %v", m)
					}
				}
				if strings.Join(gotCodes, ",") != strings.Join(tt.reasons, ",") {
					t.Errorf("reasons = %v, want %v", gotCodes, tt.reasons)
				}
			}
			if got["valid"] != (code == 0) {
				t.Errorf("valid = %v with exit %d", got["valid"], code)
			}
		})
	}
}

func TestRegister(t *testing.T) {
	Register("test-echo", "ARG  echo ARG", func(args []string, stdout, _ io.Writer, now func() time.Time) int {
		io.WriteString(stdout, strings.Join(args, " ")+" "+now().Format("2006"))
		return 1
	})
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"test-echo", "a", "b"}, &stdout, &stderr, fixedNow); code != 1 || stdout.String() != "a b 2026" {
		t.Errorf("exit %d, stdout %q", code, stdout.String())
	}
	stdout.Reset()
	Run([]string{"help"}, &stdout, &stderr, fixedNow)
	if !strings.Contains(stdout.String(), "check test-echo ARG  echo ARG") {
		t.Errorf("help does not list the new subcommand:\n%s", stdout.String())
	}
	for _, bad := range []func(){
		func() {
			Register("test-echo", "", func([]string, io.Writer, io.Writer, func() time.Time) int { return 0 })
		},
		func() { Register("", "", func([]string, io.Writer, io.Writer, func() time.Time) int { return 0 }) },
		func() { Register("x", "", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("bad Register did not panic")
				}
			}()
			bad()
		}()
	}
}

func TestParseInterleaved(t *testing.T) {
	var c common
	fs := newFlagSet("t", io.Discard, &c, true)
	pos, err := parseInterleaved(fs, []string{"a", "--lang", "zh-CN", "b", "--", "--at", "c"})
	if err != nil || strings.Join(pos, "|") != "a|b|--at|c" || c.lang != "zh-CN" || c.at != "" {
		t.Errorf("pos %q, err %v, lang %q, at %q", pos, err, c.lang, c.at)
	}
}
