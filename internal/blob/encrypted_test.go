package blob

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/keys"
)

// The marker is personal data that must never reach the disk in clear, in
// any form a grep would find.
func TestEncryptedNeverWritesPlaintext(t *testing.T) {
	ctx := context.Background()
	l, dir := newLocal(t)
	s := NewEncrypted(l, testKeyring(t))
	marker := []byte("VERIWALLET-PLAINTEXT-MARKER-张三-110101199003074514")
	bodies := map[string][]byte{
		"documents/1/front.jpg": bytes.Repeat(marker, 3),
		"documents/1/back.jpg":  append(append(make([]byte, 5000), marker...), make([]byte, 5000)...),
		"tiny":                  marker,
	}
	for k, v := range bodies {
		if err := s.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	// Replace one, so a superseded version would be caught too.
	if err := s.Put(ctx, "tiny", append([]byte("v2 "), marker...)); err != nil {
		t.Fatal(err)
	}
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, needle := range [][]byte{marker, []byte("110101199003074514"), []byte("张三"), []byte("PLAINTEXT-MARKER")} {
			if bytes.Contains(b, needle) {
				t.Errorf("%s contains plaintext %q", p, needle)
			}
		}
		if !bytes.HasPrefix(b, []byte("VWK")) {
			t.Errorf("%s is not a sealed envelope", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != len(bodies) {
		t.Errorf("found %d files, want %d", files, len(bodies))
	}
	got, err := s.Get(ctx, "documents/1/back.jpg")
	if err != nil || !bytes.Equal(got, bodies["documents/1/back.jpg"]) {
		t.Errorf("round trip through the encrypted store: %v", err)
	}
}

func TestEncryptedDetectsTamperingAndMoves(t *testing.T) {
	ctx := context.Background()
	l, dir := newLocal(t)
	s := NewEncrypted(l, testKeyring(t))
	if err := s.Put(ctx, "users/1/id.jpg", []byte("alice's id card")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "users/2/id.jpg", []byte("bob's id card")); err != nil {
		t.Fatal(err)
	}

	// Swap the two files on disk: each is intact, but bound to its key.
	p1, p2 := filepath.Join(dir, "users/1/id.jpg"), filepath.Join(dir, "users/2/id.jpg")
	b1, _ := os.ReadFile(p1)
	b2, _ := os.ReadFile(p2)
	os.WriteFile(p1, b2, 0o600)
	if _, err := s.Get(ctx, "users/1/id.jpg"); !errors.Is(err, keys.ErrCorrupt) {
		t.Errorf("object moved from another key: err = %v, want keys.ErrCorrupt", err)
	}

	// Flip one bit in the ciphertext.
	bad := bytes.Clone(b1)
	bad[len(bad)-20] ^= 1
	os.WriteFile(p1, bad, 0o600)
	if _, err := s.Get(ctx, "users/1/id.jpg"); !errors.Is(err, keys.ErrCorrupt) {
		t.Errorf("flipped bit: err = %v, want keys.ErrCorrupt", err)
	}

	// A plaintext file dropped into the store is not served.
	os.WriteFile(p1, []byte("plain JPEG"), 0o600)
	if _, err := s.Get(ctx, "users/1/id.jpg"); !errors.Is(err, keys.ErrCorrupt) {
		t.Errorf("plaintext object: err = %v, want keys.ErrCorrupt", err)
	}

	// Opened with a keyring lacking the key.
	other, _ := keys.New(map[string][]byte{"k9": bytes.Repeat([]byte{1}, 32)}, "k9", bytes.Repeat([]byte{9}, 32))
	if _, err := NewEncrypted(l, other).Get(ctx, "users/2/id.jpg"); !errors.Is(err, keys.ErrUnknownKey) {
		t.Errorf("unknown key: err = %v, want keys.ErrUnknownKey", err)
	}
	if got, err := s.Get(ctx, "users/2/id.jpg"); err != nil || string(got) != "bob's id card" {
		t.Errorf("untouched object: %q, %v", got, err)
	}
	if _, err := s.Get(ctx, "users/3/id.jpg"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: err = %v, want ErrNotFound", err)
	}
}

func TestRotateThenRewrap(t *testing.T) {
	ctx := context.Background()
	keyDir := t.TempDir()
	kr, err := keys.Open(keyDir, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	oldID := kr.CurrentID()
	l, dir := newLocal(t)
	s := NewEncrypted(l, kr)
	want := map[string]string{}
	for _, k := range []string{"d/1", "d/2", "d/3/x", "e"} {
		want[k] = "document " + k
		if err := s.Put(ctx, k, []byte(want[k])); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := os.ReadFile(filepath.Join(dir, "d/1"))

	newID, err := kr.Rotate(keyDir)
	if err != nil {
		t.Fatal(err)
	}
	// Old data stays readable before any rewrap.
	for k, v := range want {
		if got, err := s.Get(ctx, k); err != nil || string(got) != v {
			t.Errorf("after rotation, before rewrap, Get(%q) = %q, %v", k, got, err)
		}
	}
	// One object written after rotation is already current.
	want["f"] = "after rotation"
	s.Put(ctx, "f", []byte(want["f"]))

	n, err := Rewrap(ctx, l, kr)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("Rewrap rewrote %d objects, want 4", n)
	}
	if err := l.Walk(ctx, func(k string) error {
		b, err := l.Get(ctx, k)
		if err != nil {
			return err
		}
		if id, _ := kr.KeyID(b); id != newID {
			t.Errorf("%s is under %q after Rewrap, want %q", k, id, newID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "d/1"))
	if bytes.Equal(before, after) || !bytes.Equal(before[len(before)-30:], after[len(after)-30:]) {
		t.Error("Rewrap should change the wrap but keep the ciphertext")
	}
	// A second run has nothing to do.
	if n, err := Rewrap(ctx, l, kr); err != nil || n != 0 {
		t.Errorf("second Rewrap = %d, %v; want 0, nil", n, err)
	}

	// Everything opens with a keyring that has only the new key.
	kf, _ := os.ReadFile(filepath.Join(keyDir, keys.FileName))
	if !strings.Contains(string(kf), oldID) {
		t.Fatal("old key missing from keys.json")
	}
	onlyNew := onlyKey(t, keyDir, newID)
	for k, v := range want {
		if got, err := NewEncrypted(l, onlyNew).Get(ctx, k); err != nil || string(got) != v {
			t.Errorf("with only the new key, Get(%q) = %q, %v", k, got, err)
		}
	}
}

// onlyKey rebuilds the keyring of keyDir/keys.json with every master key but
// id dropped, as an operator would after a complete rewrap.
func onlyKey(t *testing.T, keyDir, id string) *keys.Keyring {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(keyDir, keys.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var kf struct {
		Keys []struct {
			ID  string `json:"id"`
			Key []byte `json:"key"`
		} `json:"master_keys"`
		Index []byte `json:"index_key"`
	}
	if err := json.Unmarshal(b, &kf); err != nil {
		t.Fatal(err)
	}
	for _, e := range kf.Keys {
		if e.ID == id {
			k, err := keys.New(map[string][]byte{id: e.Key}, id, kf.Index)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
	}
	t.Fatalf("key %s not in the file", id)
	return nil
}

func TestRewrapReportsBadObjects(t *testing.T) {
	ctx := context.Background()
	l, _ := newLocal(t)
	kr := testKeyring(t)
	l.Put(ctx, "a-good", mustSeal(t, kr, "a-good"))
	l.Put(ctx, "b-plain", []byte("not sealed"))
	n, err := Rewrap(ctx, l, kr)
	if !errors.Is(err, keys.ErrCorrupt) || !strings.Contains(err.Error(), "b-plain") {
		t.Errorf("Rewrap = %d, %v; want keys.ErrCorrupt naming b-plain", n, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Rewrap(cctx, l, kr); !errors.Is(err, context.Canceled) {
		t.Errorf("Rewrap(cancelled) = %v", err)
	}
}

func mustSeal(t *testing.T, kr *keys.Keyring, key string) []byte {
	t.Helper()
	b, err := kr.Seal([]byte("x"), aad(key))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
