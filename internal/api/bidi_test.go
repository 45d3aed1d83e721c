package api_test

import (
	"strings"
	"testing"
)

// TestBidiControlsInApplicant: a right-to-left override (and every other
// bidi control) in a name, an address or an occupation is stripped before
// it is stored.
func TestBidiControlsInApplicant(t *testing.T) {
	base := newServer(t, "sqlite")
	register(t, base, `"email":"bidi@example.com"`, "long enough pass")
	tok := login(t, base, `"email":"bidi@example.com"`, "long enough pass")
	id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"enhanced"}`))["id"])
	r := do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"周\u202e杰","id_type":"cn_resident","id_number":"110105199003072311","phone":"13512345678",
		  "address":"北京市\u202e朝阳区\u2066建国路1号\u2069","occupation":"\u200f工程\u200b师\u061c\ufeff","source_of_funds":"工\u00ad资\u202d"}`)
	if r.status != 200 {
		t.Fatalf("applicant: %d %s", r.status, r.raw)
	}
	got := do(t, base, "GET", "/api/v1/verifications/"+id, tok, "")
	a, _ := view(got)["applicant"].(map[string]any)
	if a["full_name"] != "周杰" || a["address"] != "北京市朝阳区建国路1号" || a["occupation"] != "工程师" || a["source_of_funds"] != "工资" {
		t.Fatalf("stored: %v", a)
	}
	for _, c := range "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\ufeff\u00ad" {
		if strings.ContainsRune(got.raw, c) {
			t.Fatalf("U+%04X stored: %s", c, got.raw)
		}
	}
}
