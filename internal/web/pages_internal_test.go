package web

import (
	"io/fs"
	"regexp"
	"slices"
	"testing"

	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/support"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// TestTemplateKeysTranslated: every text a template asks for by a literal
// key has a message in both languages (a missing one would show the raw key,
// such as "phone.recover", on the page).
func TestTemplateKeysTranslated(t *testing.T) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("templates: %v %v", names, err)
	}
	key := regexp.MustCompile(`call \$?\.T "([^"]+)"`)
	seen := 0
	for _, n := range names {
		b, err := fs.ReadFile(templateFS, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			seen++
			msg, ok := messages[m[1]]
			if !ok {
				t.Errorf("%s: no message %q", n, m[1])
				continue
			}
			if msg.EN == "" || msg.ZH == "" {
				t.Errorf("%s: message %q lacks a language: %+v", n, m[1], msg)
			}
		}
	}
	if seen < 200 {
		t.Fatalf("only %d keys found: the pattern no longer matches the templates", seen)
	}
}

// TestHomeFor: each role starts on a page it may open (a support agent's
// "continue" after enrolling the second factor went to the reviewer
// console, which refuses agents).
func TestHomeFor(t *testing.T) {
	for role, want := range map[identity.Role]string{
		identity.RoleCustomer: "/account", identity.RoleReviewer: "/review",
		identity.RoleAdmin: "/review", identity.RoleSupport: "/agent/tickets",
	} {
		got := homeFor(role)
		if got != want {
			t.Errorf("homeFor(%s) = %s, want %s", role, got, want)
		}
		if roles := pageRoles["GET "+got]; roles != nil && !slices.Contains(roles, role) {
			t.Errorf("%s starts on %s, which refuses it", role, got)
		}
	}
}

// TestSafeNextSupport: a logged-out visitor sent to log in from the support
// pages (or a ticket linked from a reply's e-mail) comes back to them;
// nothing else odd is accepted.
func TestSafeNextSupport(t *testing.T) {
	for p, want := range map[string]string{
		"/support": "/support", "/support/tickets/tkt_01h2abc": "/support/tickets/tkt_01h2abc",
		"/agent/tickets": "/agent/tickets", "/agent/tickets/tkt_x": "/agent/tickets/tkt_x",
		"/support/tickets/": "", "/support/tickets/a/b": "", "/support/tickets/<x>": "", "//evil.example/support": "",
		"/supportx": "", "/account": "/account",
	} {
		if got := safeNext(p); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", p, got, want)
		}
	}
}

// TestComputedKeysTranslated: the keys pages build from a value (a check's
// outcome, a risk level, a transaction type, a ticket status) all have a
// message; the reviewer's case page showed "pass", "high" and
// "manual_review" on Chinese pages.
func TestComputedKeysTranslated(t *testing.T) {
	keys := []string{}
	for _, o := range []string{verification.OutcomePass, verification.OutcomeFail, verification.OutcomeUnreadable, verification.OutcomeError, verification.OutcomeSkipped} {
		// The reviewer's faces panel says each face check's outcome in words.
		keys = append(keys, "outcome."+o, "console.faces.match."+o, "console.faces.live."+o)
	}
	for _, r := range []string{review.RiskLow, review.RiskMedium, review.RiskHigh} {
		keys = append(keys, "risk."+r)
	}
	for _, ty := range []string{ledger.TypeDeposit, ledger.TypeTransfer, ledger.TypeWithdrawal, ledger.TypeReversal} {
		keys = append(keys, "wallet.type."+ty)
	}
	for _, s := range []support.Status{support.StatusOpen, support.StatusWaitingOnCustomer, support.StatusResolved, support.StatusClosed} {
		keys = append(keys, "ticket."+string(s))
	}
	for _, k := range keys {
		if m, ok := messages[k]; !ok || m.EN == "" || m.ZH == "" {
			t.Errorf("no message %q in both languages", k)
		}
	}
}

// TestPayNext: only a receive code's page is a place to come back to after
// setting the payment password.
func TestPayNext(t *testing.T) {
	for p, want := range map[string]string{
		"/pay/n5zrqwyq8xkq": "/pay/n5zrqwyq8xkq", "/wallet": "", "/pay/": "", "/pay/../account": "", "//evil.example/pay/x": "", "": "",
	} {
		if got := payNext(p); got != want {
			t.Errorf("payNext(%q) = %q, want %q", p, got, want)
		}
	}
}
