package bench

import "github.com/veriwallet/veriwallet/internal/verification"

// loopbackPhoneLimits are the default one-time code limits without the
// per-address one: every simulated customer here comes from 127.0.0.1.
var loopbackPhoneLimits = func() *verification.PhoneLimits {
	l := verification.DefaultPhoneLimits
	l.PerClientHour = 0
	return &l
}()
