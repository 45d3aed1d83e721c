package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// TestLedgerSurvivesKill: a real `veriwallet serve` under transfer load is
// killed with SIGKILL halfway. Started again: every transfer answered 2xx
// is there (and its key replays it), no transaction is half there, and
// `veriwallet ledger verify` passes.
func TestLedgerSurvivesKill(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			dsn := filepath.Join(dir, "veriwallet.db")
			// The ledger alone: these customers are not verified and have
			// no payment password (internal/api tests those checks).
			env := []string{"VERIWALLET_INSECURE_WALLET_UNCHECKED=1"}
			if engine == sqlstore.Postgres {
				dsn = sqltest.DSN(t, engine)
				env = append(env, "VERIWALLET_DB="+dsn)
			}
			child, base := startChild(t, dir, env...)
			payer, payee := loginNew(t, base, "payer@example.com"), loginNew(t, base, "payee@example.com")
			_, me := call(t, "GET", base+"/api/v1/me", payer, "")
			payerID := me["user"].(map[string]any)["id"].(string)
			_, me = call(t, "GET", base+"/api/v1/me", payee, "")
			payeeID := me["user"].(map[string]any)["id"].(string)

			// Fund the payer through the store, beside the running server.
			db, err := sqlstore.Open(context.Background(), dsn, sqltest.Keyring(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			w := ledger.NewService(db.Ledger(nil), ledger.Config{})
			if _, err := w.Deposit(context.Background(), ledger.DepositInput{UserID: payerID, Asset: "CNY", Amount: "1000000", Reference: "kill-test"}); err != nil {
				t.Fatal(err)
			}
			w.Close()

			var mu sync.Mutex
			acked := map[string]string{} // idempotency key → transaction id
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for c := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						key := fmt.Sprintf("c%d-%d", c, i)
						st, m, err := tryCall("POST", base+"/api/v1/wallet/transfers", payer,
							`{"to":"`+payeeID+`","asset":"CNY","amount":"1.00"}`, "Idempotency-Key", key)
						if err != nil {
							return // the server is gone
						}
						if st == 201 {
							id, _ := m["transaction"].(map[string]any)["id"].(string)
							mu.Lock()
							acked[key] = id
							mu.Unlock()
						}
					}
				}()
			}
			// Kill once a good number of transfers went through.
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				if n >= 300 {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			child.Process.Signal(syscall.SIGKILL)
			child.Wait()
			close(stop)
			wg.Wait()
			if len(acked) < 100 {
				t.Fatalf("only %d transfers answered before the kill", len(acked))
			}

			_, base2 := startChild(t, dir, env...)
			l := db.Ledger(nil)
			for key, id := range acked {
				tx, err := l.Transaction(context.Background(), id)
				if err != nil || len(tx.Postings) != 2 {
					t.Fatalf("acknowledged transfer %s (%s) after restart: %v %+v", id, key, err, tx)
				}
			}
			// Replays of acknowledged keys give the original.
			n := 0
			for key, id := range acked {
				if n++; n > 20 {
					break
				}
				st, m := callH(t, "POST", base2+"/api/v1/wallet/transfers", payer, `{"to":"`+payeeID+`","asset":"CNY","amount":"1.00"}`, "Idempotency-Key", key)
				if st != 201 || m["transaction"].(map[string]any)["id"] != id || m["replayed"] != true {
					t.Fatalf("replay of %s: %d %v", key, st, m)
				}
			}
			// Whole transfers only: the payee holds exactly what its postings say.
			bs, err := l.Balances(context.Background(), payeeID)
			if err != nil || len(bs) != 1 {
				t.Fatalf("payee balances %v %v", bs, err)
			}
			var count int64
			if err := db.QueryRow(`SELECT COUNT(*) FROM wallet_transactions WHERE type = 'transfer'`).Scan(&count); err != nil {
				t.Fatal(err)
			}
			if bs[0].Balance != count*100 || count < int64(len(acked)) {
				t.Fatalf("payee balance %d for %d transfers (%d acknowledged)", bs[0].Balance, count, len(acked))
			}
			var out, errb bytes.Buffer
			getenv := func(k string) string {
				switch k {
				case "VERIWALLET_DATA_DIR":
					return dir
				case "VERIWALLET_DB":
					if engine == sqlstore.Postgres {
						return dsn
					}
				}
				return ""
			}
			if err := run(context.Background(), []string{"ledger", "verify"}, getenv, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "ledger ok:") {
				t.Fatalf("ledger verify: %v %q %q", err, out.String(), errb.String())
			}
			t.Logf("%s: %d transfers acknowledged before the kill, %d booked; %s", engine, len(acked), count, strings.TrimSpace(out.String()))
			// And verify names a broken account.
			if _, err := db.Exec(`UPDATE wallet_accounts SET balance = balance - 1 WHERE user_id = $1`, payeeID); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			if err := run(context.Background(), []string{"ledger", "verify"}, getenv, &out, &errb); err != exitCode(1) || !strings.Contains(out.String(), "c:"+payeeID+":CNY") {
				t.Fatalf("broken ledger: %v %q", err, out.String())
			}
		})
	}
}

// tryCall is callH that reports a failed connection instead of failing the test.
func tryCall(method, url, token, body string, hdr ...string) (int, map[string]any, error) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		return 0, nil, err // cut off mid-answer: not an acknowledgement
	}
	return res.StatusCode, m, nil
}
