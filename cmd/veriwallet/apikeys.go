package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/veriwallet/veriwallet/internal/wallet"
)

var apiKeyCommands = map[string]bool{"create-api-key": true, "list-api-keys": true, "revoke-api-key": true}

const apiKeyUsage = `usage:
  veriwallet admin create-api-key --name NAME --scope wallet:deposit,wallet:withdrawals [config flags]
  veriwallet admin list-api-keys [config flags]
  veriwallet admin revoke-api-key ID [config flags]

An API key lets the operator's payment system call the wallet routes of its
scopes with "Authorization: Bearer KEY": wallet:deposit credits customers,
wallet:withdrawals completes and cancels withdrawals. The key is printed
once; only its hash is stored. Every use is counted and audited.
`

// apiKeyCmd runs the API key subcommands of admin.
func apiKeyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := args[0]
	mine, rest := splitFlags(args[1:], map[string]bool{"name": true, "scope": true})
	fs := flag.NewFlagSet("admin "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "what the key is for (create-api-key)")
	scope := fs.String("scope", "", "comma-separated scopes: "+strings.Join(wallet.Scopes, ", ")+" (create-api-key)")
	fs.Usage = func() { fmt.Fprint(stderr, apiKeyUsage); fs.PrintDefaults() }
	if err := fs.Parse(mine); errors.Is(err, flag.ErrHelp) {
		return exitCode(0)
	} else if err != nil {
		return exitCode(2)
	}
	var id string
	if cmd == "revoke-api-key" {
		// The id is the first argument that is not a flag.
		for i, a := range rest {
			if !strings.HasPrefix(a, "-") && (i == 0 || !strings.HasPrefix(rest[i-1], "-") || strings.Contains(rest[i-1], "=")) {
				id = a
				rest = append(rest[:i:i], rest[i+1:]...)
				break
			}
		}
		if id == "" {
			fmt.Fprint(stderr, apiKeyUsage)
			return exitCode(2)
		}
	}
	if cmd == "create-api-key" && (*name == "" || *scope == "") {
		fmt.Fprintln(stderr, "admin create-api-key: give --name and --scope")
		fmt.Fprint(stderr, apiKeyUsage)
		return exitCode(2)
	}
	a, err := open(ctx, "admin "+cmd, rest, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	ks := &wallet.APIKeys{Store: a.db.Wallet()}
	enc := json.NewEncoder(stdout)
	switch cmd {
	case "create-api-key":
		scopes, err := wallet.ParseScopes(*scope)
		if err != nil {
			return err
		}
		key, k, err := ks.Create(ctx, *name, scopes)
		if err != nil {
			return err
		}
		fmt.Fprintln(stderr, "The key is shown only now: store it in the payment system's secret store.")
		return enc.Encode(map[string]any{"api_key": k, "key": key})
	case "list-api-keys":
		list, err := ks.List(ctx)
		if err != nil {
			return err
		}
		return enc.Encode(map[string]any{"api_keys": list})
	default:
		if err := ks.Revoke(ctx, id); err != nil {
			return err
		}
		return enc.Encode(map[string]any{"revoked": id})
	}
}
