package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// idNumber completes a 17-digit mainland ID number with its GB 11643
// check character.
func idNumber(body string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * w[i]
	}
	return body + string("10X98765432"[sum%11])
}

// verifyBasic takes a customer through the basic verification and waits
// for its approval.
func verifyBasic(t *testing.T, srv *httptest.Server, tok, name, number, phone string) {
	t.Helper()
	c := do(t, srv, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`)
	id := str(view(c)["id"])
	if r := do(t, srv, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"`+name+`","id_type":"cn_resident","id_number":"`+number+`","phone":"`+phone+`"}`); r.status != 200 {
		t.Fatalf("applicant: %d %s", r.status, r.raw)
	}
	do(t, srv, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, "")
	do(t, srv, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+testSender.code("+86"+phone)+`"}`)
	do(t, srv, "POST", "/api/v1/verifications/"+id+"/submit", tok, "", "Idempotency-Key", "v-"+id)
	if v := waitStatus(t, &testServer{srv}, tok, id, "approved", "retry_required", "manual_review", "rejected"); v["status"] != "approved" {
		t.Fatalf("basic verification: %v", v)
	}
}

func TestWalletSurface(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			srv, _ := newServerWith(t, engine, nil)
			for _, u := range []struct {
				email string
				role  identity.Role
			}{{"boss@example.com", identity.RoleAdmin}, {"desk@example.com", identity.RoleReviewer}} {
				if _, err := lastAccounts.Register(ctx, identity.RegisterInput{Email: u.email, Password: "wallet keeper 77", Role: u.role}); err != nil {
					t.Fatal(err)
				}
			}
			desk := login(t, srv, `"email":"desk@example.com"`, "wallet keeper 77")
			register(t, srv, `"email":"a@example.com"`, "long enough pass")
			register(t, srv, `"phone":"13900139000"`, "long enough pass")
			register(t, srv, `"email":"c@example.com"`, "long enough pass")
			ta := login(t, srv, `"email":"a@example.com"`, "long enough pass")
			tb := login(t, srv, `"phone":"13900139000"`, "long enough pass")
			tc := login(t, srv, `"email":"c@example.com"`, "long enough pass")
			a := userID(t, srv, ta)

			// The payment password needs verification first.
			pin := func(tok, p, pw string) resp {
				return do(t, srv, "PUT", "/api/v1/wallet/payment-password", tok, `{"payment_password":"`+p+`","password":"`+pw+`"}`)
			}
			if r := pin(ta, "385912", "long enough pass"); r.status != 403 || r.code() != "VERIFICATION_REQUIRED" {
				t.Fatalf("PIN before verification: %d %s", r.status, r.raw)
			}
			verifyBasic(t, srv, ta, "张三丰", "110105199003072311", "13800138000")
			verifyBasic(t, srv, tb, "李雷", idNumber("11010519851122301"), "13900139000")
			for _, tc := range []struct{ pin, code string }{{"123456", "PAYMENT_PASSWORD_TOO_SIMPLE"}, {"900307", "PAYMENT_PASSWORD_TOO_SIMPLE"},
				{"070390", "PAYMENT_PASSWORD_TOO_SIMPLE"}, {"12345", "PAYMENT_PASSWORD_FORMAT"}} {
				if r := pin(ta, tc.pin, "long enough pass"); r.status != 400 || r.code() != tc.code {
					t.Fatalf("PIN %s: %d %s", tc.pin, r.status, r.raw)
				}
			}
			if r := pin(ta, "385912", "wrong password!"); r.status != 403 || r.code() != "PASSWORD_WRONG" {
				t.Fatalf("PIN with a wrong login password: %d %s", r.status, r.raw)
			}
			if r := pin(ta, "385912", "long enough pass"); r.status != 200 {
				t.Fatalf("PIN: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "GET", "/api/v1/wallet/payment-password", ta, ""); r.body["payment_password_set"] != true {
				t.Fatalf("PIN state: %s", r.raw)
			}

			// Deposits through a scoped API key; a key without the scope,
			// and a customer, are refused.
			depKey, k, err := lastApp.Surface.APIKeys.Create(ctx, "bank", []string{wallet.ScopeDeposit})
			if err != nil {
				t.Fatal(err)
			}
			wdKey, _, _ := lastApp.Surface.APIKeys.Create(ctx, "bank-wd", []string{wallet.ScopeWithdrawals})
			dep := `{"user_id":"` + a + `","asset":"CNY","amount":"500","reference":"bank-1"}`
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/deposits", wdKey, dep); r.status != 403 || r.code() != "API_KEY_SCOPE_MISSING" {
				t.Fatalf("deposit with the wrong scope: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/deposits", ta, dep); r.status != 403 {
				t.Fatalf("deposit by a customer: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/deposits", "vwk_forged", dep); r.status != 401 || r.code() != "API_KEY_INVALID" {
				t.Fatalf("forged key: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/deposits", depKey, dep, "Idempotency-Key", "d1"); r.status != 201 {
				t.Fatalf("deposit by key: %d %s", r.status, r.raw)
			}
			if keys, _ := lastApp.Surface.APIKeys.List(ctx); keys[0].ID != k.ID || keys[0].Uses != 1 || keys[1].Uses != 1 { // the refused use counts too
				t.Fatalf("key uses: %+v", keys)
			}
			// A key does not open other routes.
			if r := do(t, srv, "GET", "/api/v1/wallet/balances", depKey, ""); r.status != 401 {
				t.Fatalf("key on a customer route: %d %s", r.status, r.raw)
			}

			// Payees: by email, by phone in another format; unknown and
			// unverified alike.
			for _, to := range []string{"A@Example.com", "a@example.com"} {
				r := do(t, srv, "GET", "/api/v1/wallet/payees?to="+urlq(to), tb, "")
				if r.status != 200 || r.body["payee"].(map[string]any)["masked_name"] != "张**" {
					t.Fatalf("payee %s: %d %s", to, r.status, r.raw)
				}
			}
			for _, to := range []string{"+86 139 0013 9000", "139-0013-9000", "８６１３９００１３９０００"} {
				r := do(t, srv, "GET", "/api/v1/wallet/payees?to="+urlq(to), ta, "")
				if r.status != 200 || r.body["payee"].(map[string]any)["masked_name"] != "李*" {
					t.Fatalf("payee %s: %d %s", to, r.status, r.raw)
				}
			}
			unknown := do(t, srv, "GET", "/api/v1/wallet/payees?to=nobody@example.com", ta, "")
			unverified := do(t, srv, "GET", "/api/v1/wallet/payees?to=c@example.com", ta, "")
			if unknown.status != 404 || unverified.status != 404 || unknown.code() != unverified.code() || unknown.message() != unverified.message() {
				t.Fatalf("unknown %d %s / unverified %d %s", unknown.status, unknown.raw, unverified.status, unverified.raw)
			}

			// Look-ups are throttled per caller (30 an hour), found or not.
			for i := 0; i < 30; i++ {
				if r := do(t, srv, "GET", "/api/v1/wallet/payees?to="+urlq(fmt.Sprintf("n%d@example.com", i)), tc, ""); r.status != 404 {
					t.Fatalf("look-up %d: %d %s", i, r.status, r.raw)
				}
			}
			if r := do(t, srv, "GET", "/api/v1/wallet/payees?to=a@example.com", tc, ""); r.status != 429 || r.code() != "PAYEE_LOOKUPS_THROTTLED" || r.header.Get("Retry-After") == "" {
				t.Fatalf("31st look-up: %d %s", r.status, r.raw)
			}

			// A receive code with a fixed amount, paid in one step.
			r := do(t, srv, "POST", "/api/v1/wallet/payment-requests", tb, `{"asset":"CNY","amount":"12.5","memo":"午饭"}`)
			if r.status != 201 {
				t.Fatalf("payment request: %d %s", r.status, r.raw)
			}
			pr := r.body["payment_request"].(map[string]any)
			code := pr["code"].(string)
			if pr["amount"] != "12.50" || pr["path"] != "/pay/"+code {
				t.Fatalf("payment request: %s", r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/payment-requests", tc, `{"asset":"CNY"}`); r.status != 403 {
				t.Fatalf("unverified receive code: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "GET", "/api/v1/wallet/payment-requests/"+code, ta, ""); r.body["payment_request"].(map[string]any)["payee_masked_name"] != "李*" {
				t.Fatalf("payer's view: %s", r.raw)
			}
			qr := do(t, srv, "GET", "/api/v1/wallet/payment-requests/"+code+"/qr.png", ta, "")
			if qr.status != 200 || !strings.HasPrefix(qr.raw, "\x89PNG") {
				t.Fatalf("QR: %d %.40q", qr.status, qr.raw)
			}
			pay := func(body, key string) resp {
				return do(t, srv, "POST", "/api/v1/wallet/payment-requests/"+code+"/pay", ta, body, "Idempotency-Key", key)
			}
			if r := pay(`{"payment_password":"385913"}`, "p0"); r.status != 403 || r.code() != "PAYMENT_PASSWORD_WRONG" {
				t.Fatalf("wrong PIN: %d %s", r.status, r.raw)
			}
			if r := pay(`{"amount":"13","payment_password":"385912"}`, "p1"); r.status != 400 || r.code() != "AMOUNT_FIXED" {
				t.Fatalf("other amount: %d %s", r.status, r.raw)
			}
			first := pay(`{"payment_password":"385912"}`, "p2")
			again := pay(`{"payment_password":"385912"}`, "p2")
			if first.status != 201 || again.status != 201 || again.body["replayed"] != true ||
				first.body["transaction"].(map[string]any)["id"] != again.body["transaction"].(map[string]any)["id"] {
				t.Fatalf("pay: %d %s / replay %d %s", first.status, first.raw, again.status, again.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/payment-requests/"+code+"/pay", tb, `{"payment_password":"385912"}`); r.code() != "SELF_TRANSFER" {
				t.Fatalf("own code: %d %s", r.status, r.raw)
			}

			// Basic: 200 CNY a day; the refusal names the level that allows more.
			r = do(t, srv, "POST", "/api/v1/wallet/transfers", ta, `{"to":"13900139000","asset":"CNY","amount":"190","payment_password":"385912"}`)
			if r.status != 403 || r.code() != "LIMIT_EXCEEDED" || !strings.Contains(r.raw, `"level":"standard"`) {
				t.Fatalf("over the basic limit: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/transfers", ta, `{"to":"+8613900139000","asset":"CNY","amount":"7.5","payment_password":"385912"}`); r.status != 201 {
				t.Fatalf("transfer by phone: %d %s", r.status, r.raw)
			}

			if r := do(t, srv, "POST", "/api/v1/wallet/transfers", tc, `{"to":"`+a+`","asset":"CNY","amount":"1","payment_password":"385912"}`); r.status != 403 ||
				r.code() != "VERIFICATION_REQUIRED" || !strings.Contains(r.message(), "/verify") {
				t.Fatalf("unverified payer: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/transfers", ta, `{"to":"usr_nobody","asset":"CNY","amount":"1","payment_password":"385912"}`); r.status != 404 || r.code() != "PAYEE_NOT_FOUND" {
				t.Fatalf("transfer to an unknown id: %d %s", r.status, r.raw)
			}

			// The statement CSV: BOM, decimal amounts, Chinese headers and memo.
			csv := do(t, srv, "GET", "/api/v1/wallet/statement.csv", ta, "", "Accept-Language", "zh-CN")
			if csv.status != 200 || !strings.HasPrefix(csv.raw, "\ufeff时间,交易号") || !strings.Contains(csv.raw, ",-12.50,") ||
				!strings.Contains(csv.raw, ",500.00,") || !strings.Contains(csv.raw, "午饭") || !strings.Contains(csv.header.Get("Content-Type"), "text/csv") {
				t.Fatalf("statement: %d %q", csv.status, csv.raw)
			}
			if en := do(t, srv, "GET", "/api/v1/wallet/statement.csv", tb, ""); !strings.HasPrefix(en.raw, "\ufefftime,transaction_id") || !strings.Contains(en.raw, ",12.50,") {
				t.Fatalf("payee's statement: %q", en.raw)
			}

			// Alerts: reviewers only.
			if r := do(t, srv, "GET", "/api/v1/review/alerts", ta, ""); r.status != 403 {
				t.Fatalf("customer reads alerts: %d", r.status)
			}
			// A large deposit raises an alert once the outbox is handled
			// (the monitor runs in the background), and its webhook goes to
			// the endpoints that subscribed to deposit.credited.
			hooks := make(chan string, 10)
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var b bytes.Buffer
				_, _ = b.ReadFrom(r.Body)
				hooks <- r.Header.Get("Veriwallet-Event") + " " + b.String()
			}))
			defer receiver.Close()
			if _, _, err := lastApp.Webhooks.CreateEndpoint(ctx, receiver.URL, []string{"deposit.credited"}); err != nil {
				t.Fatal(err)
			}
			c := userID(t, srv, tc)
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/deposits", depKey, `{"user_id":"`+c+`","asset":"CNY","amount":"60000","reference":"bank-2"}`); r.status != 201 {
				t.Fatalf("large deposit: %d %s", r.status, r.raw)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				r := do(t, srv, "GET", "/api/v1/review/alerts?rule=large_transaction", desk, "")
				if r.status != 200 {
					t.Fatalf("alerts: %d %s", r.status, r.raw)
				}
				if as, _ := r.body["alerts"].([]any); len(as) == 1 {
					al := as[0].(map[string]any)
					if al["user_id"] != c || al["figures"].(map[string]any)["amount"] != float64(6000000) {
						t.Fatalf("alert: %s", r.raw)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no alert for the large deposit: %s", r.raw)
				}
				time.Sleep(50 * time.Millisecond)
			}
			// (The first deposit's webhook may come too: endpoints are
			// looked up when the outbox is handled, up to a second later.)
			for got := false; !got; {
				select {
				case h := <-hooks:
					if !strings.Contains(h, `"event":"deposit.credited"`) || !strings.HasPrefix(h, "deposit.credited ") {
						t.Fatalf("webhook: %s", h)
					}
					got = strings.Contains(h, `"amount":"60000.00"`) && strings.Contains(h, c)
				case <-time.After(10 * time.Second):
					t.Fatal("no deposit.credited webhook for the large deposit")
				}
			}
		})
	}
}

func urlq(s string) string {
	var b bytes.Buffer
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
