package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/config"
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

// stdin is where `admin create-user` reads the password (a variable so that
// tests can give one; run's signature stays that of the other commands).
var stdin io.Reader = os.Stdin

const createUserUsage = `usage: veriwallet admin create-user (--email E | --phone P) [--role R] [--password-file FILE] [config flags]

The password is read from standard input (one line), or from --password-file;
never from the command line, where every user of the machine can see it in
the process list. For example:

  veriwallet admin create-user --email boss@example.com --role admin < pw.txt
  veriwallet admin create-user --email boss@example.com --role admin --password-file /run/secrets/pw

flags:
`

func admin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "set-role" {
		return setRole(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && apiKeyCommands[args[0]] {
		return apiKeyCmd(ctx, args, getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "create-user" {
		fmt.Fprint(stderr, createUserUsage[:strings.Index(createUserUsage, "\n")+1])
		return exitCode(2)
	}
	mine, rest := splitFlags(args[1:], map[string]bool{"email": true, "phone": true, "password": true, "password-file": true, "role": true})
	fs := flag.NewFlagSet("admin create-user", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "email address of the new account")
	phone := fs.String("phone", "", "mainland mobile number of the new account (instead of --email)")
	passwordFile := fs.String("password-file", "", "read the password from this file (first line) instead of standard input")
	password := fs.String("password", "", "refused: the command line is visible to every user; pipe the password on standard input or use --password-file")
	role := fs.String("role", "admin", "customer, reviewer, support or admin")
	help := func() error {
		fmt.Fprint(stderr, createUserUsage)
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\nconfiguration flags (as for serve):")
		_, _ = config.Load("admin create-user", []string{"-h"}, getenv, stderr)
		return exitCode(0)
	}
	for _, a := range rest {
		if a == "-h" || a == "-help" || a == "--help" {
			return help()
		}
	}
	fs.Usage = func() {}
	if err := fs.Parse(mine); errors.Is(err, flag.ErrHelp) {
		return help()
	} else if err != nil {
		return exitCode(2)
	}
	if *password != "" {
		return errors.New("--password is no longer accepted (the command line is visible in the process list): " +
			"pipe the password on standard input, or use --password-file FILE")
	}
	if (*email == "") == (*phone == "") {
		fmt.Fprintln(stderr, "admin create-user: give exactly one of --email and --phone")
		return exitCode(2)
	}
	pw, err := readPassword(*passwordFile, stderr)
	if err != nil {
		return err
	}
	a, err := open(ctx, "admin create-user", rest, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	u, err := a.accounts.Register(ctx, identity.RegisterInput{Email: *email, Phone: *phone, Password: pw,
		Role: identity.Role(*role), AcceptTermsVersion: a.cfg.TermsVersion})
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(map[string]any{"user": u})
}

// readPassword reads the new account's password: the first line of file,
// or of standard input (with the terminal's echo off when it is one).
func readPassword(file string, stderr io.Writer) (string, error) {
	var r io.Reader = stdin
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		defer f.Close()
		r = f
	} else if f, ok := stdin.(*os.File); ok {
		if restore, ok := noEcho(f); ok {
			fmt.Fprint(stderr, "Password: ")
			defer func() { restore(); fmt.Fprintln(stderr) }()
		}
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: pipe it on standard input (one line), or use --password-file FILE")
	}
	return line, nil
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
	store, err := openBlobs(ctx, a.cfg, a.log) // before rotating: a wrong --blob changes nothing
	if err != nil {
		return err
	}
	id, err := a.keys.RotateFile(a.cfg.KeyFile)
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
