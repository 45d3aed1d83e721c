package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/veriwallet/veriwallet/internal/ledger"
)

const ledgerUsage = `usage: veriwallet ledger verify [config flags]

Checks the wallet ledger's invariants: every transaction's postings sum to
zero, every asset's postings sum to zero, every balance is the sum of its
postings, the amount held is the sum of the open holds, and no customer's
available balance is below zero. Exits 1 naming the first broken account or
transaction; prints a summary line and exits 0 otherwise.
`

func ledgerCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, ledgerUsage)
		return exitCode(2)
	}
	a, err := open(ctx, "ledger verify", args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	rep, err := a.db.Ledger(nil).Verify(ctx)
	var ie *ledger.InvariantError
	if errors.As(err, &ie) {
		fmt.Fprintln(stdout, "ledger broken:", ie.Error())
		return exitCode(1)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ledger ok: %d transactions, %d postings, %d accounts, %d open holds\n",
		rep.Transactions, rep.Postings, rep.Accounts, rep.OpenHolds)
	return nil
}
