package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// TestDocumentReading: every uploaded photo of a readable kind is read in
// the background; the document JSON carries the reading (pending, then the
// kind it looks like, the reasons in the customer's language, and to the
// owner only the fields read), on both engines.
func TestDocumentReading(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) { documentReading(t, engine) })
	}
}

// reading polls GET /documents/{id} until its reading is no longer pending.
func reading(t *testing.T, srv *httptestServer, tok, id, lang string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := do(t, srv, "GET", "/api/v1/documents/"+id, tok, "", "Accept-Language", lang)
		if r.status != 200 {
			t.Fatalf("get document: %d %s", r.status, r.raw)
		}
		rd, _ := r.body["document"].(map[string]any)["reading"].(map[string]any)
		if rd == nil {
			t.Fatalf("no reading in %s", r.raw)
		}
		if rd["status"] != "pending" || time.Now().After(deadline) {
			return rd
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readingCodes(rd map[string]any) (codes, messages []string) {
	rs, _ := rd["reasons"].([]any)
	for _, r := range rs {
		m := r.(map[string]any)
		codes = append(codes, str(m["code"]))
		messages = append(messages, str(m["message"]))
	}
	return codes, messages
}

func documentReading(t *testing.T, engine string) {
	srv := newServer(t, engine)
	register(t, srv, `"email":"reader@example.com"`, "long enough pass")
	register(t, srv, `"email":"other@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"reader@example.com"`, "long enough pass")
	other := login(t, srv, `"email":"other@example.com"`, "long enough pass")
	const number = "11010519491231002X"
	testReader.set("reading", document.KindIDFront, verification.ReadFields{"name": hi(0.97, "李雷"), "id_number": hi(0.99, number),
		"address": hi(0.95, "北京市朝阳区1号")})
	testReader.set("reading", document.KindIDBack, verification.ReadFields{"valid_until": hi(0.95, "2020-01-01")})
	testReader.use("reading")

	// The upload answers at once; the reading follows.
	st, m := postMultipart(t, srv, tok, "id_front", fixture(t, "004_good.jpg"), "")
	doc, _ := m["document"].(map[string]any)
	rd0, _ := doc["reading"].(map[string]any)
	if st != 201 || rd0 == nil || (rd0["status"] != "pending" && rd0["status"] != "done") {
		t.Fatalf("upload: %d %v", st, m)
	}
	front := str(doc["id"])
	rd := reading(t, srv, tok, front, "en")
	fields, _ := rd["fields"].(map[string]any)
	name, _ := fields["name"].(map[string]any)
	num, _ := fields["id_number"].(map[string]any)
	if rd["status"] != "done" || rd["detected_kind"] != "id_front" || name["value"] != "李雷" || name["confidence"] != 0.97 || num["value"] != number {
		t.Fatalf("reading: %v", rd)
	}
	if _, ok := fields["address"]; ok {
		t.Errorf("the address is not part of the reading shown: %v", fields)
	}
	if codes, _ := readingCodes(rd); len(codes) != 0 {
		t.Errorf("reasons on a good front: %v", codes)
	}

	// A passport page in the ID-front slot: told at once what it looks like
	// and what is needed, in the customer's language.
	testReader.shows("reading", document.KindIDFront, "passport")
	defer testReader.shows("reading", document.KindIDFront, "id_front")
	_, m = postMultipart(t, srv, tok, "id_front", fixture(t, "012_good.jpg"), "")
	wrong := str(m["document"].(map[string]any)["id"])
	rd = reading(t, srv, tok, wrong, "en")
	codes, msgs := readingCodes(rd)
	if rd["detected_kind"] != "passport" || len(codes) != 1 || codes[0] != "DOCUMENT_WRONG_KIND" ||
		!strings.Contains(msgs[0], "passport page") || !strings.Contains(msgs[0], "ID card's front") {
		t.Fatalf("wrong kind (en): %v", rd)
	}
	rd = reading(t, srv, tok, wrong, "zh-CN")
	if _, msgs := readingCodes(rd); len(msgs) != 1 || !strings.Contains(msgs[0], "护照") || !strings.Contains(msgs[0], "身份证人像面") {
		t.Fatalf("wrong kind (zh): %v", rd)
	}

	// An expired back is refused at upload with the date read.
	_, m = postMultipart(t, srv, tok, "id_back", fixture(t, "010_good.jpg"), "")
	back := str(m["document"].(map[string]any)["id"])
	rd = reading(t, srv, tok, back, "zh-CN")
	codes, msgs = readingCodes(rd)
	if len(codes) != 1 || codes[0] != "DOCUMENT_EXPIRED" || !strings.Contains(msgs[0], "2020-01-01") {
		t.Fatalf("expired back: %v", rd)
	}

	// A refused photo and a kind without a reader are skipped.
	_, m = postMultipart(t, srv, tok, "id_back", fixture(t, "055_blurry.jpg"), "")
	if rd := m["document"].(map[string]any)["reading"].(map[string]any); rd["status"] != "skipped" {
		t.Fatalf("blurry photo: %v", rd)
	}
	_, m = postMultipart(t, srv, tok, "other", fixture(t, "012_good.jpg"), "")
	if rd := m["document"].(map[string]any)["reading"].(map[string]any); rd["status"] != "skipped" {
		t.Fatalf("visa (other): %v", rd)
	}

	// Nobody else sees it; staff see the reading without the fields.
	if r := do(t, srv, "GET", "/api/v1/documents/"+front, other, ""); r.status != 404 {
		t.Fatalf("another customer: %d %s", r.status, r.raw)
	}
	if _, err := lastAccounts.Register(context.Background(), identity.RegisterInput{Email: "rev2@example.com", Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
		t.Fatal(err)
	}
	rev := login(t, srv, `"email":"rev2@example.com"`, "reviewer password")
	r := do(t, srv, "GET", "/api/v1/documents/"+front, rev, "")
	if rd := r.body["document"].(map[string]any)["reading"].(map[string]any); r.status != 200 || rd["status"] != "done" ||
		len(rd["fields"].(map[string]any)) != 0 || strings.Contains(r.raw, number) {
		t.Fatalf("staff view: %d %s", r.status, r.raw)
	}

	// The pipeline finds it stored.
	if got, err := lastApp.Verifications.Readings.Reading(context.Background(), front); err != nil || got.Fields["id_number"].Value != number {
		t.Fatalf("stored reading: %+v %v", got, err)
	}
}

// A photo its upload-time reading refused (here an expired ID back) is
// named at submit, before an attempt is counted: submitting it could only
// end in a retry (found by the customer walk-through of issue 10).
func TestSubmitRefusedAtUpload(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) { submitRefusedAtUpload(t, engine) })
	}
}

func submitRefusedAtUpload(t *testing.T, engine string) {
	srv := newServer(t, engine)
	register(t, srv, `"email":"expired@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"expired@example.com"`, "long enough pass")
	const number = "110105199003072311"
	testReader.set("expired", document.KindIDFront, verification.ReadFields{"name": hi(0.99, "张三丰"), "id_number": hi(0.99, number)})
	testReader.set("expired", document.KindIDBack, verification.ReadFields{"valid_until": hi(0.99, "2020-01-01")})
	testReader.use("expired")

	id := str(view(do(t, srv, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`))["id"])
	if r := do(t, srv, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"张三丰","id_type":"cn_resident","id_number":"`+number+`","phone":"13500135017"}`); r.status != 200 {
		t.Fatalf("applicant: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, ""); r.status != 202 {
		t.Fatalf("send code: %d %s", r.status, r.raw)
	}
	code := testSender.code("+8613500135017")
	if r := do(t, srv, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+code+`"}`); r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.raw)
	}
	front := uploadDoc(t, srv, tok, "id_front", "004_good.jpg")
	back := uploadDoc(t, srv, tok, "id_back", "010_good.jpg")
	if codes, _ := readingCodes(reading(t, srv, tok, back, "en")); len(codes) != 1 || codes[0] != "DOCUMENT_EXPIRED" {
		t.Fatalf("expired back read as %v", codes)
	}
	for kind, doc := range map[string]string{"id_front": front, "id_back": back} {
		if r := do(t, srv, "POST", "/api/v1/verifications/"+id+"/documents", tok, `{"kind":"`+kind+`","document_id":"`+doc+`"}`); r.status != 200 {
			t.Fatalf("attach %s: %d %s", kind, r.status, r.raw)
		}
	}
	r := do(t, srv, "POST", "/api/v1/verifications/"+id+"/submit", tok, "", "Accept-Language", "zh-CN")
	if r.status != 400 || r.code() != "SUBMISSION_INCOMPLETE" || !strings.Contains(r.raw, `"code":"DOCUMENT_EXPIRED"`) ||
		!strings.Contains(r.raw, `"field":"id_back"`) || !strings.Contains(r.raw, "2020-01-01") {
		t.Fatalf("submit with an expired back: %d %s", r.status, r.raw)
	}
	v := view(do(t, srv, "GET", "/api/v1/verifications/"+id, tok, ""))
	if v["status"] != "draft" || v["attempts_left"] != float64(5) {
		t.Fatalf("after the refused submit: status %v, attempts left %v", v["status"], v["attempts_left"])
	}
	// The case's view says the same before any submit: the refused photo is
	// missing and its step is not done.
	if m, _ := json.Marshal(v["missing"]); !strings.Contains(string(m), `"code":"DOCUMENT_EXPIRED"`) {
		t.Fatalf("missing does not name the expired back: %s", m)
	}
	steps, _ := v["steps"].([]any)
	for _, st := range steps {
		if m, _ := st.(map[string]any); m["step"] == "documents:id_back" && m["done"] == true {
			t.Fatalf("the expired back's step shows done: %v", steps)
		}
	}
}
