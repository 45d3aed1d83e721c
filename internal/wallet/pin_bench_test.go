package wallet

import "testing"

// BenchmarkPINMAC is the keyed hash a payment password check computes.
func BenchmarkPINMAC(b *testing.B) {
	s := &PaymentPasswords{Key: make([]byte, 32)}
	for b.Loop() {
		_ = s.mac("usr_abcdefghijklmnop", "385912")
	}
}
