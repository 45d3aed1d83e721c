package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/server"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

func newServer(t *testing.T) *httptest.Server {
	db := sqltest.Open(t, "sqlite")
	cfg := identity.DefaultConfig
	cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	srv := httptest.NewServer(server.New(server.Deps{Accounts: identity.NewService(db.Accounts(), cfg, nil, nil),
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Version: "test"}))
	t.Cleanup(srv.Close)
	return srv
}

// browser returns a headless Chromium context. Without Chromium the test is
// skipped on a developer's machine and fails in CI, where setup installs it.
func browser(t *testing.T) context.Context {
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not installed (scripts/setup.sh installs it)")
		}
		t.Skip("chromium not installed; run scripts/setup.sh")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(390, 844)) // a phone screen
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 20*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// into runs a value-returning action and stores its value in dst.
func into[T any](dst *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := a(ctx, t)
		*dst = v
		return err
	})
}

func TestBrowserRegisterLoginLogout(t *testing.T) {
	srv := newServer(t)
	ctx := browser(t)
	var text, errText, zh string
	for _, account := range []string{"browser@example.com", "13700137000"} {
		err := chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+"/register"),
			// A too-short password is refused with a message on the field.
			chromedp.SendKeys(chromedp.CSS("#account"), account),
			chromedp.SendKeys(chromedp.CSS("#password"), "short"),
			chromedp.Click(chromedp.CSS("#accept")),
			chromedp.Click(chromedp.CSS("#submit")),
			chromedp.WaitVisible(chromedp.CSS("#err-password")),
			into(&errText, chromedp.Text(chromedp.CSS("#err-password"))),
			// Now properly: the account and the ticked terms box are kept.
			chromedp.SendKeys(chromedp.CSS("#password"), "my wallet secret 1"),
			chromedp.Click(chromedp.CSS("#submit")),
			chromedp.WaitVisible(chromedp.CSS("#account-login")),
			into(&text, chromedp.Text(chromedp.CSS("#account-login"))),
		)
		if err != nil {
			t.Fatalf("%s: %v", account, err)
		}
		if !strings.Contains(errText, "at least 8") {
			t.Fatalf("short password message: %q", errText)
		}
		want := account
		if !strings.Contains(account, "@") {
			want = "+86" + account
		}
		if text != want {
			t.Fatalf("account page shows %q, want %q", text, want)
		}
		// Log out, then log in again through the login page.
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS("#logout")),
			chromedp.WaitVisible(chromedp.CSS("#account")),
			chromedp.SendKeys(chromedp.CSS("#account"), account),
			chromedp.SendKeys(chromedp.CSS("#password"), "my wallet secret 1"),
			chromedp.Click(chromedp.CSS("#submit")),
			chromedp.WaitVisible(chromedp.CSS("#account-login")),
			chromedp.Click(chromedp.CSS("#logout")),
			chromedp.WaitVisible(chromedp.CSS("#account")),
		)
		if err != nil {
			t.Fatalf("%s login/logout: %v", account, err)
		}
	}
	// The language switch gives Chinese pages and Chinese errors.
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#lang-switch")),
		chromedp.WaitVisible(chromedp.CSS("#submit")),
		into(&zh, chromedp.Text(chromedp.CSS("h1"))),
		chromedp.SendKeys(chromedp.CSS("#account"), "browser@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "wrong password!"),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("#form-error")),
		into(&errText, chromedp.Text(chromedp.CSS("#form-error"))),
	)
	if err != nil {
		t.Fatal(err)
	}
	if zh != "登录" || errText != "账号或密码错误。" {
		t.Fatalf("chinese page: h1 %q error %q", zh, errText)
	}
}
