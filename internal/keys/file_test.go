package keys

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/veriwallet/veriwallet/internal/errs"
)

func newLog() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func readFile(t *testing.T, dir string) *keyFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	kf, err := parseKeyFile(b)
	if err != nil {
		t.Fatal(err)
	}
	return kf
}

func TestOpenGeneratesKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "sub")
	log, buf := newLog()
	k, err := Open(dir, "", log, &seqReader{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("keys.json mode = %v, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(dir); dst.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, want 0700", dst.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("data dir holds %d entries, want only keys.json (temp file left?)", len(ents))
	}

	logged := buf.String()
	if !strings.Contains(logged, "level=WARN") || !strings.Contains(logged, "back up") ||
		!strings.Contains(logged, k.CurrentID()) {
		t.Errorf("no loud WARN naming the key id: %s", logged)
	}
	kf := readFile(t, dir)
	for _, secret := range []string{kf.Keys[0].Key, kf.Index} {
		raw, _ := base64.StdEncoding.DecodeString(secret)
		for _, form := range []string{secret, base64.RawURLEncoding.EncodeToString(raw), string(raw)} {
			if strings.Contains(logged, form) {
				t.Fatal("the log contains key material")
			}
		}
	}
	// The injected reader decides the keys: master = 0..31, index = 32..63.
	if raw, _ := base64.StdEncoding.DecodeString(kf.Keys[0].Key); raw[0] != 0 || raw[31] != 31 {
		t.Error("master key not drawn from the injected reader")
	}
	if raw, _ := base64.StdEncoding.DecodeString(kf.Index); raw[0] != 32 {
		t.Error("index key not drawn from the injected reader")
	}
	rawMaster, _ := base64.StdEncoding.DecodeString(kf.Keys[0].Key)
	if kf.Current != k.CurrentID() || kf.Keys[0].ID != deriveID(rawMaster) {
		t.Errorf("file current = %q (id %q), keyring current = %q", kf.Current, kf.Keys[0].ID, k.CurrentID())
	}

	sealed, _ := k.Seal([]byte("survives restart"), nil)

	// A second Open loads the same keys, quietly.
	log2, buf2 := newLog()
	k2, err := Open(dir, "", log2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if buf2.Len() != 0 {
		t.Errorf("second Open logged: %s", buf2)
	}
	if got, err := k2.Open(sealed, nil); err != nil || string(got) != "survives restart" {
		t.Errorf("reopened keyring: %q, %v", got, err)
	}
	if !bytes.Equal(k.BlindIndex("email", []byte("a@b.c")), k2.BlindIndex("email", []byte("a@b.c"))) {
		t.Error("blind index differs after reopening")
	}
}

func TestOpenWarnsOnLoosePermissions(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, "", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, FileName), 0o644); err != nil {
		t.Fatal(err)
	}
	log, buf := newLog()
	if _, err := Open(dir, "", log, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "chmod 600") {
		t.Errorf("no warning about a world-readable key file: %s", buf)
	}
}

func TestOpenRandomFailure(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir, "", nil, iotest.ErrReader(errors.New("no entropy")))
	if err == nil {
		t.Fatal("Open succeeded without randomness")
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Error("a key file was written despite the failure")
	}
	k := testKeyring(t)
	k.rand = iotest.ErrReader(errors.New("no entropy"))
	if _, err := k.Seal([]byte("x"), nil); errs.KindOf(err) != errs.Internal || err == nil {
		t.Errorf("Seal without randomness: err = %v", err)
	}
}

func TestOpenConfiguredMasterKey(t *testing.T) {
	raw := make([]byte, KeySize)
	for i := range raw {
		raw[i] = byte(250 + i) // makes '+' '/' and '-' '_' differ between alphabets
	}
	forms := map[string]string{
		"std":     base64.StdEncoding.EncodeToString(raw),
		"raw std": base64.RawStdEncoding.EncodeToString(raw),
		"url":     base64.URLEncoding.EncodeToString(raw),
		"raw url": base64.RawURLEncoding.EncodeToString(raw),
		"spaces":  "  " + base64.StdEncoding.EncodeToString(raw) + "\n",
	}
	var firstID string
	var firstSealed []byte
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			log, buf := newLog()
			k, err := Open(dir, form, log, nil)
			if err != nil {
				t.Fatal(err)
			}
			if k.CurrentID() != deriveID(raw) {
				t.Errorf("id = %q, want derived %q", k.CurrentID(), deriveID(raw))
			}
			if firstID == "" {
				firstID = k.CurrentID()
				firstSealed, _ = k.Seal([]byte("across encodings"), nil)
			} else if got, err := k.Open(firstSealed, nil); err != nil || string(got) != "across encodings" {
				t.Errorf("another encoding of the same key cannot open: %v", err)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("Open wrote %d files with a configured key", len(ents))
			}
			if strings.Contains(buf.String(), strings.TrimSpace(form)) {
				t.Error("the configured key was logged")
			}
			if _, err := k.Rotate(dir); !errors.Is(err, ErrRotateUnsupported) {
				t.Errorf("Rotate: err = %v, want ErrRotateUnsupported", err)
			}
			if err := k.Reload(dir); !errors.Is(err, ErrRotateUnsupported) {
				t.Errorf("Reload: err = %v, want ErrRotateUnsupported", err)
			}
		})
	}
	// The configured key's id does not reveal the key.
	if strings.Contains(firstID, base64.RawStdEncoding.EncodeToString(raw)[:8]) {
		t.Error("key id contains key material")
	}
}

func TestOpenConfiguredWarnsAboutIgnoredFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, "", nil, nil); err != nil {
		t.Fatal(err)
	}
	log, buf := newLog()
	if _, err := Open(dir, base64.StdEncoding.EncodeToString(key(3)), log, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "ignored") {
		t.Errorf("no warning that keys.json is ignored: %s", buf)
	}
}

func TestOpenBadMasterKey(t *testing.T) {
	tests := map[string]string{
		"not base64": "this is not base64!!",
		"16 bytes":   base64.StdEncoding.EncodeToString(key(1)[:16]),
		"33 bytes":   base64.StdEncoding.EncodeToString(append(key(1), 1)),
		"hex":        strings.Repeat("ab", 32),
	}
	for name, mk := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Open(t.TempDir(), mk, nil, nil)
			if !errors.Is(err, ErrBadMasterKey) || errs.KindOf(err) != errs.Invalid {
				t.Errorf("err = %v, want ErrBadMasterKey", err)
			}
		})
	}
	if _, err := Open("", "", nil, nil); !errors.Is(err, ErrKeyFile) {
		t.Errorf("no dir and no key: err = %v, want ErrKeyFile", err)
	}
}

func TestOpenBadKeyFile(t *testing.T) {
	secret := base64.StdEncoding.EncodeToString(key(5))
	good := `{"version":1,"current":"a","master_keys":[{"id":"a","key":"` + secret + `"}],"index_key":"` + secret + `"}`
	tests := map[string]string{
		"empty":           ``,
		"not json":        `hello ` + secret,
		"truncated":       good[:len(good)-5],
		"version 2":       strings.Replace(good, `"version":1`, `"version":2`, 1),
		"current missing": strings.Replace(good, `"current":"a"`, `"current":"b"`, 1),
		"bad base64":      strings.Replace(good, `"key":"`+secret, `"key":"%%%`, 1),
		"short key":       strings.Replace(good, `"key":"`+secret, `"key":"`+base64.StdEncoding.EncodeToString(key(5)[:16]), 1),
		"short index":     strings.Replace(good, `"index_key":"`+secret, `"index_key":"AAAA`, 1),
		"bad id":          strings.ReplaceAll(good, `"a"`, `"a/b"`),
		"duplicate id":    strings.Replace(good, `}],`, `},{"id":"a","key":"`+secret+`"}],`, 1),
		"unknown field":   strings.Replace(good, `{"version"`, `{"extra":"`+secret+`","version"`, 1),
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(dir, "", nil, nil)
			if !errors.Is(err, ErrKeyFile) {
				t.Fatalf("err = %v, want ErrKeyFile", err)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), secret[:12]) {
				t.Errorf("error quotes key material: %v", err)
			}
			after, _ := os.ReadFile(filepath.Join(dir, FileName))
			if string(after) != content {
				t.Error("a bad key file was replaced; it must be left for the operator")
			}
		})
	}
	t.Run("good control", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, FileName), []byte(good), 0o600)
		if _, err := Open(dir, "", nil, nil); err != nil {
			t.Errorf("the control file does not load: %v", err)
		}
	})
	t.Run("unreadable path", func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, FileName), 0o700) // a directory where the file should be
		if _, err := Open(dir, "", nil, nil); !errors.Is(err, ErrKeyFile) {
			t.Errorf("err = %v, want ErrKeyFile", err)
		}
	})
}

func TestRotateFileBacked(t *testing.T) {
	dir := t.TempDir()
	k, err := Open(dir, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := k.CurrentID()
	old, _ := k.Seal([]byte("before rotation"), []byte("row 1"))
	idx := k.BlindIndex("email", []byte("x@example.com"))

	newID, err := k.Rotate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if newID == first || k.CurrentID() != newID {
		t.Fatalf("Rotate = %q, current = %q, first = %q", newID, k.CurrentID(), first)
	}
	st, _ := os.Stat(filepath.Join(dir, FileName))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("keys.json mode after rotation = %v", st.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries in the data dir after rotation, want 1", len(ents))
	}
	kf := readFile(t, dir)
	if kf.Current != newID || len(kf.Keys) != 2 {
		t.Fatalf("file: current %q, %d keys", kf.Current, len(kf.Keys))
	}
	if !k.NeedsRewrap(old) {
		t.Error("old envelope does not need rewrap")
	}
	if got, err := k.Open(old, []byte("row 1")); err != nil || string(got) != "before rotation" {
		t.Errorf("old data after rotation: %q, %v", got, err)
	}
	fresh, _ := k.Seal([]byte("after"), nil)
	if id, _ := k.KeyID(fresh); id != newID {
		t.Errorf("new seal uses %q, want %q", id, newID)
	}

	// A fresh process sees both keys and the new current one.
	k2, err := Open(dir, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if k2.CurrentID() != newID || len(k2.IDs()) != 2 {
		t.Errorf("reopened: current %q, ids %v", k2.CurrentID(), k2.IDs())
	}
	if got, err := k2.Open(old, []byte("row 1")); err != nil || string(got) != "before rotation" {
		t.Errorf("reopened, old data: %q, %v", got, err)
	}
	if !bytes.Equal(idx, k2.BlindIndex("email", []byte("x@example.com"))) {
		t.Error("blind index changed across rotation")
	}
}

func TestRotateMergesAndReload(t *testing.T) {
	dir := t.TempDir()
	server, err := Open(dir, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := Open(dir, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	id1, err := cli.Rotate(dir)
	if err != nil {
		t.Fatal(err)
	}
	sealedByCLI, _ := cli.Seal([]byte("new"), nil)
	// Meeting the unknown key id, the server reloads the file by itself.
	if got, err := server.Open(sealedByCLI, nil); err != nil || string(got) != "new" {
		t.Fatalf("server did not reload for the new key: %q %v", got, err)
	}
	// A key nobody has stays unknown (and the reload is rate limited).
	stranger, _ := New(map[string][]byte{"zz": bytes.Repeat([]byte{7}, 32)}, "zz", bytes.Repeat([]byte{8}, 32))
	foreign, _ := stranger.Seal([]byte("x"), nil)
	if _, err := server.Open(foreign, nil); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("foreign key: err = %v, want ErrUnknownKey", err)
	}
	if err := server.Reload(dir); err != nil {
		t.Fatal(err)
	}
	if server.CurrentID() != id1 {
		t.Errorf("after Reload current = %q, want %q", server.CurrentID(), id1)
	}
	if got, err := server.Open(sealedByCLI, nil); err != nil || string(got) != "new" {
		t.Errorf("after Reload: %q, %v", got, err)
	}

	// A stale keyring rotating must keep the key another process added.
	other, err := Open(dir, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := cli.Rotate(dir)
	if err != nil {
		t.Fatal(err)
	}
	id3, err := other.Rotate(dir) // other has not seen id2
	if err != nil {
		t.Fatal(err)
	}
	final, err := Open(dir, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.Join(final.IDs(), ",")
	for _, id := range []string{id1, id2, id3} {
		if !strings.Contains(ids, id) {
			t.Errorf("key %s lost; file holds %s", id, ids)
		}
	}
	if final.CurrentID() != id3 {
		t.Errorf("current = %q, want %q", final.CurrentID(), id3)
	}

	if err := server.Reload(t.TempDir()); !errors.Is(err, ErrKeyFile) {
		t.Errorf("Reload from an empty dir: err = %v, want ErrKeyFile", err)
	}
}

func TestRotateRefusesForeignFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, "", nil, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, FileName))
	k := testKeyring(t) // different index key
	if _, err := k.Rotate(dir); !errors.Is(err, ErrKeyFile) {
		t.Fatalf("err = %v, want ErrKeyFile", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, FileName))
	if !bytes.Equal(before, after) {
		t.Error("another keyring's file was modified")
	}
	if k.CurrentID() != "k1" {
		t.Error("failed Rotate changed the current key")
	}
}

func TestRotateWritesFileForNewKeyring(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fresh")
	k := testKeyring(t)
	id, err := k.Rotate(dir)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := Open(dir, "", nil, io.Reader(nil))
	if err != nil {
		t.Fatal(err)
	}
	if k2.CurrentID() != id || strings.Join(k2.IDs(), ",") != strings.Join(k.IDs(), ",") {
		t.Errorf("file keyring %v/%s, memory %v/%s", k2.IDs(), k2.CurrentID(), k.IDs(), k.CurrentID())
	}
}
