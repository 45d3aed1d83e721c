package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// TestWalletStatementPaging: the statement page shows 20 lines a page with
// a link to older ones, keeps its filters, and its CSV link carries them.
func TestWalletStatementPaging(t *testing.T) {
	env := newWizardServer(t, nil)
	if st, b := apiCall(t, env, "POST", "/api/v1/auth/register", "", `{"email":"many@example.com","password":"long enough pass","accept_terms_version":"2026-11-01"}`); st != 201 {
		t.Fatalf("register: %d %v", st, b["_raw"])
	}
	_, b := apiCall(t, env, "POST", "/api/v1/auth/login", "", `{"email":"many@example.com","password":"long enough pass"}`)
	tok := b["token"].(string)
	_, me := apiCall(t, env, "GET", "/api/v1/me", tok, "")
	id := me["user"].(map[string]any)["id"].(string)
	key, _, err := env.app.Surface.APIKeys.Create(context.Background(), "bank", []string{wallet.ScopeDeposit})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		if st, b := apiCall(t, env, "POST", "/api/v1/admin/wallet/deposits", key,
			fmt.Sprintf(`{"user_id":"%s","asset":"CNY","amount":"%d.01","reference":"r%d"}`, id, i+1, i)); st != 201 {
			t.Fatalf("deposit: %d %v", st, b["_raw"])
		}
	}
	get := func(path string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", env.srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: tok})
		req.Header.Set("Accept-Language", "en")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, body)
		}
		return string(body)
	}
	rows := regexp.MustCompile(`<td class="num">CNY ([0-9.]+)</td>`)
	first := get("/wallet/statement?type=deposit")
	if n := len(rows.FindAllString(first, -1)); n != 20 || !strings.Contains(first, "CNY 25.01") {
		t.Fatalf("first page: %d lines\n%s", n, first)
	}
	more := regexp.MustCompile(`href="(/wallet/statement\?[^"]+)" id="statement-more"`).FindStringSubmatch(first)
	if more == nil || !strings.Contains(more[1], "type=deposit") {
		t.Fatalf("no link to older lines: %s", first)
	}
	second := get(strings.ReplaceAll(more[1], "&amp;", "&"))
	if n := len(rows.FindAllString(second, -1)); n != 5 || !strings.Contains(second, "CNY 1.01") || strings.Contains(second, `id="statement-more"`) {
		t.Fatalf("second page: %d lines\n%s", n, second)
	}
	if !strings.Contains(first, `href="/api/v1/wallet/statement.csv?type=deposit"`) {
		t.Fatalf("CSV link without the filter: %s", first)
	}
	if none := get("/wallet/statement?type=withdrawal"); !strings.Contains(none, `id="statement-none"`) {
		t.Fatalf("filtered to nothing: %s", none)
	}
}
