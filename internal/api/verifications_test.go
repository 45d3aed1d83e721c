package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// cardReader stands in for the OCR engines in API tests: it "reads" the
// fields the test says are printed on the card. (internal/ocr has its own
// tests on rendered documents.)
type cardReader struct {
	mu     sync.Mutex
	fields map[string]verification.ReadFields // by user-chosen card label
	kinds  map[string]string                  // what a card's photo looks like, when not what it was filed as
	next   string
}

func (r *cardReader) Available() error    { return nil }
func (r *cardReader) CanRead(string) bool { return true }
func (r *cardReader) Read(ctx context.Context, kind document.Kind, img []byte) (verification.Reading, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.fields[r.next+"/"+string(kind)]
	// The photo shows what it was filed as, unless the test says otherwise.
	shows := string(kind)
	if k, ok := r.kinds[r.next+"/"+string(kind)]; ok {
		shows = k
	}
	return verification.Reading{Fields: f, Kind: shows, KindConfidence: 0.99, Engine: "test-reader", Version: "1"}, nil
}

// shows makes the card's photo filed as kind classify as another kind.
func (r *cardReader) shows(card string, kind document.Kind, looksLike string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kinds == nil {
		r.kinds = map[string]string{}
	}
	r.kinds[card+"/"+string(kind)] = looksLike
}

func (r *cardReader) set(card string, kind document.Kind, f verification.ReadFields) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fields == nil {
		r.fields = map[string]verification.ReadFields{}
	}
	r.fields[card+"/"+string(kind)] = f
}

func (r *cardReader) use(card string) { r.mu.Lock(); r.next = card; r.mu.Unlock() }

type codeSender struct {
	mu   sync.Mutex
	last map[string]string
}

func (s *codeSender) SendCode(ctx context.Context, phone, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = map[string]string{}
	}
	s.last[phone] = code
	return nil
}

func (s *codeSender) code(phone string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last[phone]
}

var (
	testReader = &cardReader{}
	testSender = &codeSender{}
)

func hi(conf float64, v string) verification.ReadField {
	return verification.ReadField{Value: v, Confidence: conf}
}

func view(r resp) map[string]any { v, _ := r.body["verification"].(map[string]any); return v }

func waitStatus(t *testing.T, srv *testServer, tok, id string, want ...string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		r := do(t, srv.Server, "GET", "/api/v1/verifications/"+id, tok, "")
		v := view(r)
		for _, w := range want {
			if v["status"] == w {
				return v
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	r := do(t, srv.Server, "GET", "/api/v1/verifications/"+id, tok, "")
	t.Fatalf("case %s never reached %v: %s", id, want, r.raw)
	return nil
}

func reasonCodes(v map[string]any) []string {
	var out []string
	rs, _ := v["reasons"].([]any)
	for _, r := range rs {
		out = append(out, r.(map[string]any)["code"].(string)+"@"+str(r.(map[string]any)["field"]))
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }

func TestVerificationFlow(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) { verificationFlow(t, engine) })
	}
}

func verificationFlow(t *testing.T, engine string) {
	base, _ := newServerDir(t, engine)
	srv := &testServer{base}
	register(t, base, `"email":"zhang@example.com"`, "long enough pass")
	register(t, base, `"email":"copycat@example.com"`, "long enough pass")
	tok := login(t, base, `"email":"zhang@example.com"`, "long enough pass")
	copycat := login(t, base, `"email":"copycat@example.com"`, "long enough pass")

	// The card says 张三丰, born 1990-03-07, male.
	const number = "110105199003072311"
	card := verification.ReadFields{"name": hi(0.99, "张三丰"), "id_number": hi(0.99, number), "birth_date": hi(0.99, "1990-03-07"), "sex": hi(0.99, "male")}
	testReader.set("zhang", document.KindIDFront, card)
	testReader.set("zhang", document.KindIDBack, verification.ReadFields{"valid_until": hi(0.99, "2036-01-01")})
	testReader.use("zhang")

	// An Idempotency-Key makes one case, however often it is sent.
	c1 := do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`, "Idempotency-Key", "create-1")
	c2 := do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`, "Idempotency-Key", "create-1")
	id := str(view(c1)["id"])
	if c1.status != 201 || id == "" || str(view(c2)["id"]) != id {
		t.Fatalf("idempotent create: %s / %s", c1.raw, c2.raw)
	}
	if list := do(t, base, "GET", "/api/v1/verifications", tok, ""); strings.Count(list.raw, `"id":"ver_`) != 1 {
		t.Fatalf("two cases: %s", list.raw)
	}

	// Field errors come at once, and what was typed is kept.
	r := do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"张三","id_type":"cn_resident","id_number":"110105199003072319","phone":"12"}`)
	if r.status != 400 || r.code() != "APPLICANT_INVALID" || !strings.Contains(r.raw, `"field":"id_number"`) || !strings.Contains(r.raw, `"field":"phone"`) {
		t.Fatalf("field errors: %d %s", r.status, r.raw)
	}
	// Typed name "张三" (one character fewer than the card's 张三丰).
	r = do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"张三","id_type":"cn_resident","id_number":"`+number+`","phone":"13800138000"}`)
	if r.status != 200 {
		t.Fatalf("applicant: %d %s", r.status, r.raw)
	}
	// Submitting now is refused without using an attempt: phone and photos missing.
	r = do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, "")
	if r.status != 400 || r.code() != "SUBMISSION_INCOMPLETE" || !strings.Contains(r.raw, "PHONE_NOT_CONFIRMED") {
		t.Fatalf("incomplete submit: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, ""); r.status != 202 {
		t.Fatalf("send code: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"000000x"}`); r.code() != "PHONE_CODE_WRONG" {
		t.Fatalf("wrong code: %s", r.raw)
	}
	code := testSender.code("+8613800138000")
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+code+`"}`); r.status != 200 || view(r)["applicant"].(map[string]any)["phone_confirmed"] != true {
		t.Fatalf("confirm: %d %s", r.status, r.raw)
	}
	front := uploadDoc(t, base, tok, "id_front", "004_good.jpg")
	back := uploadDoc(t, base, tok, "id_back", "010_good.jpg")
	for kind, doc := range map[string]string{"id_front": front, "id_back": back} {
		if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/documents", tok, `{"kind":"`+kind+`","document_id":"`+doc+`"}`); r.status != 200 {
			t.Fatalf("attach %s: %d %s", kind, r.status, r.raw)
		}
	}
	// A front photo cannot be attached as the back.
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/documents", tok, `{"kind":"id_back","document_id":"`+front+`"}`); r.code() != "DOCUMENT_KIND_MISMATCH" {
		t.Fatalf("kind mismatch: %s", r.raw)
	}

	// Submit twice with one key: one submission.
	s1 := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, "", "Idempotency-Key", "submit-1")
	s2 := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, "", "Idempotency-Key", "submit-1")
	if s1.status != 202 || s2.status != 202 {
		t.Fatalf("submit: %d %s / %d %s", s1.status, s1.raw, s2.status, s2.raw)
	}
	v := waitStatus(t, srv, tok, id, "retry_required", "approved", "manual_review", "rejected")
	if v["status"] != "retry_required" || !strings.Contains(strings.Join(reasonCodes(v), ","), "NAME_MISMATCH@full_name") {
		t.Fatalf("mismatch not reported on full_name: %v", v)
	}
	if left := v["attempts_left"].(float64); left != 4 {
		t.Fatalf("attempts left %v, want 4 (one submission)", left)
	}
	// Fix only the name; no new upload.
	r = do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"张三丰","id_type":"cn_resident","id_number":"`+number+`","phone":"13800138000"}`)
	if r.status != 200 || view(r)["applicant"].(map[string]any)["phone_confirmed"] != true {
		t.Fatalf("fix name: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, "", "Idempotency-Key", "submit-2"); r.status != 202 {
		t.Fatalf("resubmit: %d %s", r.status, r.raw)
	}
	v = waitStatus(t, srv, tok, id, "approved", "manual_review", "rejected", "retry_required")
	if v["status"] != "approved" || len(reasonCodes(v)) != 0 {
		t.Fatalf("not approved after fixing the name: %v", v)
	}
	// The worker counts a decision just after committing it.
	metricsOK := func(raw string) bool {
		return strings.Contains(raw, `veriwallet_verification_decisions_total{status="approved"} 1`) &&
			strings.Contains(raw, `veriwallet_verification_decisions_total{status="retry_required"} 1`) &&
			strings.Contains(raw, "veriwallet_verification_decision_seconds_count 2")
	}
	m := do(t, base, "GET", "/metrics", "", "")
	for i := 0; i < 100 && !metricsOK(m.raw); i++ {
		time.Sleep(20 * time.Millisecond)
		m = do(t, base, "GET", "/metrics", "", "")
	}
	if !metricsOK(m.raw) {
		t.Fatalf("pipeline metrics missing:\n%s", m.raw)
	}
	if r := do(t, base, "GET", "/api/v1/me", tok, ""); r.body["verification_level"] != "standard" {
		t.Fatalf("me after approval: %s", r.raw)
	}
	if r := do(t, base, "GET", "/api/v1/me", copycat, ""); r.body["verification_level"] != "" {
		t.Fatalf("unverified me: %s", r.raw)
	}
	if r := do(t, base, "GET", "/api/v1/messages", tok, ""); !strings.Contains(r.raw, `"status":"approved"`) || !strings.Contains(r.raw, `"status":"retry_required"`) {
		t.Fatalf("messages: %s", r.raw)
	}

	// The same ID number on a second account: a reviewer's case; the
	// customer sees no duplicate reason.
	cc := do(t, base, "POST", "/api/v1/verifications", copycat, `{"level":"standard"}`)
	cid := str(view(cc)["id"])
	do(t, base, "PUT", "/api/v1/verifications/"+cid+"/applicant", copycat,
		`{"full_name":"张三丰","id_type":"cn_resident","id_number":"`+number+`","phone":"13900139000"}`)
	do(t, base, "POST", "/api/v1/verifications/"+cid+"/phone/send", copycat, "")
	do(t, base, "POST", "/api/v1/verifications/"+cid+"/phone/confirm", copycat, `{"code":"`+testSender.code("+8613900139000")+`"}`)
	f2 := uploadDoc(t, base, copycat, "id_front", "012_good.jpg")
	b2 := uploadDoc(t, base, copycat, "id_back", "011_good.jpg")
	do(t, base, "POST", "/api/v1/verifications/"+cid+"/documents", copycat, `{"kind":"id_front","document_id":"`+f2+`"}`)
	do(t, base, "POST", "/api/v1/verifications/"+cid+"/documents", copycat, `{"kind":"id_back","document_id":"`+b2+`"}`)
	if r := do(t, base, "POST", "/api/v1/verifications/"+cid+"/submit", copycat, ""); r.status != 202 {
		t.Fatalf("copycat submit: %d %s", r.status, r.raw)
	}
	v = waitStatus(t, srv, copycat, cid, "manual_review", "approved", "rejected", "retry_required")
	raw := do(t, base, "GET", "/api/v1/verifications/"+cid, copycat, "").raw
	if v["status"] != "manual_review" || strings.Contains(raw, "DUPLICATE") {
		t.Fatalf("duplicate identity: %s", raw)
	}

	// A reviewer sees why, with the linked account, and decides.
	if _, err := lastAccounts.Register(context.Background(), identity.RegisterInput{Email: "rev@example.com", Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
		t.Fatal(err)
	}
	rev := login(t, base, `"email":"rev@example.com"`, "reviewer password")
	// Staff have no cases of their own (the permission table).
	if r := do(t, base, "POST", "/api/v1/verifications", rev, ""); r.status != 403 || r.code() != "FORBIDDEN" {
		t.Fatalf("reviewer opened a case: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "GET", "/api/v1/review/verifications", copycat, ""); r.status != 403 {
		t.Fatalf("customer reached the review queue: %d", r.status)
	}
	q := do(t, base, "GET", "/api/v1/review/verifications", rev, "")
	if !strings.Contains(q.raw, cid) || !strings.Contains(q.raw, "DUPLICATE_IDENTITY") {
		t.Fatalf("review queue: %s", q.raw)
	}
	d := do(t, base, "GET", "/api/v1/review/verifications/"+cid, rev, "")
	// The applicant is masked; a field is revealed with a purpose, audited.
	if !strings.Contains(d.raw, "linked_users") || strings.Contains(d.raw, "张三丰") || !strings.Contains(d.raw, `"full_name":"张**"`) {
		t.Fatalf("review detail lacks the linked account, or shows the applicant unmasked: %s", d.raw)
	}
	if r := do(t, base, "POST", "/api/v1/review/cases/"+cid+"/reveal", rev, `{"field":"full_name","purpose":""}`); r.status != 400 || r.code() != "PURPOSE_REQUIRED" {
		t.Fatalf("reveal without a purpose: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "POST", "/api/v1/review/cases/"+cid+"/reveal", rev, `{"field":"full_name","purpose":"compare with the linked account"}`); r.status != 200 || r.body["value"] != "张三丰" {
		t.Fatalf("reveal: %d %s", r.status, r.raw)
	}
	// A rejection is FINAL: it waits for a second reviewer (four eyes).
	if r := do(t, base, "POST", "/api/v1/review/verifications/"+cid+"/decision", rev, `{"status":"rejected","reasons":["DUPLICATE_IDENTITY"],"note":"same person as another account"}`); r.status != 202 || r.body["status"] != "waiting_second_reviewer" {
		t.Fatalf("reviewer decision: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "POST", "/api/v1/review/verifications/"+cid+"/decision", rev, `{"status":"rejected","reasons":["DUPLICATE_IDENTITY"]}`); r.status != 403 || r.code() != "FOUR_EYES_SAME_REVIEWER" {
		t.Fatalf("the proposer confirmed their own rejection: %d %s", r.status, r.raw)
	}
	if cv := do(t, base, "GET", "/api/v1/review/cases/"+cid, rev, ""); cv.body["waiting_second_reviewer"] == nil {
		t.Fatalf("the case does not show it waits for a second reviewer: %s", cv.raw)
	}
	if _, err := lastAccounts.Register(context.Background(), identity.RegisterInput{Email: "rev2nd@example.com", Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
		t.Fatal(err)
	}
	rev2 := login(t, base, `"email":"rev2nd@example.com"`, "reviewer password")
	if r := do(t, base, "POST", "/api/v1/review/verifications/"+cid+"/decision", rev2, `{"status":"rejected"}`); r.status != 200 || r.body["status"] != "rejected" {
		t.Fatalf("second reviewer's confirmation: %d %s", r.status, r.raw)
	}
	if d := do(t, base, "GET", "/api/v1/review/verifications/"+cid, rev, ""); !strings.Contains(d.raw, "same person as another account") {
		t.Fatalf("the reviewer's note is not readable back: %s", d.raw)
	}
	final := do(t, base, "GET", "/api/v1/verifications/"+cid, copycat, "")
	if str(view(final)["status"]) != "rejected" || strings.Contains(final.raw, "DUPLICATE") {
		t.Fatalf("after review: %s", final.raw)
	}
	// The reviewer's read and decision are in the audit trail, chained.
	if _, err := lastAccounts.Register(context.Background(), identity.RegisterInput{Email: "boss@example.com", Password: "wallet keeper 77", Role: identity.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	boss := login(t, base, `"email":"boss@example.com"`, "wallet keeper 77")
	if r := do(t, base, "GET", "/api/v1/admin/audit", rev, ""); r.status != 403 {
		t.Fatalf("reviewer read the audit trail: %d", r.status)
	}
	au := do(t, base, "GET", "/api/v1/admin/audit", boss, "")
	if au.body["chain_ok"] != true || !strings.Contains(au.raw, `"action":"case.review.read","subject":"`+cid) ||
		!strings.Contains(au.raw, `"action":"case.review.decide","subject":"`+cid) || strings.Contains(au.raw, "张三丰") ||
		!strings.Contains(au.raw, `"action":"case.reveal","subject":"`+cid) || !strings.Contains(au.raw, `"action":"case.review.propose","subject":"`+cid) ||
		!strings.Contains(au.raw, `"action":"staff.login"`) || !strings.Contains(au.raw, `"detail":"manual_review -> rejected"`) {
		t.Fatalf("audit trail: %s", au.raw)
	}
}

func uploadDoc(t *testing.T, srv *httptestServer, tok, kind, file string) string {
	t.Helper()
	st, m := postMultipart(t, srv, tok, kind, fixture(t, file), "")
	if st != 201 {
		t.Fatalf("upload %s: %d %v", file, st, m)
	}
	return m["document"].(map[string]any)["id"].(string)
}

func TestMinorNeedsGuardian(t *testing.T) {
	base := newServer(t, "sqlite")
	register(t, base, `"email":"teen@example.com"`, "long enough pass")
	tok := login(t, base, `"email":"teen@example.com"`, "long enough pass")
	id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`))["id"])
	// Born 2012-05-01: a minor.
	r := do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"李小明","id_type":"cn_resident","id_number":"110105201205010012","phone":"13700137000"}`)
	raw := r.raw
	if !strings.Contains(raw, "guardian") {
		t.Fatalf("minor not asked for guardian: %d %s", r.status, raw)
	}
	g := do(t, base, "GET", "/api/v1/verifications/"+id, tok, "")
	if !strings.Contains(g.raw, "MINOR_GUARDIAN_REQUIRED") && !strings.Contains(g.raw, "guardian_consent") {
		t.Fatalf("missing list lacks guardian documents: %s", g.raw)
	}
}

func TestHandoffLink(t *testing.T) {
	base := newServer(t, "sqlite")
	register(t, base, `"email":"h@example.com"`, "long enough pass")
	register(t, base, `"email":"i@example.com"`, "long enough pass")
	tok := login(t, base, `"email":"h@example.com"`, "long enough pass")
	other := login(t, base, `"email":"i@example.com"`, "long enough pass")
	id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, ""))["id"])
	r := do(t, base, "POST", "/api/v1/handoff", tok, `{"verification_id":"`+id+`"}`)
	if r.status != 201 || !strings.HasPrefix(str(r.body["url"]), "/handoff/") || len(str(r.body["url"])) < 30 {
		t.Fatalf("handoff: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "POST", "/api/v1/handoff", other, `{"verification_id":"`+id+`"}`); r.status != 404 {
		t.Fatalf("handoff for another user's case: %d %s", r.status, r.raw)
	}
}

// TestAttemptLimitUnderConcurrentSubmits: five submissions a day, even
// when a client fires them all at once.
func TestAttemptLimitUnderConcurrentSubmits(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			base, _ := newServerDir(t, engine)
			register(t, base, `"email":"burst@example.com"`, "long enough pass")
			tok := login(t, base, `"email":"burst@example.com"`, "long enough pass")
			var ids []string
			for i := range 8 {
				id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`))["id"])
				phone := "+86135001350" + string(rune('0'+i)) + "0"
				do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok, `{"full_name":"周杰","id_type":"cn_resident","id_number":"110105199003072311","phone":"`+phone+`"}`)
				do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, "")
				if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+testSender.code(phone)+`"}`); r.status != 200 {
					t.Fatalf("confirm: %d %s", r.status, r.raw)
				}
				ids = append(ids, id)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			got := map[int]int{}
			for _, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, "")
					mu.Lock()
					got[r.status]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			if got[202] != 5 || got[429] != 3 {
				t.Fatalf("statuses %v, want 5×202 and 3×429", got)
			}
			// No new case is opened that could only be refused at submit.
			if r := do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`); r.status != 429 || r.code() != "ATTEMPTS_EXCEEDED" || r.header.Get("Retry-After") == "" {
				t.Fatalf("create at the limit: %d %s", r.status, r.raw)
			}
		})
	}
}

// TestConcurrentSubmitsSameKey: a client that retries one submit with its
// Idempotency-Key while the first is still in flight gets the same answer
// every time (on PostgreSQL two transactions both saw no key and the second
// insert answered 409 CONFLICT), and one attempt is spent.
func TestConcurrentSubmitsSameKey(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			base, _ := newServerDir(t, engine)
			register(t, base, `"email":"samekey@example.com"`, "long enough pass")
			tok := login(t, base, `"email":"samekey@example.com"`, "long enough pass")
			for round := range 3 {
				id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`))["id"])
				phone := "+86135001351" + string(rune('0'+round)) + "0"
				do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok, `{"full_name":"周杰","id_type":"cn_resident","id_number":"110105199003072311","phone":"`+phone+`"}`)
				do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, "")
				if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+testSender.code(phone)+`"}`); r.status != 200 {
					t.Fatalf("confirm: %d %s", r.status, r.raw)
				}
				var wg sync.WaitGroup
				var mu sync.Mutex
				got := map[string]int{}
				for range 10 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, "", "Idempotency-Key", "same-"+id)
						mu.Lock()
						got[fmt.Sprint(r.status, " ", r.code())]++
						mu.Unlock()
					}()
				}
				wg.Wait()
				if got["202 "] != 10 {
					t.Fatalf("round %d: statuses %v, want 10×202", round, got)
				}
				r := view(do(t, base, "GET", "/api/v1/verifications/"+id, tok, ""))
				if left := r["attempts_left"]; left != float64(5-round-1) {
					t.Fatalf("round %d: attempts_left %v, want %d", round, left, 5-round-1)
				}
			}
		})
	}
}

// TestPhoneCodeLimits: one code a minute, five an hour per case.
func TestPhoneCodeLimits(t *testing.T) {
	base := newServer(t, "sqlite")
	defer clockOffset.Store(0)
	register(t, base, `"email":"sms@example.com"`, "long enough pass")
	tok := login(t, base, `"email":"sms@example.com"`, "long enough pass")
	id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`))["id"])
	do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok, `{"full_name":"周杰","id_type":"cn_resident","id_number":"110105199003072311","phone":"13512345678"}`)
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, ""); r.status != 202 {
		t.Fatalf("first send: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, ""); r.status != 429 || r.code() != "PHONE_CODE_TOO_SOON" || r.header.Get("Retry-After") == "" {
		t.Fatalf("second send at once: %d %s", r.status, r.raw)
	}
	for i := 1; i <= 4; i++ {
		clockOffset.Store(int64(time.Duration(i) * 61 * time.Second))
		if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, ""); r.status != 202 {
			t.Fatalf("send %d: %d %s", i+1, r.status, r.raw)
		}
	}
	clockOffset.Store(int64(5 * 61 * time.Second))
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, ""); r.status != 429 || r.code() != "PHONE_CODE_LIMIT" {
		t.Fatalf("sixth send in an hour: %d %s", r.status, r.raw)
	}
	// The latest code still works.
	if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+testSender.code("+8613512345678")+`"}`); r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.raw)
	}
}

// TestOpenDraftsBounded: 25 concurrent creates by one user open at most
// verification.MaxOpenDrafts drafts; the rest are 429 TOO_MANY_DRAFTS.
// Both engines.
func TestOpenDraftsBounded(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			base, _ := newServerDir(t, engine)
			register(t, base, `"email":"drafts@example.com"`, "long enough pass")
			tok := login(t, base, `"email":"drafts@example.com"`, "long enough pass")
			var wg sync.WaitGroup
			var mu sync.Mutex
			got := map[string]int{}
			for range 25 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`)
					mu.Lock()
					got[fmt.Sprint(r.status, " ", r.code())]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			if got["201 "] != verification.MaxOpenDrafts || got["429 TOO_MANY_DRAFTS"] != 25-verification.MaxOpenDrafts {
				t.Fatalf("statuses %v, want %d×201 and the rest 429 TOO_MANY_DRAFTS", got, verification.MaxOpenDrafts)
			}
			// One more, alone, is refused too.
			r := do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`)
			if r.status != 429 {
				t.Fatalf("11th draft: %d %s", r.status, r.raw)
			}
		})
	}
}
