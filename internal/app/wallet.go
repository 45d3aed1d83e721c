package app

import (
	"github.com/veriwallet/veriwallet/internal/api"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// walletSurface wires the wallet's surface onto the ledger: the payment
// password, the level policies and the payee resolver the ledger asks
// for, receive codes, API keys and the outbox monitor (AML, webhooks).
func (a *App) walletSurface(o Options, levels verification.Levels) (*api.WalletSurface, error) {
	store := o.DB.Wallet()
	verified := &wallet.Verified{Cases: a.Cases, Levels: levels, Now: o.Now}
	policies, err := wallet.NewPolicies(store, levels, a.Wallet.Assets())
	if err != nil {
		return nil, err
	}
	pins := &wallet.PaymentPasswords{Store: store, Key: o.Keys.BlindIndex("payment-password-key", []byte("v1")), Now: o.Now,
		Identity: struct {
			*identity.Service
			*wallet.Verified
		}{a.Accounts, verified}}
	payees := &wallet.Payees{Users: o.DB.Accounts(), Verified: verified, Lookups: store, Approved: store, Now: o.Now}
	a.Wallet.Payees = payees
	if !o.WalletUnchecked {
		a.Wallet.Passwords, a.Wallet.Policies = pins, policies
	}
	aml := wallet.DefaultAMLConfig()
	if o.AML != nil {
		aml = *o.AML
	}
	monitor, err := wallet.NewMonitor(a.Wallet, store.WithJobs(a.Queue), aml, a.Wallet.Assets(), o.Log)
	if err != nil {
		return nil, err
	}
	a.outboxEvery = o.OutboxEvery
	a.Surface = &api.WalletSurface{
		PaymentPasswords: pins, Payees: payees, Monitor: monitor,
		Requests: &wallet.PaymentRequests{Store: store, Ledger: a.Wallet, Verified: verified, Assets: a.Wallet.Assets(), Now: o.Now},
		APIKeys:  &wallet.APIKeys{Store: store, Now: o.Now},
	}
	return a.Surface, nil
}
