package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// permissionMatrix is what every route answers to each caller: anonymous,
// the customer who owns the resource in the path, another customer, and
// each staff role. "ok" means the permission table let the request through
// to its handler (whatever the handler then answered); 401, 403 and 404
// (another's resource, answered as a missing one) are refusals. It is the
// permission table written out: changing, adding or removing any entry of
// the table changes a line here, and the test fails until this is
// changed too.
const permissionMatrix = `
DELETE /api/v1/admin/webhooks/{id}                    anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
DELETE /api/v1/sessions/{id}                          anon:401 own:ok other:404 reviewer:404 support:404 admin:404
DELETE /api/v1/uploads/{id}                           anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/admin/audit                               anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
GET /api/v1/admin/webhooks                            anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
GET /api/v1/admin/webhooks/{id}/deliveries            anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
GET /api/v1/agent/canned-replies                      anon:401 own:403 other:403 reviewer:403 support:ok admin:ok
GET /api/v1/agent/tickets                             anon:401 own:403 other:403 reviewer:403 support:ok admin:ok
GET /api/v1/agent/tickets/{id}                        anon:401 own:403 other:403 reviewer:403 support:ok admin:ok
GET /api/v1/agent/tickets/{id}/documents/{doc}        anon:401 own:403 other:403 reviewer:403 support:ok admin:ok
GET /api/v1/announcements                             anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
GET /api/v1/announcements/feed.atom                   anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
GET /api/v1/documents/{id}                            anon:401 own:ok other:404 reviewer:ok support:403 admin:ok
GET /api/v1/documents/{id}/image                      anon:401 own:ok other:404 reviewer:ok support:403 admin:ok
GET /api/v1/help/articles                             anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
GET /api/v1/help/articles/{slug}                      anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
GET /api/v1/me                                        anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
GET /api/v1/me/export                                 anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/me/export/{id}/download                   anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/me/security                               anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
GET /api/v1/messages                                  anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/openapi.json                              anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
GET /api/v1/review/alerts                             anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
GET /api/v1/review/cases/{id}                         anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
GET /api/v1/review/customers/{id}/risk                anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
GET /api/v1/review/queue                              anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
GET /api/v1/review/screening/hits                     anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
GET /api/v1/review/verifications                      anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
GET /api/v1/review/verifications/{id}                 anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
GET /api/v1/sessions                                  anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
GET /api/v1/status                                    anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
GET /api/v1/support/tickets                           anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
GET /api/v1/support/tickets/{id}                      anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
GET /api/v1/support/verifications/{id}                anon:401 own:403 other:403 reviewer:ok support:ok admin:ok
GET /api/v1/verifications                             anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/verifications/{id}                        anon:401 own:ok other:404 reviewer:403 support:403 admin:403
GET /api/v1/verifications/{id}/events                 anon:401 own:ok other:404 reviewer:403 support:403 admin:403
GET /api/v1/wallet/balances                           anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/wallet/payees                             anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/wallet/payment-password                   anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/wallet/payment-requests/{code}            anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/wallet/payment-requests/{code}/qr.png     anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/wallet/statement.csv                      anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/wallet/transactions                       anon:401 own:ok other:ok reviewer:403 support:403 admin:403
GET /api/v1/wallet/withdrawals                        anon:401 own:ok other:ok reviewer:403 support:403 admin:403
HEAD /api/v1/uploads/{id}                             anon:401 own:ok other:ok reviewer:403 support:403 admin:403
OPTIONS /api/v1/uploads/                              anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
OPTIONS /api/v1/uploads/{id}                          anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
PATCH /api/v1/uploads/{id}                            anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/admin/announcements                      anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/incidents                          anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/incidents/{id}/updates             anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/maintenance                        anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/maintenance/stop                   anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/wallet/deposits                    anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/wallet/transactions/{id}/reverse   anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/wallet/users/{id}/freeze           anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/wallet/users/{id}/unfreeze         anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/wallet/withdrawals/{id}/cancel     anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/wallet/withdrawals/{id}/complete   anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/webhook-deliveries/{id}/redeliver  anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/admin/webhooks                           anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/agent/tickets/{id}/assign                anon:401 own:403 other:403 reviewer:403 support:ok admin:ok
POST /api/v1/agent/tickets/{id}/grant-documents       anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
POST /api/v1/agent/tickets/{id}/messages              anon:401 own:403 other:403 reviewer:403 support:ok admin:ok
POST /api/v1/agent/tickets/{id}/status                anon:401 own:403 other:403 reviewer:403 support:ok admin:ok
POST /api/v1/auth/login                               anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/auth/logout                              anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/auth/password/forgot                     anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/auth/password/reset                      anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/auth/register                            anon:ok own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/consents                                 anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/documents                                anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/faces/preview                            anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/handoff                                  anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/me/close                                 anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/me/export                                anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/me/password                              anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/me/phone                                 anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/me/phone/confirm                         anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/me/phone/recover                         anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/me/totp                                  anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/me/totp/confirm                          anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/review/cases/{id}/report                 anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
POST /api/v1/review/cases/{id}/reveal                 anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
POST /api/v1/review/customers/{id}/wallet             anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
POST /api/v1/review/queue/{id}/claim                  anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
POST /api/v1/review/queue/{id}/release                anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
POST /api/v1/review/screening/hits/{id}               anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
POST /api/v1/review/screening/search                  anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
POST /api/v1/review/verifications/{id}/decision       anon:401 own:403 other:403 reviewer:ok support:403 admin:ok
POST /api/v1/support/tickets                          anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/support/tickets/{id}/messages            anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/support/tickets/{id}/rating              anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/support/tickets/{id}/reopen              anon:401 own:ok other:ok reviewer:ok support:ok admin:ok
POST /api/v1/uploads/                                 anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/verifications                            anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/verifications/{id}/documents             anon:401 own:ok other:404 reviewer:403 support:403 admin:403
POST /api/v1/verifications/{id}/phone/confirm         anon:401 own:ok other:404 reviewer:403 support:403 admin:403
POST /api/v1/verifications/{id}/phone/send            anon:401 own:ok other:404 reviewer:403 support:403 admin:403
POST /api/v1/verifications/{id}/submit                anon:401 own:ok other:404 reviewer:403 support:403 admin:403
POST /api/v1/wallet/payment-requests                  anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/wallet/payment-requests/{code}/pay       anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/wallet/transfers                         anon:401 own:ok other:ok reviewer:403 support:403 admin:403
POST /api/v1/wallet/withdrawals                       anon:401 own:ok other:ok reviewer:403 support:403 admin:403
PUT /api/v1/admin/canned-replies/{id}                 anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
PUT /api/v1/admin/users/{id}/role                     anon:401 own:403 other:403 reviewer:403 support:403 admin:ok
PUT /api/v1/verifications/{id}/applicant              anon:401 own:ok other:404 reviewer:403 support:403 admin:403
PUT /api/v1/wallet/payment-password                   anon:401 own:ok other:ok reviewer:403 support:403 admin:403
`

// verdict reads a response as the permission table's answer: a refusal
// (401, 403 FORBIDDEN or NO_PERMISSION_ENTRY, or a not-found answer for a
// resource that exists) or "ok".
func verdict(r resp) string {
	switch {
	case r.status == 401 && r.code() != "TOTP_INVALID":
		return "401"
	case r.status == 403 && (r.code() == "FORBIDDEN" || r.code() == "NO_PERMISSION_ENTRY" || r.raw == ""): // HEAD: no body
		return "403"
	case r.status == 404 && (r.code() == "CASE_NOT_FOUND" || r.code() == "DOCUMENT_NOT_FOUND" || r.code() == "SESSION_NOT_FOUND"):
		return "404"
	}
	return "ok"
}

// TestPermissionMatrix walks every route × caller × own/another's resource
// through the real server and compares what the permission table let
// through with permissionMatrix.
func TestPermissionMatrix(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			register(t, srv, `"email":"owner@example.com"`, "long enough pass")
			register(t, srv, `"email":"other@example.com"`, "long enough pass")
			own := login(t, srv, `"email":"owner@example.com"`, "long enough pass")
			other := login(t, srv, `"email":"other@example.com"`, "long enough pass")
			// The owner's resources: a document, a case, a second session.
			st, doc := postMultipart(t, srv, own, "id_front", fixture(t, "001_good.jpg"), "")
			docID, _ := doc["document"].(map[string]any)["id"].(string)
			if st != 201 || docID == "" {
				t.Fatalf("document: %d %v", st, doc)
			}
			caseID := str(view(do(t, srv, "POST", "/api/v1/verifications", own, ""))["id"])
			spare := login(t, srv, `"email":"owner@example.com"`, "long enough pass")
			sessID := ""
			for _, s := range do(t, srv, "GET", "/api/v1/sessions", spare, "").body["sessions"].([]any) {
				if m := s.(map[string]any); m["current"] == true {
					sessID = m["id"].(string)
				}
			}
			ctx := context.Background()
			staff := map[string]string{}
			for _, role := range []identity.Role{identity.RoleReviewer, identity.RoleSupport, identity.RoleAdmin} {
				email := string(role) + "@example.com"
				if _, err := lastAccounts.Register(ctx, identity.RegisterInput{Email: email, Password: "staff password 1", Role: role}); err != nil {
					t.Fatal(err)
				}
				staff[string(role)] = `"email":"` + email + `"`
			}
			var userB string
			if me := do(t, srv, "GET", "/api/v1/me", other, ""); me.status == 200 {
				userB = me.body["user"].(map[string]any)["id"].(string)
			}
			ids := map[string]string{"documents": docID, "verifications": caseID, "cases": caseID, "sessions": sessID, "users": userB}

			var spec struct {
				Paths map[string]map[string]any `json:"paths"`
			}
			if err := json.Unmarshal([]byte(do(t, srv, "GET", "/api/v1/openapi.json", "", "").raw), &spec); err != nil {
				t.Fatal(err)
			}
			for who, cred := range staff {
				staff[who] = login(t, srv, cred, "staff password 1")
			}
			// Logout last: it ends the sessions the other calls use.
			var ops []string
			for path, ms := range spec.Paths {
				for m := range ms {
					ops = append(ops, strings.ToUpper(m)+" "+path)
				}
			}
			sort.Slice(ops, func(i, j int) bool {
				li, lj := strings.HasSuffix(ops[i], "/logout"), strings.HasSuffix(ops[j], "/logout")
				return li != lj && lj || li == lj && ops[i] < ops[j]
			})
			var lines []string
			for _, op := range ops {
				{
					method, path, _ := strings.Cut(op, " ")
					p := path
					if i := strings.Index(p, "{id}"); i >= 0 {
						seg := strings.Split(strings.TrimSuffix(p[:i], "/"), "/")
						id := ids[seg[len(seg)-1]]
						if id == "" {
							id = "unknown_1"
						}
						p = strings.Replace(p, "{id}", id, 1)
					}
					var cells []string
					for _, who := range []string{"anon", "own", "other", "reviewer", "support", "admin"} {
						// A fresh session per call for the routes that end one.
						var tok string
						switch who {
						case "own":
							tok = own
							if method == "POST" && strings.HasSuffix(path, "/logout") {
								tok = login(t, srv, `"email":"owner@example.com"`, "long enough pass")
							}
						case "other":
							tok = other
							if method == "POST" && strings.HasSuffix(path, "/logout") {
								tok = login(t, srv, `"email":"other@example.com"`, "long enough pass")
							}
						case "reviewer", "support", "admin":
							tok = staff[who]
						}
						r := do(t, srv, method, p, tok, "")
						cells = append(cells, who+":"+verdict(r))
					}
					lines = append(lines, fmt.Sprintf("%-53s %s", method+" "+path, strings.Join(cells, " ")))
				}
			}
			sort.Strings(lines)
			got := strings.Join(lines, "\n")
			if want := strings.TrimSpace(permissionMatrix); got != want {
				t.Fatalf("the permission table answers differently from permissionMatrix:\n%s\n\ngot (all):\n%s", diffLines(want, got), got)
			}
		})
	}
}

// diffLines lists the lines only in want (-) or only in got (+).
func diffLines(want, got string) string {
	w, g := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(want, "\n") {
		w[l] = true
	}
	for _, l := range strings.Split(got, "\n") {
		g[l] = true
	}
	var out []string
	for l := range w {
		if !g[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range g {
		if !w[l] {
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
