// Package wallet is the customer-facing surface of the ledger
// (internal/ledger): what a customer may do at their verification level and
// its limits (Policies), the payment password that confirms every payment
// (PaymentPasswords), finding the payee of a transfer and showing their
// masked name (Payees), receive codes (收款码), the scoped API keys the
// operator's payment system uses, and AML monitoring of the ledger's
// events. It implements the interfaces the ledger declares and never
// imports a storage adapter: sqlstore implements the stores declared here.
package wallet
