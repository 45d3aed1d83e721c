package sqlstore_test

import (
	"context"
	"testing"

	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// BenchmarkPaymentPasswordCheck is the check every payment makes: one
// indexed read and an HMAC-SHA256 (the right PIN, no wrong tries pending).
func BenchmarkPaymentPasswordCheck(b *testing.B) {
	for _, engine := range sqltest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			db := sqltest.Open(b, engine)
			u := "u1"
			if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email_index, password_hash, role, created_at) VALUES ($1, $2, 'x', 'customer', CURRENT_TIMESTAMP)`, u, []byte("e1")); err != nil {
				b.Fatal(err)
			}
			pp := &wallet.PaymentPasswords{Store: db.Wallet(), Identity: fakeIdentity{true}, Key: sqltest.Keyring(b).BlindIndex("payment-password", []byte("v1"))}
			if err := pp.Set(ctx, u, "385912", "login-pw"); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if err := pp.Check(ctx, u, "385912"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
