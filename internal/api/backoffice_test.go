package api_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// submitCase fills a standard case as the test reader's card says and
// submits it, returning its id.
func submitCase(t *testing.T, srv *testServer, tok, name, number, phone string, extra string) string {
	t.Helper()
	base := srv.Server
	id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`))["id"])
	if r := do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"`+name+`","id_type":"cn_resident","id_number":"`+number+`","phone":"`+phone+`"`+extra+`}`); r.status != 200 {
		t.Fatalf("applicant: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, ""); r.status != 202 {
		t.Fatalf("send code: %d %s", r.status, r.raw)
	}
	p, _ := identity.NormalizePhone(phone)
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+testSender.code(p)+`"}`); r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.raw)
	}
	for kind, file := range map[string]string{"id_front": "004_good.jpg", "id_back": "010_good.jpg"} {
		doc := uploadDoc(t, base, tok, kind, file)
		if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/documents", tok, `{"kind":"`+kind+`","document_id":"`+doc+`"}`); r.status != 200 {
			t.Fatalf("attach %s: %d %s", kind, r.status, r.raw)
		}
	}
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, ""); r.status != 202 {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
	return id
}

// TestBackOffice: the queue lists a case waiting for a person; two
// reviewers racing to claim it get one claim; the holder asks for a new
// ID front photo with a comment, and the customer then sees that reason,
// the comment and only that step open; the other reviewer cannot decide a
// claimed case.
func TestBackOffice(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			base, _ := newServerDir(t, engine)
			srv := &testServer{base}
			const number = "110105199003072311"
			card := verification.ReadFields{"name": hi(0.99, "李四"), "id_number": hi(0.99, number), "birth_date": hi(0.99, "1990-03-07"), "sex": hi(0.99, "male")}
			testReader.set("li", document.KindIDFront, card)
			testReader.set("li", document.KindIDBack, verification.ReadFields{"valid_until": hi(0.99, "2036-01-01")})
			testReader.use("li")
			register(t, base, `"email":"li@example.com"`, "long enough pass")
			register(t, base, `"email":"li2@example.com"`, "long enough pass")
			first := login(t, base, `"email":"li@example.com"`, "long enough pass")
			second := login(t, base, `"email":"li2@example.com"`, "long enough pass")
			a := submitCase(t, srv, first, "李四", number, "13800138001", "")
			waitStatus(t, srv, first, a, "approved", "manual_review", "retry_required", "rejected")
			// The same identity on a second account: a person must look.
			cid := submitCase(t, srv, second, "李四", number, "13800138002", "")
			if v := waitStatus(t, srv, second, cid, "approved", "manual_review", "retry_required", "rejected"); v["status"] != "manual_review" {
				t.Fatalf("duplicate identity: %v", v)
			}
			ctx := context.Background()
			for _, e := range []string{"r1@example.com", "r2@example.com"} {
				if _, err := lastAccounts.Register(ctx, identity.RegisterInput{Email: e, Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
					t.Fatal(err)
				}
			}
			r1 := login(t, base, `"email":"r1@example.com"`, "reviewer password")
			r2 := login(t, base, `"email":"r2@example.com"`, "reviewer password")

			q := do(t, base, "GET", "/api/v1/review/queue?kind=manual_review&reason=DUPLICATE_IDENTITY", r1, "")
			items, _ := q.body["items"].([]any)
			if q.status != 200 || len(items) != 1 || items[0].(map[string]any)["case_id"] != cid {
				t.Fatalf("queue: %d %s", q.status, q.raw)
			}
			if q := do(t, base, "GET", "/api/v1/review/queue?kind=periodic_review", r1, ""); !strings.Contains(q.raw, `"total":0`) {
				t.Fatalf("filter by kind: %s", q.raw)
			}
			item := items[0].(map[string]any)["id"].(string)
			// Two reviewers claim at once: exactly one wins.
			var wg sync.WaitGroup
			codes := make([]int, 2)
			for i, tok := range []string{r1, r2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = try(base, "POST", "/api/v1/review/queue/"+item+"/claim", tok, "").status
				}()
			}
			wg.Wait()
			if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
				t.Fatalf("concurrent claims: %v", codes)
			}
			holder, other := r1, r2
			if codes[1] == 200 {
				holder, other = r2, r1
			}
			if q := do(t, base, "GET", "/api/v1/review/queue", other, ""); !strings.Contains(q.raw, `"claimed_by"`) {
				t.Fatalf("the queue does not show the claim: %s", q.raw)
			}
			if r := do(t, base, "POST", "/api/v1/review/verifications/"+cid+"/decision", other, `{"status":"approved"}`); r.status != 409 || r.code() != "ITEM_CLAIMED" {
				t.Fatalf("decided a case another holds: %d %s", r.status, r.raw)
			}
			// Ask for a new front photo only, with a message for the customer.
			r := do(t, base, "POST", "/api/v1/review/verifications/"+cid+"/decision", holder,
				`{"status":"retry_required","reasons":["DOCUMENT_UNREADABLE@id_front"],"comment":"请在光线充足处重新拍摄人像面。","note":"glare on the photo"}`)
			if r.status != 200 || r.body["status"] != "retry_required" {
				t.Fatalf("ask for a new photo: %d %s", r.status, r.raw)
			}
			v := view(do(t, base, "GET", "/api/v1/verifications/"+cid, second, ""))
			raw := do(t, base, "GET", "/api/v1/verifications/"+cid, second, "").raw
			if v["status"] != "retry_required" || v["reviewer_comment"] != "请在光线充足处重新拍摄人像面。" ||
				!strings.Contains(strings.Join(reasonCodes(v), ","), "DOCUMENT_UNREADABLE") || strings.Contains(raw, "glare on the photo") {
				t.Fatalf("customer view after the request: %s", raw)
			}
			var redo []string
			for _, s := range v["steps"].([]any) {
				if st := s.(map[string]any); st["redo"] == true {
					redo = append(redo, str(st["step"]))
				}
			}
			if strings.Join(redo, ",") != "documents:id_front" {
				t.Fatalf("the steps opened again: %v (want only documents:id_front) %s", redo, raw)
			}
			// A suspicious-activity report draft: the identity in clear, audited.
			if r := do(t, base, "POST", "/api/v1/review/cases/"+cid+"/report", holder, `{"narrative":"两个账户使用同一身份。"}`); r.status != 201 ||
				!strings.Contains(r.raw, `"full_name":"李四"`) || !strings.Contains(r.raw, "两个账户使用同一身份。") {
				t.Fatalf("report: %d %s", r.status, r.raw)
			}
			if r := do(t, base, "POST", "/api/v1/review/queue/"+item+"/release", holder, ""); r.status != 204 {
				t.Fatalf("release: %d %s", r.status, r.raw)
			}
			if r := do(t, base, "POST", "/api/v1/review/queue/"+item+"/release", holder, ""); r.status != 404 {
				t.Fatalf("release twice: %d %s", r.status, r.raw)
			}
		})
	}
}

// TestHighRiskCase: with the customer's nationality on the high-risk list,
// the machine does not approve the case: it asks for the EDD data first,
// then sends it to a reviewer; the customer's risk is high with a
// periodic review a year out, and approving needs two reviewers.
func TestHighRiskCase(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			rules := review.DefaultRiskRules()
			rules.HighRiskCountries = []string{"CHN"}
			base, _ := newServerWith(t, engine, func(o *app.Options) { o.Risk = &rules })
			srv := &testServer{base}
			const number = "110105199003072311"
			testReader.set("wang", document.KindIDFront, verification.ReadFields{"name": hi(0.99, "王五"), "id_number": hi(0.99, number), "birth_date": hi(0.99, "1990-03-07"), "sex": hi(0.99, "male")})
			testReader.set("wang", document.KindIDBack, verification.ReadFields{"valid_until": hi(0.99, "2036-01-01")})
			testReader.use("wang")
			register(t, base, `"email":"wang@example.com"`, "long enough pass")
			tok := login(t, base, `"email":"wang@example.com"`, "long enough pass")
			cid := submitCase(t, srv, tok, "王五", number, "13800138003", "")
			v := waitStatus(t, srv, tok, cid, "approved", "manual_review", "retry_required", "rejected")
			if v["status"] != "retry_required" || !strings.Contains(strings.Join(reasonCodes(v), ","), "EDD_REQUIRED") {
				t.Fatalf("high risk at the standard level: %v", v)
			}
			ctx := context.Background()
			for _, e := range []string{"h1@example.com", "h2@example.com"} {
				if _, err := lastAccounts.Register(ctx, identity.RegisterInput{Email: e, Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
					t.Fatal(err)
				}
			}
			h1 := login(t, base, `"email":"h1@example.com"`, "reviewer password")
			me := do(t, base, "GET", "/api/v1/me", tok, "")
			uid := me.body["user"].(map[string]any)["id"].(string)
			rk := do(t, base, "GET", "/api/v1/review/customers/"+uid+"/risk", h1, "")
			risk, _ := rk.body["risk"].(map[string]any)
			next, _ := time.Parse(time.RFC3339Nano, str(risk["next_review_at"]))
			if risk["level"] != "high" || !strings.Contains(rk.raw, "HIGH_RISK_COUNTRY:CHN") || next.Sub(time.Now().AddDate(1, 0, 0)).Abs() > time.Hour {
				t.Fatalf("risk: %s", rk.raw)
			}
			// The EDD data given, the case goes to a person, not to approval.
			if r := do(t, base, "PUT", "/api/v1/verifications/"+cid+"/applicant", tok,
				`{"full_name":"王五","id_type":"cn_resident","id_number":"`+number+`","phone":"13800138003","address":"北京市朝阳区","occupation":"engineer","source_of_funds":"salary"}`); r.status != 200 {
				t.Fatalf("EDD data: %d %s", r.status, r.raw)
			}
			// … and the enhanced level's selfie (edd_test.go follows it through the face checks).
			st, m := postMultipart(t, base, tok, "selfie", selfieJPEG(t), "")
			if st != 201 {
				t.Fatalf("selfie upload: %d %v", st, m)
			}
			if r := do(t, base, "POST", "/api/v1/verifications/"+cid+"/documents", tok, `{"kind":"selfie","document_id":"`+m["document"].(map[string]any)["id"].(string)+`"}`); r.status != 200 {
				t.Fatalf("attach the selfie: %d %s", r.status, r.raw)
			}
			if r := do(t, base, "POST", "/api/v1/verifications/"+cid+"/submit", tok, ""); r.status != 202 {
				t.Fatalf("resubmit: %d %s", r.status, r.raw)
			}
			if v := waitStatus(t, srv, tok, cid, "approved", "manual_review", "rejected"); v["status"] != "manual_review" {
				t.Fatalf("high risk with EDD data: %v", v)
			}
			// A high-risk approval needs a second reviewer.
			if r := do(t, base, "POST", "/api/v1/review/verifications/"+cid+"/decision", h1, `{"status":"approved"}`); r.status != 202 {
				t.Fatalf("first approval: %d %s", r.status, r.raw)
			}
			h2 := login(t, base, `"email":"h2@example.com"`, "reviewer password")
			if r := do(t, base, "POST", "/api/v1/review/verifications/"+cid+"/decision", h2, `{"status":"approved"}`); r.status != 200 || r.body["status"] != "approved" {
				t.Fatalf("second approval: %d %s", r.status, r.raw)
			}
		})
	}
}
