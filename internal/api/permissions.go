package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// policy says who may call a route: nobody needs to log in (public), the
// roles in anyRes act on any resource, the roles in ownRes only on their
// own. For a route with an {id} of a kind listed in owners, the owner of
// the resource is looked up before the handler runs; other routes in
// ownRes act on the caller's own account (the service is called with the
// caller's id).
type policy struct {
	public bool
	anyRes []identity.Role
	ownRes []identity.Role
	res    string // the kind of {id}: "document", "verification" ("": none or the caller's own)
	// scope lets an API key with this scope call the route (the operator's
	// payment system), besides the roles above; "": people only.
	scope string
}

// keyed lets an API key with scope call a route besides p's roles.
func keyed(scope string, p policy) policy { p.scope = scope; return p }

var (
	customer = identity.RoleCustomer
	reviewer = identity.RoleReviewer
	supportR = identity.RoleSupport
	admin    = identity.RoleAdmin
	everyone = []identity.Role{customer, reviewer, supportR, admin}
	staffs   = []identity.Role{reviewer, supportR, admin}
	reviewrs = []identity.Role{reviewer, admin}
	admins   = []identity.Role{admin}
	agents   = []identity.Role{supportR, admin}
	custOnly = []identity.Role{customer}
)

func public() policy                     { return policy{public: true} }
func self(roles ...identity.Role) policy { return policy{ownRes: roles} }
func anyOf(roles []identity.Role) policy { return policy{anyRes: roles} }
func owned(res string, own, anyR []identity.Role) policy {
	return policy{ownRes: own, anyRes: anyR, res: res}
}

// permissions is the one permission table: every route of routes() has an
// entry, keyed "METHOD path" (TestPermissionMatrix walks it, and a route
// without an entry answers 403 to everyone). Support sees case status and
// customer-visible reasons, never identity documents.
var permissions = map[string]policy{
	"GET /api/v1/openapi.json":     public(),
	"POST /api/v1/auth/register":   public(),
	"POST /api/v1/auth/login":      public(),
	"POST /api/v1/auth/logout":     self(everyone...),
	"GET /api/v1/me":               self(everyone...),
	"GET /api/v1/sessions":         self(everyone...),
	"DELETE /api/v1/sessions/{id}": self(everyone...),
	"POST /api/v1/me/totp":         public(), // the enrolment token or a session, checked by the handler
	"POST /api/v1/me/totp/confirm": public(), // likewise

	"POST /api/v1/consents": self(custOnly...),

	"POST /api/v1/documents":           self(custOnly...),
	"GET /api/v1/documents/{id}":       owned("document", custOnly, reviewrs),
	"GET /api/v1/documents/{id}/image": owned("document", custOnly, reviewrs),
	"POST /api/v1/faces/preview":       self(custOnly...),

	"POST /api/v1/verifications":                      self(custOnly...),
	"GET /api/v1/verifications":                       self(custOnly...),
	"GET /api/v1/verifications/{id}":                  owned("verification", custOnly, nil),
	"GET /api/v1/verifications/{id}/events":           owned("verification", custOnly, nil),
	"PUT /api/v1/verifications/{id}/applicant":        owned("verification", custOnly, nil),
	"POST /api/v1/verifications/{id}/documents":       owned("verification", custOnly, nil),
	"POST /api/v1/verifications/{id}/phone/send":      owned("verification", custOnly, nil),
	"POST /api/v1/verifications/{id}/phone/confirm":   owned("verification", custOnly, nil),
	"POST /api/v1/verifications/{id}/submit":          owned("verification", custOnly, nil),
	"GET /api/v1/messages":                            self(custOnly...),
	"POST /api/v1/handoff":                            self(custOnly...),
	"GET /api/v1/support/verifications/{id}":          anyOf(staffs),
	"GET /api/v1/review/verifications":                anyOf(reviewrs),
	"GET /api/v1/review/verifications/{id}":           anyOf(reviewrs),
	"POST /api/v1/review/verifications/{id}/decision": anyOf(reviewrs),
	"GET /api/v1/review/queue":                        anyOf(reviewrs),
	"POST /api/v1/review/queue/{id}/claim":            anyOf(reviewrs),
	"POST /api/v1/review/queue/{id}/release":          anyOf(reviewrs),
	"GET /api/v1/review/cases/{id}":                   anyOf(reviewrs),
	"POST /api/v1/review/cases/{id}/reveal":           anyOf(reviewrs),
	"POST /api/v1/review/cases/{id}/report":           anyOf(reviewrs),
	"GET /api/v1/review/customers/{id}/risk":          anyOf(reviewrs),
	"POST /api/v1/review/customers/{id}/wallet":       anyOf(reviewrs),

	// Password recovery and the account's own security (issue 16).
	"POST /api/v1/auth/password/forgot":   public(),
	"POST /api/v1/auth/password/reset":    public(),
	"POST /api/v1/me/password":            self(everyone...),
	"POST /api/v1/me/phone":               self(everyone...),
	"POST /api/v1/me/phone/confirm":       self(everyone...),
	"POST /api/v1/me/phone/recover":       self(custOnly...),
	"GET /api/v1/me/security":             self(everyone...),
	"POST /api/v1/me/close":               self(custOnly...),
	"POST /api/v1/me/export":              self(custOnly...),
	"GET /api/v1/me/export":               self(custOnly...),
	"GET /api/v1/me/export/{id}/download": self(custOnly...),

	// Screening (issue 13).
	"POST /api/v1/review/screening/search":    anyOf(reviewrs),
	"GET /api/v1/review/screening/hits":       anyOf(reviewrs),
	"POST /api/v1/review/screening/hits/{id}": anyOf(reviewrs),

	// The wallet (issue 12): customers' own money; admins and the
	// operator's payment system (API keys with a scope) on the admin side.
	"GET /api/v1/wallet/balances":                         self(custOnly...),
	"GET /api/v1/wallet/transactions":                     self(custOnly...),
	"POST /api/v1/wallet/transfers":                       self(custOnly...),
	"POST /api/v1/wallet/withdrawals":                     self(custOnly...),
	"GET /api/v1/wallet/withdrawals":                      self(custOnly...),
	"GET /api/v1/wallet/payment-password":                 self(custOnly...),
	"PUT /api/v1/wallet/payment-password":                 self(custOnly...),
	"GET /api/v1/wallet/payees":                           self(custOnly...),
	"POST /api/v1/wallet/payment-requests":                self(custOnly...),
	"GET /api/v1/wallet/payment-requests/{code}":          self(custOnly...), // a code is paid by another customer
	"GET /api/v1/wallet/payment-requests/{code}/qr.png":   self(custOnly...),
	"POST /api/v1/wallet/payment-requests/{code}/pay":     self(custOnly...),
	"GET /api/v1/wallet/statement.csv":                    self(custOnly...),
	"GET /api/v1/review/alerts":                           anyOf(reviewrs),
	"POST /api/v1/admin/wallet/deposits":                  keyed(wallet.ScopeDeposit, anyOf(admins)),
	"POST /api/v1/admin/wallet/withdrawals/{id}/complete": keyed(wallet.ScopeWithdrawals, anyOf(admins)),
	"POST /api/v1/admin/wallet/withdrawals/{id}/cancel":   keyed(wallet.ScopeWithdrawals, anyOf(admins)),
	"POST /api/v1/admin/wallet/transactions/{id}/reverse": anyOf(admins),
	"POST /api/v1/admin/wallet/users/{id}/freeze":         anyOf(admins),
	"POST /api/v1/admin/wallet/users/{id}/unfreeze":       anyOf(admins),

	// Support tickets (issue 15): a customer's own (the service answers 404
	// for another's ticket), the support team's, and admins' canned replies.
	"POST /api/v1/support/tickets":                    self(everyone...),
	"GET /api/v1/support/tickets":                     self(everyone...),
	"GET /api/v1/support/tickets/{id}":                self(everyone...),
	"POST /api/v1/support/tickets/{id}/messages":      self(everyone...),
	"POST /api/v1/support/tickets/{id}/reopen":        self(everyone...),
	"POST /api/v1/support/tickets/{id}/rating":        self(everyone...),
	"GET /api/v1/agent/tickets":                       anyOf(agents),
	"GET /api/v1/agent/tickets/{id}":                  anyOf(agents),
	"POST /api/v1/agent/tickets/{id}/messages":        anyOf(agents),
	"POST /api/v1/agent/tickets/{id}/assign":          anyOf(agents),
	"POST /api/v1/agent/tickets/{id}/status":          anyOf(agents),
	"GET /api/v1/agent/tickets/{id}/documents/{doc}":  anyOf(agents), // the ticket's attachments, or a granted case's documents
	"GET /api/v1/agent/canned-replies":                anyOf(agents),
	"POST /api/v1/agent/tickets/{id}/grant-documents": anyOf(admins),
	"PUT /api/v1/admin/canned-replies/{id}":           anyOf(admins),

	// Announcements, maintenance, incidents, the status page, the help centre.
	"GET /api/v1/announcements":                 public(),
	"GET /api/v1/announcements/feed.atom":       public(),
	"GET /api/v1/status":                        public(),
	"GET /api/v1/help/articles":                 public(),
	"GET /api/v1/help/articles/{slug}":          public(),
	"POST /api/v1/admin/announcements":          anyOf(admins),
	"POST /api/v1/admin/maintenance":            anyOf(admins),
	"POST /api/v1/admin/maintenance/stop":       anyOf(admins),
	"POST /api/v1/admin/incidents":              anyOf(admins),
	"POST /api/v1/admin/incidents/{id}/updates": anyOf(admins),

	"GET /api/v1/admin/audit":                              anyOf(admins),
	"PUT /api/v1/admin/users/{id}/role":                    anyOf(admins),
	"POST /api/v1/admin/webhooks":                          anyOf(admins),
	"GET /api/v1/admin/webhooks":                           anyOf(admins),
	"DELETE /api/v1/admin/webhooks/{id}":                   anyOf(admins),
	"GET /api/v1/admin/webhooks/{id}/deliveries":           anyOf(admins),
	"POST /api/v1/admin/webhook-deliveries/{id}/redeliver": anyOf(admins),

	"OPTIONS /api/v1/uploads/":     public(),
	"POST /api/v1/uploads/":        self(custOnly...),
	"OPTIONS /api/v1/uploads/{id}": public(),
	"HEAD /api/v1/uploads/{id}":    self(custOnly...),
	"PATCH /api/v1/uploads/{id}":   self(custOnly...),
	"DELETE /api/v1/uploads/{id}":  self(custOnly...),
}

var (
	errForbidden = errs.New(errs.Permission, "FORBIDDEN", "Your role may not do this.", "您的角色无权执行此操作。")
	errNoPolicy  = errs.New(errs.Permission, "NO_PERMISSION_ENTRY",
		"This route has no entry in the permission table, so nobody may call it.", "此接口没有权限表条目，任何人都不能调用。")
)

type grantKey struct{}

// anyResource reports whether the caller was let through for any resource
// (staff), not only their own.
func anyResource(r *http.Request) bool {
	g, _ := r.Context().Value(grantKey{}).(bool)
	return g
}

// owner returns the user id owning a resource of kind res, or the
// resource's NotFound error.
func (a *API) owner(ctx context.Context, res, id string) (string, error) {
	switch res {
	case "document":
		d, err := a.Documents.Get(ctx, "", true, id)
		if err != nil {
			return "", err
		}
		return d.OwnerID, nil
	case "verification":
		c, err := a.Verifications.Get(ctx, "", true, id)
		if err != nil {
			return "", err
		}
		return c.UserID, nil
	}
	return "", errs.Internalf("no owner lookup for %q", res)
}

// authorize wraps a route's handler in its policy (after authentication
// for routes that need a session).
func (a *API) authorize(key string, p policy, ok bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ok {
			writeError(w, r, errNoPolicy)
			return
		}
		if p.public {
			next.ServeHTTP(w, r)
			return
		}
		if k, ok := r.Context().Value(apiKeyCtx{}).(*wallet.APIKey); ok {
			// sessionOrKey authenticated the key and checked its scope.
			if p.scope == "" || !k.Has(p.scope) {
				writeError(w, r, errForbidden)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		_, u := current(r)
		switch {
		case u == nil:
			writeError(w, r, errForbidden)
			return
		case slices.Contains(p.anyRes, u.Role):
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), grantKey{}, true)))
			return
		case slices.Contains(p.ownRes, u.Role):
			if p.res != "" {
				owner, err := a.owner(r.Context(), p.res, r.PathValue("id"))
				if err != nil {
					writeError(w, r, err)
					return
				}
				if owner != u.ID {
					// Another's resource answers as a missing one: its existence is not revealed.
					_, err := a.owner(r.Context(), p.res, "")
					writeError(w, r, err)
					return
				}
			}
			next.ServeHTTP(w, r)
			return
		}
		writeError(w, r, errForbidden)
	})
}
