package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/identity"
)

// splitFlags separates the command's own flags from the configuration flags.
func splitFlags(args []string, own map[string]bool) (mine, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := a
		for len(name) > 0 && name[0] == '-' {
			name = name[1:]
		}
		if eq := indexByte(name, '='); eq >= 0 {
			name = name[:eq]
		}
		if own[name] {
			mine = append(mine, a)
			if indexByte(a, '=') < 0 && i+1 < len(args) {
				i++
				mine = append(mine, args[i])
			}
			continue
		}
		rest = append(rest, a)
	}
	return mine, rest
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func admin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create-user" {
		fmt.Fprintln(stderr, "usage: veriwallet admin create-user --email E | --phone P --password PW --role customer|reviewer|support|admin [config flags]")
		return exitCode(2)
	}
	mine, rest := splitFlags(args[1:], map[string]bool{"email": true, "phone": true, "password": true, "role": true})
	fs := flag.NewFlagSet("admin create-user", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "email address")
	phone := fs.String("phone", "", "mobile number")
	password := fs.String("password", "", "password (or VERIWALLET_NEW_PASSWORD)")
	role := fs.String("role", "admin", "customer, reviewer, support or admin")
	if err := fs.Parse(mine); err != nil {
		return exitCode(2)
	}
	if *password == "" {
		*password = getenv("VERIWALLET_NEW_PASSWORD")
	}
	a, err := open(ctx, "admin create-user", rest, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	u, err := a.accounts.Register(ctx, identity.RegisterInput{Email: *email, Phone: *phone, Password: *password,
		Role: identity.Role(*role), AcceptTermsVersion: a.cfg.TermsVersion})
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(map[string]any{"user": u})
}

func keysCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(stderr, "usage: veriwallet keys rotate [config flags]")
		return exitCode(2)
	}
	a, err := open(ctx, "keys rotate", args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	if a.cfg.MasterKey != "" {
		return fmt.Errorf("the master key is configured (VERIWALLET_MASTER_KEY): rotate it in your secret store; 'keys rotate' manages only the generated key file")
	}
	id, err := a.keys.RotateFile(a.cfg.KeyFile)
	if err != nil {
		return err
	}
	store, err := blob.NewLocal(a.cfg.DataDir + "/blobs")
	if err != nil {
		return err
	}
	n, err := blob.Rewrap(ctx, store, a.keys)
	if err != nil {
		return err
	}
	cols, err := a.db.RewrapColumns(ctx, a.keys)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(map[string]any{"current_key": id, "rewrapped_objects": n, "rewrapped_values": cols})
}
