package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/identity"
)

// TestSensitiveConsentRequired: an ID number or a document photo is not
// saved to a verification before the separate consent (PIPL art. 29), on
// both engines; the refusal says why in both languages.
func TestSensitiveConsentRequired(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			base := newServer(t, engine)
			register(t, base, `"email":"pipl@example.com"`, "long enough pass")
			r := do(t, base, "POST", "/api/v1/auth/login", "", `{"email":"pipl@example.com","password":"long enough pass"}`)
			tok, _ := r.body["token"].(string)
			id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`))["id"])
			if id == "" {
				t.Fatal("no case")
			}
			put := `{"full_name":"张三丰","id_type":"cn_resident","id_number":"110105199003072311","phone":"13800138000"}`
			r = do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok, put)
			if r.status != 403 || r.code() != "SENSITIVE_CONSENT_REQUIRED" || !strings.Contains(r.message(), "sensitive") {
				t.Fatalf("applicant before consent: %d %s", r.status, r.raw)
			}
			r = do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok, put, "Accept-Language", "zh-CN")
			if r.status != 403 || !strings.Contains(r.message(), "敏感个人信息") {
				t.Fatalf("applicant before consent, zh: %d %s", r.status, r.raw)
			}
			// Name and phone alone are not sensitive: saved.
			if r := do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok, `{"full_name":"张三丰","phone":"13800138000"}`); r.status == 403 {
				t.Fatalf("name alone refused: %s", r.raw)
			}
			// A photo is not kept before the consent.
			if st, m := postMultipart(t, base, tok, "id_front", fixture(t, "004_good.jpg"), ""); st != 403 || !strings.Contains(fmt.Sprint(m), "SENSITIVE_CONSENT_REQUIRED") {
				t.Fatalf("document upload before consent: %d %v", st, m)
			}
			for _, tc := range []struct{ body, code string }{
				{`{"kind":"marketing","version":"` + identity.DefaultPrivacyVersion + `"}`, "CONSENT_KIND_UNKNOWN"},
				{`{"kind":"sensitive_personal_info","version":"2020-01-01"}`, "CONSENT_VERSION_OUTDATED"},
				{`{"kind":"sensitive_personal_info"}`, "CONSENT_VERSION_OUTDATED"},
			} {
				if r := do(t, base, "POST", "/api/v1/consents", tok, tc.body); r.status != 400 || r.code() != tc.code {
					t.Fatalf("%s: %d %s", tc.body, r.status, r.raw)
				}
			}
			if r := do(t, base, "POST", "/api/v1/consents", "", `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`); r.status != 401 {
				t.Fatalf("consent without login: %d", r.status)
			}
			if r := do(t, base, "POST", "/api/v1/consents", tok, `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`); r.status != 201 ||
				!strings.Contains(r.raw, `"document":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"`) {
				t.Fatalf("consent: %d %s", r.status, r.raw)
			}
			if r := do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok, put); r.status != 200 {
				t.Fatalf("applicant after consent: %d %s", r.status, r.raw)
			}
			doc := uploadDoc(t, base, tok, "id_front", "004_good.jpg")
			if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/documents", tok, `{"kind":"id_front","document_id":"`+doc+`"}`); r.status != 200 {
				t.Fatalf("document after consent: %d %s", r.status, r.raw)
			}
			me := do(t, base, "GET", "/api/v1/me", tok, "")
			if !strings.Contains(me.raw, `"document":"sensitive_personal_info"`) {
				t.Fatalf("me: %s", me.raw)
			}
		})
	}
}
