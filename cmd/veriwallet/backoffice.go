package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/identity"
)

const auditUsage = `usage: veriwallet audit verify [--anchor FILE] [config flags]
       veriwallet audit export --from T --to T [config flags]

verify walks the whole audit chain and names the first event that was
altered or removed; with --anchor (the file serve --audit-anchor-file
writes) it also finds the newest events deleted. It prints a JSON report
and exits 1 when the chain is broken.

export writes the events with from <= at < to as JSON lines (T: 2026-12-01
or RFC 3339) for an external archive.
`

func auditCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" && args[0] != "export" {
		fmt.Fprint(stderr, auditUsage)
		return exitCode(2)
	}
	sub := args[0]
	mine, rest := splitFlags(args[1:], map[string]bool{"anchor": true, "from": true, "to": true})
	fs := flag.NewFlagSet("audit "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	anchor := fs.String("anchor", "", "verify: the anchor file (JSON lines of seq and hash)")
	from := fs.String("from", "", "export: first instant (2026-12-01 or RFC 3339)")
	to := fs.String("to", "", "export: end instant, excluded")
	if err := fs.Parse(mine); err != nil {
		return exitCode(2)
	}
	a, err := open(ctx, "audit "+sub, rest, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	store := a.db.Audit()
	if sub == "export" {
		f, err1 := parseInstant(*from)
		t, err2 := parseInstant(*to)
		if err := errors.Join(err1, err2); err != nil || *from == "" || *to == "" {
			fmt.Fprintln(stderr, "audit export: give --from and --to (2026-12-01 or RFC 3339)")
			return exitCode(2)
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		after := int64(0)
		for {
			evs, err := store.EventsBetween(ctx, f, t, after, 1000)
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				return nil
			}
			for _, e := range evs {
				if err := enc.Encode(e); err != nil {
					return err
				}
			}
			after = evs[len(evs)-1].Seq
		}
	}
	var anchors []audit.Anchor
	if *anchor != "" {
		f, err := os.Open(*anchor)
		if err != nil {
			return fmt.Errorf("anchor: %w", err)
		}
		anchors, err = audit.ReadAnchors(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	rep, err := audit.Check(ctx, store, anchors)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(rep)
	fmt.Fprintln(stdout, string(b))
	if !rep.OK {
		fmt.Fprintf(stderr, "audit chain broken at event %d: %s\n", rep.BrokenAt, rep.Problem)
		return exitCode(1)
	}
	return nil
}

func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// setRole is `veriwallet admin set-role (--email E | --phone P) --role R`:
// the change is audited (actor "operator (cli)") and the user's sessions end.
func setRole(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	mine, rest := splitFlags(args, map[string]bool{"email": true, "phone": true, "role": true})
	fs := flag.NewFlagSet("admin set-role", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "email address of the account")
	phone := fs.String("phone", "", "mobile number of the account (instead of --email)")
	role := fs.String("role", "", "customer, reviewer, support or admin")
	if err := fs.Parse(mine); err != nil || *role == "" || (*email == "") == (*phone == "") {
		fmt.Fprintln(stderr, "usage: veriwallet admin set-role (--email E | --phone P) --role customer|reviewer|support|admin [config flags]")
		return exitCode(2)
	}
	a, err := open(ctx, "admin set-role", rest, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	u, err := a.accounts.FindUser(ctx, *email, *phone)
	if err != nil {
		return err
	}
	if u, err = a.accounts.SetRole(ctx, "operator (cli)", u.ID, identity.Role(*role), ""); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(map[string]any{"user": map[string]any{"id": u.ID, "role": u.Role}})
}
