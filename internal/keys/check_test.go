package keys

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"
)

// Two servers on one key file: a rotation on one is adopted by the other's
// Watch, so both write under the new key; CheckString accepts the other's
// values (reloading for a key it does not hold yet) and refuses a value of
// another keyring.
func TestWatchAndCheckAcrossServers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.json")
	log := slog.New(slog.DiscardHandler)
	a, err := OpenFile(path, "", log, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenFile(path, "", log, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Watch(ctx, 20*time.Millisecond, log)
	time.Sleep(50 * time.Millisecond)
	newID, err := a.RotateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := a.SealString("after rotation", "aad")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.CurrentID() != newID && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if b.CurrentID() != newID {
		t.Fatalf("the other server still writes under %s, want %s", b.CurrentID(), newID)
	}
	if err := b.CheckString(sealed); err != nil {
		t.Errorf("CheckString of the other server's value: %v", err)
	}
	other, err := OpenFile(filepath.Join(t.TempDir(), "keys.json"), "", log, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.CheckString(sealed); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("another keyring's CheckString: %v, want ErrUnknownKey", err)
	}
	if err := b.CheckString("not base64!"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("CheckString of garbage: %v, want ErrCorrupt", err)
	}
}
