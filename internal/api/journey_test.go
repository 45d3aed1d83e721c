package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// TestJourneyFixes covers the API side of issue 10 on both engines: draft
// saves answer 200 with the field list (the default stays 400); the case
// carries its short number; a submitted case says "checking", not "under
// review"; a resubmission that changed nothing is refused before it counts;
// a photo taken again on a retry makes its step done.
func TestJourneyFixes(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) { journeyFixes(t, engine) })
	}
}

func journeyFixes(t *testing.T, engine string) {
	base, _ := newServerDir(t, engine)
	srv := &testServer{base}
	register(t, base, `"email":"journey@example.com"`, "long enough pass")
	tok := login(t, base, `"email":"journey@example.com"`, "long enough pass")
	const number = "110105199003072311"
	// The front is read with a doubtful name: a retake is asked for.
	testReader.set("journey", document.KindIDFront, verification.ReadFields{"name": hi(0.4, "张三木"), "id_number": hi(0.99, number),
		"birth_date": hi(0.99, "1990-03-07"), "sex": hi(0.99, "male")})
	testReader.set("journey", document.KindIDBack, verification.ReadFields{"valid_until": hi(0.99, "2036-01-01")})
	testReader.use("journey")

	c := do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`)
	id := str(view(c)["id"])
	if cn := str(view(c)["case_number"]); cn != strings.ToUpper(id[4:12]) || len(cn) != 8 {
		t.Fatalf("case number %q for %s", cn, id)
	}
	// The steps are those of the ID card from the start (no step appears
	// after the first save).
	if steps := view(c)["steps"].([]any); len(steps) != 4 || steps[2].(map[string]any)["step"] != "documents:id_front" {
		t.Fatalf("steps of a new case: %v", steps)
	}
	stepDone := func(v map[string]any, step string) (done, redo bool) {
		for _, s := range v["steps"].([]any) {
			m := s.(map[string]any)
			if m["step"] == step {
				return m["done"] == true, m["redo"] == true
			}
		}
		t.Fatalf("no step %s in %v", step, v["steps"])
		return
	}
	for _, st := range []string{"applicant", "phone", "documents:id_front", "documents:id_back"} {
		if done, _ := stepDone(view(c), st); done {
			t.Fatalf("a new case's step %s is done: %v", st, view(c)["steps"])
		}
	}

	// Draft mode: 200 with the same field list; the default stays 400.
	bad := `{"full_name":"张三","id_type":"cn_resident","id_number":"110105199003072319","phone":"12"}`
	d := do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant?draft=1", tok, bad)
	strict := do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok, bad)
	fields, _ := d.body["fields"].([]any)
	if d.status != 200 || len(fields) != 2 || strict.status != 400 || strict.code() != "APPLICANT_INVALID" {
		t.Fatalf("draft %d %s / strict %d %s", d.status, d.raw, strict.status, strict.raw)
	}
	if strictFields := strict.body["error"].(map[string]any)["fields"].([]any); len(strictFields) != len(fields) ||
		fields[0].(map[string]any)["code"] != strictFields[0].(map[string]any)["code"] {
		t.Fatalf("draft fields %v differ from %v", fields, strictFields)
	}
	if ok := do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant?draft=1", tok,
		`{"full_name":"张三丰","id_type":"cn_resident","id_number":"`+number+`","phone":"13800138000"}`); ok.status != 200 || ok.raw == "" ||
		len(ok.body["fields"].([]any)) != 0 {
		t.Fatalf("draft without errors: %d %s", ok.status, ok.raw)
	}
	do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, "")
	do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+testSender.code("+8613800138000")+`"}`)
	attach := func(kind, file string) {
		doc := uploadDoc(t, base, tok, kind, file)
		if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/documents", tok, `{"kind":"`+kind+`","document_id":"`+doc+`"}`); r.status != 200 {
			t.Fatalf("attach %s: %d %s", kind, r.status, r.raw)
		}
	}
	attach("id_front", "004_good.jpg")
	attach("id_back", "010_good.jpg")

	s := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, "", "Accept-Language", "zh-CN", "Idempotency-Key", "journey-1")
	if s.status != 202 || strings.Join(reasonCodes(view(s)), ",") != "CHECKING@" || !strings.Contains(s.raw, "通常只需几秒钟") {
		t.Fatalf("a submitted case should say it is being checked: %d %s", s.status, s.raw)
	}
	v := waitStatus(t, srv, tok, id, "retry_required", "approved", "manual_review", "rejected")
	if v["status"] != "retry_required" {
		t.Fatalf("want a retake: %v", v)
	}
	if done, redo := stepDone(v, "documents:id_front"); done || !redo {
		t.Fatalf("the front should be asked for again: done %v redo %v", done, redo)
	}
	// The first submission's request retried after its decision is its
	// replay, not an unchanged resubmission.
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, "", "Idempotency-Key", "journey-1"); r.status != 202 {
		t.Fatalf("replayed submit: %d %s", r.status, r.raw)
	}

	// Nothing changed: refused before it counts, naming the step.
	for _, lang := range []string{"en", "zh-CN"} {
		r := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, "", "Accept-Language", lang)
		want := "Photo: ID card, side with your photo"
		if lang == "zh-CN" {
			want = "照片：身份证人像面"
		}
		if r.status != 409 || r.code() != "RESUBMIT_UNCHANGED" || !strings.Contains(r.raw, want) || !strings.Contains(r.raw, `"steps":["documents:id_front"]`) {
			t.Fatalf("unchanged resubmission (%s): %d %s", lang, r.status, r.raw)
		}
	}
	// Saving the same data again changes nothing either.
	do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"张三丰","id_type":"cn_resident","id_number":"`+number+`","phone":"13800138000"}`)
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, ""); r.code() != "RESUBMIT_UNCHANGED" {
		t.Fatalf("same data saved again: %d %s", r.status, r.raw)
	}
	v = view(do(t, base, "GET", "/api/v1/verifications/"+id, tok, ""))
	if v["attempts_left"].(float64) != 4 {
		t.Fatalf("refused resubmissions used attempts: %v left", v["attempts_left"])
	}

	// A new photo of the front: its step is done at once.
	testReader.set("journey", document.KindIDFront, verification.ReadFields{"name": hi(0.99, "张三丰"), "id_number": hi(0.99, number),
		"birth_date": hi(0.99, "1990-03-07"), "sex": hi(0.99, "male")})
	attach("id_front", "012_good.jpg")
	v = view(do(t, base, "GET", "/api/v1/verifications/"+id, tok, ""))
	if done, redo := stepDone(v, "documents:id_front"); !done || redo {
		t.Fatalf("the new front should count as done: done %v redo %v", done, redo)
	}
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, ""); r.status != 202 {
		t.Fatalf("resubmit with a new photo: %d %s", r.status, r.raw)
	}
	if v := waitStatus(t, srv, tok, id, "approved", "retry_required", "manual_review", "rejected"); v["status"] != "approved" {
		t.Fatalf("after the new photo: %v", v)
	}

	// Staff find the case by the number the customer quotes.
	if _, err := lastAccounts.Register(context.Background(), identity.RegisterInput{Email: "desk@example.com", Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
		t.Fatal(err)
	}
	rev := login(t, base, `"email":"desk@example.com"`, "reviewer password")
	short := strings.ToLower(id[4:12])
	if r := do(t, base, "GET", "/api/v1/review/verifications/"+short, rev, ""); r.status != 200 || !strings.Contains(r.raw, `"id":"`+id+`"`) {
		t.Fatalf("review by case number: %d %.300s", r.status, r.raw)
	}
	if r := do(t, base, "GET", "/api/v1/review/verifications/0BADCAFE", rev, ""); r.status != 404 {
		t.Fatalf("unknown case number: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "GET", "/api/v1/review/verifications/"+short, tok, ""); r.status != 403 {
		t.Fatalf("a customer used the review lookup: %d", r.status)
	}
}
