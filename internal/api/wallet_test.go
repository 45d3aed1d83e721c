package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

type walletPolicy struct{}

// Policy: usr ids are random, so everyone is "basic" with 200 CNY a day.
func (walletPolicy) Policy(context.Context, string) (ledger.Policy, error) {
	return ledger.Policy{Level: "basic", Rank: 1,
		Send:     ledger.Permission{Allowed: true, Next: "standard", Limits: map[string]ledger.Limits{"CNY": {PerDay: 20000, PerMonth: 100000}}},
		Withdraw: ledger.Permission{Allowed: false, Next: "standard"}}, nil
}

type walletPINs struct{}

func (walletPINs) Check(_ context.Context, _ string, pin string) error {
	if pin != "246810" {
		return errs.New(errs.Permission, "PAYMENT_PASSWORD_WRONG", "Wrong.", "错误。")
	}
	return nil
}

func userID(t *testing.T, srv *httptestServer, tok string) string {
	t.Helper()
	me := do(t, srv, "GET", "/api/v1/me", tok, "")
	u, _ := me.body["user"].(map[string]any)
	id, _ := u["id"].(string)
	if id == "" {
		t.Fatalf("me: %s", me.raw)
	}
	return id
}

func TestWalletAPI(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			srv, _ := newServerWith(t, engine, nil)
			// The ledger's own behaviour, without the payment password and
			// level policies app wires (internal/wallet tests those).
			lastApp.Wallet.Passwords, lastApp.Wallet.Policies = nil, nil
			if _, err := lastAccounts.Register(context.Background(), identity.RegisterInput{Email: "boss@example.com", Password: "wallet keeper 77", Role: identity.RoleAdmin}); err != nil {
				t.Fatal(err)
			}
			admin := login(t, srv, `"email":"boss@example.com"`, "wallet keeper 77")
			register(t, srv, `"email":"a@example.com"`, "long enough pass")
			register(t, srv, `"email":"b@example.com"`, "long enough pass")
			ta := login(t, srv, `"email":"a@example.com"`, "long enough pass")
			tb := login(t, srv, `"email":"b@example.com"`, "long enough pass")
			a, b := userID(t, srv, ta), userID(t, srv, tb)

			dep := `{"user_id":"` + a + `","asset":"CNY","amount":"100.5","reference":"bank-1"}`
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/deposits", ta, dep); r.status != 403 {
				t.Fatalf("customer deposit: %d %s", r.status, r.raw)
			}
			r := do(t, srv, "POST", "/api/v1/admin/wallet/deposits", admin, dep, "Idempotency-Key", "d1")
			if r.status != 201 || r.body["transaction"].(map[string]any)["amount"] != "100.50" {
				t.Fatalf("deposit: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/deposits", admin, `{"user_id":"`+a+`","asset":"CNY","amount":"1.001","reference":"x"}`); r.status != 400 || r.code() != "AMOUNT_PRECISION" {
				t.Fatalf("precision: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/deposits", admin, `{"user_id":"`+a+`","asset":"CNY","amount":12.5,"reference":"x"}`); r.status != 400 {
				t.Fatalf("number amount: %d %s", r.status, r.raw)
			}

			tr := `{"to":"` + b + `","asset":"CNY","amount":"30","memo":"午饭"}`
			r = do(t, srv, "POST", "/api/v1/wallet/transfers", ta, tr, "Idempotency-Key", "t1")
			if r.status != 201 {
				t.Fatalf("transfer: %d %s", r.status, r.raw)
			}
			id := r.body["transaction"].(map[string]any)["id"]
			r = do(t, srv, "POST", "/api/v1/wallet/transfers", ta, tr, "Idempotency-Key", "t1")
			if r.status != 201 || r.body["transaction"].(map[string]any)["id"] != id || r.body["replayed"] != true {
				t.Fatalf("replay: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/transfers", ta, strings.Replace(tr, "30", "31", 1), "Idempotency-Key", "t1"); r.status != 409 || r.code() != "IDEMPOTENCY_KEY_REUSED" {
				t.Fatalf("changed body: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/transfers", ta, `{"to":"`+b+`","asset":"CNY","amount":"1000"}`); r.status != 409 || r.code() != "INSUFFICIENT_FUNDS" {
				t.Fatalf("insufficient: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/transfers", ta, `{"to":"`+a+`","asset":"CNY","amount":"1"}`); r.code() != "SELF_TRANSFER" {
				t.Fatalf("self: %d %s", r.status, r.raw)
			}

			r = do(t, srv, "GET", "/api/v1/wallet/balances", tb, "")
			bal := r.body["balances"].([]any)[0].(map[string]any)
			if bal["balance"] != "30.00" || bal["available"] != "30.00" {
				t.Fatalf("balances: %s", r.raw)
			}
			r = do(t, srv, "GET", "/api/v1/wallet/transactions?limit=1", ta, "")
			list := r.body["transactions"].([]any)
			if len(list) != 1 || list[0].(map[string]any)["amount"] != "-30.00" || r.body["next_cursor"] == nil {
				t.Fatalf("statement: %s", r.raw)
			}
			r = do(t, srv, "GET", "/api/v1/wallet/transactions?cursor="+r.body["next_cursor"].(string), ta, "")
			if list := r.body["transactions"].([]any); len(list) != 1 || list[0].(map[string]any)["type"] != "deposit" {
				t.Fatalf("page 2: %s", r.raw)
			}
			if r := do(t, srv, "GET", "/api/v1/wallet/transactions?from=yesterday", ta, ""); r.status != 400 {
				t.Fatalf("bad from: %d", r.status)
			}

			// Withdrawal: hold, list, complete; cancel of a completed one refused.
			r = do(t, srv, "POST", "/api/v1/wallet/withdrawals", ta, `{"asset":"CNY","amount":"50","destination":"ICBC 6222 **** 1234"}`, "Idempotency-Key", "w1")
			if r.status != 201 {
				t.Fatalf("withdraw: %d %s", r.status, r.raw)
			}
			wid := r.body["withdrawal"].(map[string]any)["id"].(string)
			if r := do(t, srv, "GET", "/api/v1/wallet/balances", ta, ""); !strings.Contains(r.raw, `"held":"50.00"`) || !strings.Contains(r.raw, `"available":"20.50"`) {
				t.Fatalf("held: %s", r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/withdrawals/"+wid+"/complete", ta, ""); r.status != 403 {
				t.Fatalf("customer completes: %d", r.status)
			}
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/withdrawals/"+wid+"/complete", admin, ""); r.status != 201 || r.body["withdrawal"].(map[string]any)["status"] != "captured" {
				t.Fatalf("complete: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/withdrawals/"+wid+"/cancel", admin, `{"reason":"late"}`); r.status != 409 || r.code() != "WITHDRAWAL_NOT_OPEN" {
				t.Fatalf("cancel completed: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "GET", "/api/v1/wallet/withdrawals", ta, ""); !strings.Contains(r.raw, `"status":"captured"`) {
				t.Fatalf("withdrawals: %s", r.raw)
			}

			// Reverse the transfer, then freeze a.
			if r := do(t, srv, "POST", fmt.Sprintf("/api/v1/admin/wallet/transactions/%s/reverse", id), admin, `{"reason":"sent by mistake"}`); r.status != 201 ||
				r.body["transaction"].(map[string]any)["reversal_of"] != id {
				t.Fatalf("reverse: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/users/"+a+"/freeze", admin, `{"reason":"fraud report"}`); r.status != 200 {
				t.Fatalf("freeze: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/transfers", ta, `{"to":"`+b+`","asset":"CNY","amount":"1"}`); r.status != 403 || r.code() != "ACCOUNT_FROZEN" {
				t.Fatalf("frozen: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "GET", "/api/v1/admin/audit", admin, ""); !strings.Contains(r.raw, "wallet.freeze") {
				t.Fatalf("audit: %s", r.raw)
			}
			if rep, err := lastApp.Wallet.Verify(context.Background()); err != nil || rep.Transactions != 4 {
				t.Fatalf("verify %+v %v", rep, err)
			}
		})
	}
}

func TestWalletAPILimitsAndLevels(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			srv, _ := newServerWith(t, engine, nil)
			lastApp.Wallet.Policies = walletPolicy{}
			lastApp.Wallet.Passwords = walletPINs{}
			if _, err := lastAccounts.Register(context.Background(), identity.RegisterInput{Email: "boss@example.com", Password: "wallet keeper 77", Role: identity.RoleAdmin}); err != nil {
				t.Fatal(err)
			}
			admin := login(t, srv, `"email":"boss@example.com"`, "wallet keeper 77")
			register(t, srv, `"email":"a@example.com"`, "long enough pass")
			register(t, srv, `"email":"b@example.com"`, "long enough pass")
			ta := login(t, srv, `"email":"a@example.com"`, "long enough pass")
			a, b := userID(t, srv, ta), userID(t, srv, login(t, srv, `"email":"b@example.com"`, "long enough pass"))
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/deposits", admin, `{"user_id":"`+a+`","asset":"CNY","amount":"1000","reference":"r"}`); r.status != 201 {
				t.Fatal(r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/transfers", ta, `{"to":"`+b+`","asset":"CNY","amount":"1","payment_password":"000000"}`); r.status == 201 {
				t.Fatalf("wrong PIN accepted")
			}
			var wg sync.WaitGroup
			codes := make([]int, 50)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := do(t, srv, "POST", "/api/v1/wallet/transfers", ta, `{"to":"`+b+`","asset":"CNY","amount":"30","payment_password":"246810"}`,
						"Idempotency-Key", fmt.Sprint("k", i))
					codes[i] = r.status
				}()
			}
			wg.Wait()
			ok := 0
			for _, c := range codes {
				if c == 201 {
					ok++
				}
			}
			if ok != 6 {
				t.Fatalf("%d transfers of 30 went through a 200 daily limit: %v", ok, codes)
			}
			r := do(t, srv, "POST", "/api/v1/wallet/transfers", ta, `{"to":"`+b+`","asset":"CNY","amount":"30","payment_password":"246810"}`, "Accept-Language", "zh-CN")
			d, _ := r.body["error"].(map[string]any)["details"].(map[string]any)
			if r.status != 403 || r.code() != "LIMIT_EXCEEDED" || d["window"] != "per_day" || d["remaining"] != "20.00" || d["level"] != "standard" || d["link"] != "/verify" ||
				!strings.Contains(r.message(), "今日") {
				t.Fatalf("limit refusal: %d %s", r.status, r.raw)
			}
			r = do(t, srv, "POST", "/api/v1/wallet/withdrawals", ta, `{"asset":"CNY","amount":"1","destination":"x","payment_password":"246810"}`)
			if r.status != 403 || r.code() != "LEVEL_REQUIRED" || !strings.Contains(r.raw, `"level":"standard"`) {
				t.Fatalf("level refusal: %d %s", r.status, r.raw)
			}
		})
	}
}

// TestWithdrawalNeedsSecondFactor: above the operator's amount a withdrawal
// needs the customer's two-factor code; below it, only the payment password.
func TestWithdrawalNeedsSecondFactor(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			srv, _ := newServerWith(t, engine, nil)
			lastApp.Wallet.Policies = nil // everything allowed: this test is about the code
			lastApp.Wallet.Passwords = walletPINs{}
			lastApp.Wallet.SecondFactors = &wallet.WithdrawalTOTP{Accounts: lastAccounts, Above: map[string]int64{"CNY": 100_00}}
			if _, err := lastAccounts.Register(context.Background(), identity.RegisterInput{Email: "boss@example.com", Password: "wallet keeper 77", Role: identity.RoleAdmin}); err != nil {
				t.Fatal(err)
			}
			admin := login(t, srv, `"email":"boss@example.com"`, "wallet keeper 77")
			register(t, srv, `"email":"a@example.com"`, "long enough pass")
			ta := login(t, srv, `"email":"a@example.com"`, "long enough pass")
			a := userID(t, srv, ta)
			if r := do(t, srv, "POST", "/api/v1/admin/wallet/deposits", admin, `{"user_id":"`+a+`","asset":"CNY","amount":"1000","reference":"r"}`); r.status != 201 {
				t.Fatal(r.raw)
			}
			body := func(amount, code string) string {
				return `{"asset":"CNY","amount":"` + amount + `","destination":"ICBC 6222","payment_password":"246810","totp_code":"` + code + `"}`
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/withdrawals", ta, body("100", "")); r.status != 201 {
				t.Fatalf("at the amount, no code needed: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/withdrawals", ta, body("100.01", ""), "Accept-Language", "zh-CN"); r.status != 403 ||
				r.code() != "WITHDRAWAL_TOTP_NOT_ENABLED" || !strings.Contains(r.message(), "两步验证") {
				t.Fatalf("no second factor yet: %d %s", r.status, r.raw)
			}
			u, err := lastAccounts.FindUser(context.Background(), "a@example.com", "")
			if err != nil {
				t.Fatal(err)
			}
			en, _, err := lastAccounts.EnrolTOTP(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/withdrawals", ta, body("200", "")); r.status != 403 || r.code() != "WITHDRAWAL_TOTP_REQUIRED" {
				t.Fatalf("code missing: %d %s", r.status, r.raw)
			}
			good := identity.TOTPCodeBase32(en.Secret, time.Now())
			wrong := "000000"
			if wrong == good {
				wrong = "111111"
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/withdrawals", ta, body("200", wrong)); r.status != 403 || r.code() != "TOTP_INVALID" {
				t.Fatalf("wrong code: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/withdrawals", ta, body("200", good)); r.status != 201 {
				t.Fatalf("right code: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/wallet/withdrawals", ta, body("200", good)); r.status != 403 || r.code() != "TOTP_INVALID" {
				t.Fatalf("a code works once: %d %s", r.status, r.raw)
			}
		})
	}
}
