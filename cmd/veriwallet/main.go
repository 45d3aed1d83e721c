// Command veriwallet runs the veriwallet server and its operator tools.
//
//	veriwallet serve --dev           start the server (zero configuration: SQLite under ./data; --dev: codes in the log)
//	veriwallet migrate               apply database migrations and exit
//	veriwallet version               print the version
//	veriwallet admin create-user     create a staff (or customer) account
//	veriwallet keys rotate           add a new master key and re-wrap stored data keys
//	veriwallet admin set-role        change an account's role (audited)
//	veriwallet audit verify|export   check the audit chain (and its anchors); export it as JSON lines
//	veriwallet check …               check ID numbers, MRZs, names, phones, images
//	veriwallet ledger verify         check the wallet ledger's invariants
//
// main only wires: configuration, adapters and services are put together here
// and nowhere else.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/veriwallet/veriwallet/internal/ocr/tesseract"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	// OpenMP reads OMP_THREAD_LIMIT only when tesseract loads: set it and
	// re-exec (tesseract is many times slower on 2 cores without it).
	tesseract.LimitThreads()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitStatus(err, os.Stderr))
}

// exitStatus is the process's exit status for run's error, which it prints
// (a command that returned an exitCode has printed what it had to say).
func exitStatus(err error, stderr io.Writer) int {
	var ec exitCode
	if errors.As(err, &ec) {
		return int(ec)
	}
	if err != nil {
		fmt.Fprintln(stderr, "veriwallet:", err)
		return 1
	}
	return 0
}

// exitCode is an error that carries only an exit status (the command has
// printed what it had to say).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `usage: veriwallet <command> [flags]

commands:
  serve                 start the server (defaults: 127.0.0.1:8080, SQLite in ./data)
  migrate               apply database migrations and exit
  version               print the version
  admin create-user     --email E | --phone P  --role customer|reviewer|support|admin  (password on stdin or --password-file)
  admin set-role        --email E | --phone P  --role R  (audited; the account's sessions end)
  keys rotate           add a new master key and re-wrap every stored data key
  audit verify          [--anchor FILE]: walk the audit chain, name the first broken event
  audit export          --from T --to T: the audit events as JSON lines
  maintenance start|stop|schedule  open, end or plan a maintenance window
  check <what> …        id-number, mrz, name, phone, image, document (run 'veriwallet check' for help)
  screening import|search  import a sanctions/PEP list file; search the lists for a name
  ledger verify         check the wallet ledger's invariants (exit 1 naming the first broken account or transaction)

Run 'veriwallet <command> -h' for the flags of a command.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitCode(2)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "veriwallet", versionString())
		return nil
	case "admin":
		return admin(ctx, args[1:], getenv, stdout, stderr)
	case "keys":
		return keysCmd(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		return auditCmd(ctx, args[1:], getenv, stdout, stderr)
	case "maintenance":
		return maintenance(ctx, args[1:], getenv, stdout, stderr)
	case "check":
		return check(args[1:], stdout, stderr)
	case "screening":
		return screeningCmd(ctx, args[1:], getenv, stdout, stderr)
	case "ledger":
		return ledgerCmd(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "veriwallet: unknown command %q\n\n%s", args[0], usage)
	return exitCode(2)
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", ""
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "-dirty"
				}
			}
		}
		if len(rev) > 12 {
			return "dev-" + rev[:12] + dirty
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}
