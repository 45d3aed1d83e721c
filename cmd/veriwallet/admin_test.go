package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/config"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
)

// TestCreateUserPassword: the password comes from standard input or a
// file, never from the command line; --help lists every flag.
func TestCreateUserPassword(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string {
		return map[string]string{"VERIWALLET_DATA_DIR": dir, "VERIWALLET_INSECURE_FAST_HASH": "1"}[k]
	}
	defer func() { stdin = os.Stdin }()
	var out, errb bytes.Buffer
	ctx := context.Background()

	stdin = strings.NewReader("")
	err := run(ctx, []string{"admin", "create-user", "--email", "cli@example.com", "--password", "staff password 1"}, env, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "standard input") || strings.Contains(out.String(), "cli@") {
		t.Fatalf("--password accepted: %v %s", err, out.String())
	}
	stdin = strings.NewReader("")
	if err := run(ctx, []string{"admin", "create-user", "--email", "cli@example.com"}, env, &out, &errb); err == nil || !strings.Contains(err.Error(), "no password") {
		t.Fatalf("empty stdin: %v", err)
	}
	stdin = strings.NewReader("staff password 1\r\n")
	out.Reset()
	if err := run(ctx, []string{"admin", "create-user", "--email", "in@example.com", "--role", "support"}, env, &out, &errb); err != nil || !strings.Contains(out.String(), `"role":"support"`) {
		t.Fatalf("stdin: %v %s %s", err, out.String(), errb.String())
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("another staff pw 2\n"), 0o600)
	stdin = strings.NewReader("")
	out.Reset()
	if err := run(ctx, []string{"admin", "create-user", "--phone", "13800138000", "--password-file", pwFile, "--role", "reviewer"}, env, &out, &errb); err != nil || !strings.Contains(out.String(), `"role":"reviewer"`) {
		t.Fatalf("--password-file: %v %s %s", err, out.String(), errb.String())
	}
	// The passwords read are the ones set: log in with them.
	w, err := open(ctx, "t", nil, env, &errb)
	if err != nil {
		t.Fatal(err)
	}
	defer w.db.Close()
	// Staff: a right password answers that the second factor is to be set up.
	if _, _, _, err := w.accounts.Login(ctx, loginInput("in@example.com", "", "staff password 1")); errs.As(err).Code != "TOTP_ENROLMENT_REQUIRED" {
		t.Fatalf("login with the stdin password: %v", err)
	}
	if _, _, _, err := w.accounts.Login(ctx, loginInput("", "13800138000", "another staff pw 2")); errs.As(err).Code != "TOTP_ENROLMENT_REQUIRED" {
		t.Fatalf("login with the file password: %v", err)
	}
	if _, _, _, err := w.accounts.Login(ctx, loginInput("", "13800138000", "wrong staff pw 2")); errs.As(err).Code != "INVALID_CREDENTIALS" {
		t.Fatalf("login with a wrong password: %v", err)
	}

	// --help lists the command's flags and every configuration flag.
	for _, h := range []string{"--help", "-h"} {
		errb.Reset()
		out.Reset()
		if err := run(ctx, []string{"admin", "create-user", h}, env, &out, &errb); err != exitCode(0) {
			t.Fatalf("%s: %v", h, err)
		}
		help := out.String() + errb.String()
		for _, f := range []string{"-email", "-phone", "-role", "-password-file", "standard input"} {
			if !strings.Contains(help, f) {
				t.Errorf("%s does not mention %s:\n%s", h, f, help)
			}
		}
		for _, s := range config.Settings {
			if !strings.Contains(help, "-"+s.Flag) {
				t.Errorf("%s does not list the configuration flag --%s", h, s.Flag)
			}
		}
	}
}

// TestKeyFileFlag: --key-file puts the keyring where it is told, outside
// the data directory; serve's wiring and `keys rotate` both use it.
func TestKeyFileFlag(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "secrets", "veriwallet-keys.json")
	env := func(k string) string {
		return map[string]string{"VERIWALLET_DATA_DIR": dir, "VERIWALLET_INSECURE_FAST_HASH": "1", "VERIWALLET_KEY_FILE": keyFile}[k]
	}
	defer func() { stdin = os.Stdin }()
	var out, errb bytes.Buffer
	ctx := context.Background()
	stdin = strings.NewReader("staff password 1\n")
	if err := run(ctx, []string{"admin", "create-user", "--email", "kf@example.com"}, env, &out, &errb); err != nil {
		t.Fatalf("create-user: %v %s", err, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "keys.json")); !os.IsNotExist(err) {
		t.Fatalf("keys.json written into the data directory: %v", err)
	}
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	before, _ := os.ReadFile(keyFile)
	out.Reset()
	if err := run(ctx, []string{"keys", "rotate"}, env, &out, &errb); err != nil || !strings.Contains(out.String(), `"rewrapped_values":1`) {
		t.Fatalf("keys rotate: %v %s %s", err, out.String(), errb.String())
	}
	after, _ := os.ReadFile(keyFile)
	if bytes.Equal(before, after) || bytes.Count(after, []byte(`"id"`)) != 2 {
		t.Fatalf("the key file was not rotated:\n%s", after)
	}
	// The rotated keyring still reads what was sealed: the email's lookup works.
	stdin = strings.NewReader("staff password 1\n")
	if err := run(ctx, []string{"admin", "create-user", "--email", "kf@example.com"}, env, &out, &errb); err == nil || !strings.Contains(err.Error(), "EMAIL_TAKEN") {
		t.Fatalf("after rotation: %v", err)
	}
	// The flag wins over the environment: a new keyring is made there.
	other := filepath.Join(t.TempDir(), "k.json")
	stdin = strings.NewReader("staff password 1\n")
	err = run(ctx, []string{"admin", "create-user", "--email", "kf@example.com", "--key-file", other}, env, &out, &errb)
	if _, serr := os.Stat(other); serr != nil {
		t.Fatalf("--key-file ignored: %v (%v)", serr, err)
	}
}

func loginInput(email, phone, pw string) identity.LoginInput {
	return identity.LoginInput{Email: email, Phone: phone, Password: pw, Kind: identity.SessionAPI}
}
