package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/screening"
)

// screenedCase takes a basic case of user tok through to submission.
func screenedCase(t *testing.T, srv *httptestServer, tok, name, idNumber, phone string) string {
	t.Helper()
	id := str(view(do(t, srv, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`))["id"])
	if r := do(t, srv, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"`+name+`","id_type":"cn_resident","id_number":"`+idNumber+`","phone":"`+phone+`"}`); r.status != 200 {
		t.Fatalf("applicant: %d %s", r.status, r.raw)
	}
	do(t, srv, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, "")
	if r := do(t, srv, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+testSender.code("+86"+phone)+`"}`); r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "POST", "/api/v1/verifications/"+id+"/submit", tok, ""); r.status != 202 {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
	return id
}

// TestScreening: with no list a case is decided and its screening check is
// skipped as not configured (and /readyz says so); once a list is imported
// a listed applicant goes to a reviewer with SANCTIONS_HIT (the customer
// sees only that it is being reviewed), the hit is a review item, and a
// confirmed sanctions hit rejects the case. Reviewers search the lists;
// customers may not.
func TestScreening(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) { screeningJourney(t, engine) })
	}
}

func screeningJourney(t *testing.T, engine string) {
	srv, _ := newServerWith(t, engine, nil)
	ctx := context.Background()
	a := lastApp
	if r := do(t, srv, "GET", "/readyz", "", ""); !strings.Contains(r.raw, "not configured") {
		t.Fatalf("readyz without lists: %s", r.raw)
	}
	register(t, srv, `"email":"clean@example.com"`, "long enough pass")
	clean := login(t, srv, `"email":"clean@example.com"`, "long enough pass")
	id := screenedCase(t, srv, clean, "李雷", "110105199003072311", "13500000001")
	waitStatus(t, &testServer{srv}, clean, id, "approved")
	checks, err := a.Cases.Checks(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	skipped := false
	for _, c := range checks {
		if c.Kind == "screening" && c.Outcome == "skipped" && c.Detail["reason"] == "not_configured" {
			skipped = true
		}
	}
	if !skipped {
		t.Fatalf("screening check not recorded as skipped, not configured: %+v", checks)
	}

	p := &screening.Parsed{Source: screening.SourceCSV, FileHash: "t", Entities: []*screening.Entity{
		{ID: "B1", List: screening.SourceCSV, Kind: screening.KindPerson, Category: screening.CategorySanc,
			Names: []string{"ZHOU, Jie"}, BirthDates: []string{"1985-06-01"}, Nationalities: []string{"CHN"}},
		// The customer approved above: found by the re-screening the import
		// queues (a River job).
		{ID: "B2", List: screening.SourceCSV, Kind: screening.KindPerson, Category: screening.CategoryPEP,
			Names: []string{"LI, Lei"}, BirthDates: []string{"1990-03-07"}},
	}}
	if _, err := a.Screening.Import(ctx, p); err != nil {
		t.Fatal(err)
	}
	if r := do(t, srv, "GET", "/readyz", "", ""); !strings.Contains(r.raw, "csv version") {
		t.Fatalf("readyz with a list: %s", r.raw)
	}
	if r := do(t, srv, "GET", "/metrics", "", ""); !strings.Contains(r.raw, `veriwallet_screening_list_version{source="csv"}`) ||
		!strings.Contains(r.raw, "veriwallet_screening_list_age_seconds") {
		t.Fatalf("metrics: no list version")
	}

	register(t, srv, `"email":"listed@example.com"`, "long enough pass")
	listed := login(t, srv, `"email":"listed@example.com"`, "long enough pass")
	// 110101198506010016: born 1985-06-01, as listed.
	id = screenedCase(t, srv, listed, "周杰", "110101198506010016", "13500000002")
	v := waitStatus(t, &testServer{srv}, listed, id, "manual_review", "approved", "rejected")
	if v["status"] != "manual_review" {
		t.Fatalf("listed applicant: %v", v)
	}
	if codes := reasonCodes(v); slices.ContainsFunc(codes, func(c string) bool { return strings.Contains(c, "SANCTIONS") }) ||
		!slices.ContainsFunc(codes, func(c string) bool { return strings.HasPrefix(c, "UNDER_REVIEW") }) {
		t.Fatalf("the customer must see only UNDER_REVIEW: %v", codes)
	}

	if _, err := a.Accounts.Register(ctx, identity.RegisterInput{Email: "screener@example.com", Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
		t.Fatal(err)
	}
	rev := login(t, srv, `"email":"screener@example.com"`, "reviewer password")
	if r := do(t, srv, "GET", "/api/v1/review/screening/hits?status=open", listed, ""); r.status != 403 {
		t.Fatalf("customer lists hits: %d", r.status)
	}
	if r := do(t, srv, "POST", "/api/v1/review/screening/search", listed, `{"name":"Zhou Jie"}`); r.status != 403 {
		t.Fatalf("customer searches: %d", r.status)
	}
	r := do(t, srv, "POST", "/api/v1/review/screening/search", rev, `{"name":"周杰","birth_date":"1985-06-01"}`)
	hits, _ := r.body["hits"].([]any)
	if r.status != 200 || len(hits) != 1 || hits[0].(map[string]any)["entity_id"] != "B1" || hits[0].(map[string]any)["explanation"] == nil {
		t.Fatalf("search: %d %s", r.status, r.raw)
	}
	if lv, _ := r.body["list_versions"].([]any); len(lv) != 1 {
		t.Fatalf("search list versions: %s", r.raw)
	}
	if r := do(t, srv, "POST", "/api/v1/review/screening/search", rev, `{"name":""}`); r.status != 400 || r.code() != "SCREENING_NAME_REQUIRED" {
		t.Fatalf("empty name: %d %s", r.status, r.raw)
	}
	var h, rescreened map[string]any
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && (h == nil || rescreened == nil) {
		r = do(t, srv, "GET", "/api/v1/review/screening/hits?status=open", rev, "")
		hits, _ = r.body["hits"].([]any)
		if r.status != 200 {
			t.Fatalf("hits: %d %s", r.status, r.raw)
		}
		for _, x := range hits {
			switch m := x.(map[string]any); m["entity_id"] {
			case "B1":
				h = m
			case "B2":
				rescreened = m
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if h == nil || rescreened == nil || rescreened["case_id"] != nil || rescreened["category"] != "pep" {
		t.Fatalf("hits (the approved customer must be re-screened after the import): %v / %v", h, rescreened)
	}
	if h["case_id"] != id || h["entity_id"] != "B1" || h["category"] != "sanctions" {
		t.Fatalf("hit: %v", h)
	}
	hid := str(h["id"])
	if r := do(t, srv, "POST", "/api/v1/review/screening/hits/"+hid, rev, `{"decision":"maybe"}`); r.status != 400 || r.code() != "SCREENING_DECISION_INVALID" {
		t.Fatalf("bad decision: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "POST", "/api/v1/review/screening/hits/hit_nope", rev, `{"decision":"confirmed"}`); r.status != 404 {
		t.Fatalf("unknown hit: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "POST", "/api/v1/review/screening/hits/"+hid, rev, `{"decision":"confirmed","note":"same DOB and nationality"}`); r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "POST", "/api/v1/review/screening/hits/"+hid, rev, `{"decision":"false_positive"}`); r.status != 409 {
		t.Fatalf("decided twice: %d %s", r.status, r.raw)
	}
	v = waitStatus(t, &testServer{srv}, listed, id, "rejected")
	if fmt.Sprint(reasonCodes(v)) == "" {
		t.Fatalf("rejected without reasons: %v", v)
	}
}
