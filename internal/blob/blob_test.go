package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/keys"
)

func newLocal(t *testing.T) (*Local, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	l, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, dir
}

func testKeyring(t *testing.T) *keys.Keyring {
	t.Helper()
	k, err := keys.New(map[string][]byte{"k1": bytes.Repeat([]byte{1}, 32)}, "k1", bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// stores returns every Store implementation, each empty, for the shared
// behaviour tests: the local store and S3 (on versitygw, when installed),
// each alone and under the encrypting wrapper.
func stores(t *testing.T) map[string]Store {
	l, _ := newLocal(t)
	l2, _ := newLocal(t)
	m := map[string]Store{"local": l, "local+encrypted": NewEncrypted(l2, testKeyring(t))}
	if s, _, _ := newS3(t); s != nil {
		s2, _, _ := newS3(t)
		m["s3"], m["s3+encrypted"] = s, NewEncrypted(s2, testKeyring(t))
	}
	return m
}

func walkAll(t *testing.T, s Store) []string {
	t.Helper()
	var got []string
	if err := s.Walk(context.Background(), func(k string) error { got = append(got, k); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestStoreBehaviour(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			objects := map[string][]byte{
				"a":                          []byte("top level"),
				"documents/0b1c/front.jpg":   bytes.Repeat([]byte{0xff, 0xd8}, 1000),
				"documents/0b1c/back.jpg":    {},
				"documents/0b1c-2/x.v1.json": []byte(`{"a":1}`),
				"Z_-.9/a..b":                 []byte("dots inside a segment are fine"),
			}
			for k, v := range objects {
				if err := s.Put(ctx, k, v); err != nil {
					t.Fatalf("Put(%q): %v", k, err)
				}
			}
			for k, v := range objects {
				got, err := s.Get(ctx, k)
				if err != nil || !bytes.Equal(got, v) {
					t.Errorf("Get(%q) = %d bytes, %v; want %d bytes", k, len(got), err, len(v))
				}
			}
			want := slices.Sorted(func(yield func(string) bool) {
				for k := range objects {
					if !yield(k) {
						return
					}
				}
			})
			if got := walkAll(t, s); !slices.Equal(slices.Sorted(slices.Values(got)), want) {
				t.Errorf("Walk = %q, want %q", got, want)
			}

			// Replace.
			if err := s.Put(ctx, "a", []byte("v2")); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Get(ctx, "a"); string(got) != "v2" {
				t.Errorf("after replace Get = %q", got)
			}

			// Not found: missing, a directory, below an object.
			for _, k := range []string{"missing", "documents", "documents/0b1c", "a/below-an-object"} {
				_, err := s.Get(ctx, k)
				if !errors.Is(err, ErrNotFound) || errs.KindOf(err) != errs.NotFound {
					t.Errorf("Get(%q): err = %v, want ErrNotFound", k, err)
				}
			}

			// Delete is idempotent and leaves other objects alone.
			for range 2 {
				if err := s.Delete(ctx, "documents/0b1c/front.jpg"); err != nil {
					t.Fatalf("Delete: %v", err)
				}
			}
			if err := s.Delete(ctx, "never/existed"); err != nil {
				t.Errorf("Delete(missing): %v", err)
			}
			if err := s.Delete(ctx, "a/below-an-object"); err != nil {
				t.Errorf("Delete(below an object): %v", err)
			}
			if _, err := s.Get(ctx, "documents/0b1c/front.jpg"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get after Delete: err = %v", err)
			}
			if _, err := s.Get(ctx, "documents/0b1c/back.jpg"); err != nil {
				t.Errorf("sibling lost after Delete: %v", err)
			}
			if got := walkAll(t, s); slices.Contains(got, "documents/0b1c/front.jpg") || len(got) != 4 {
				t.Errorf("Walk after Delete = %q", got)
			}
		})
	}
}

func TestWalkStopsAndCancels(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) { testWalkStopsAndCancels(t, s) })
	}
}

func testWalkStopsAndCancels(t *testing.T, s Store) {
	ctx := context.Background()
	for i := range 5 {
		if err := s.Put(ctx, fmt.Sprintf("d/%d", i), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := s.Walk(ctx, func(string) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("Walk = %v after %d calls, want fn's error unchanged after 1", err, calls)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Walk(cctx, func(string) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Walk(cancelled) = %v", err)
	}
	if err := s.Put(cctx, "x", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Put(cancelled) = %v", err)
	}
	if _, err := s.Get(cctx, "d/1"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get(cancelled) = %v", err)
	}
	if err := s.Delete(cctx, "d/1"); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete(cancelled) = %v", err)
	}
}

// nastyKeys are refused by every store before touching the disk.
var nastyKeys = []string{
	"",
	".",
	"..",
	"../x",
	"../../../../etc/passwd",
	"a/../../x",
	"a/..",
	"a/./b",
	"./a",
	"/etc/passwd",
	"/abs",
	"a//b",
	"a/",
	"a\\..\\..\\x",
	"..\\x",
	"C:\\Windows",
	"c:/x",
	"a\x00b",
	"a\nb",
	"a b",
	"%2e%2e/x",
	"~/x",
	"a/.hidden",
	".tmp-0123",
	"d/.tmp-0123",
	"ａ", // full-width letter
	"é",
	"a/" + strings.Repeat("b", 256),
	strings.Repeat("a/", 256) + "b",
}

func TestNastyKeysRefused(t *testing.T) {
	ctx := context.Background()
	outside := t.TempDir()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			for _, k := range nastyKeys {
				check := func(op string, err error) {
					t.Helper()
					if !errors.Is(err, ErrInvalidKey) || errs.KindOf(err) != errs.Invalid || !errs.Is(err, "BLOB_KEY_INVALID") {
						t.Errorf("%s(%q): err = %v, want ErrInvalidKey", op, k, err)
					}
				}
				check("Put", s.Put(ctx, k, []byte("escaped")))
				_, err := s.Get(ctx, k)
				check("Get", err)
				check("Delete", s.Delete(ctx, k))
			}
		})
	}
	// Nothing landed next to the store or in the temp tree.
	filepath.WalkDir(filepath.Dir(outside), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Equal(b, []byte("escaped")) {
				t.Errorf("a nasty key wrote %s", p)
			}
		}
		return nil
	})
}

func TestValidKeyBoundaries(t *testing.T) {
	good := []string{"a", "A-Z_0.9", "x/y/z", "a..b", "a.", strings.Repeat("b", 255), strings.Repeat("a/", 255) + "bb"}
	for _, k := range good {
		if !ValidKey(k) {
			t.Errorf("ValidKey(%.20q) = false", k)
		}
	}
	if len(strings.Repeat("a/", 255)+"bb") != MaxKeyLen {
		t.Fatal("boundary key is not MaxKeyLen long")
	}
	if ValidKey(strings.Repeat("a/", 255) + "bbb") {
		t.Error("key longer than MaxKeyLen accepted")
	}
}

// A symlink planted inside the store (by an attacker with some write access,
// or a careless operator) must not lead reads or writes outside it.
func TestSymlinkEscapeRefused(t *testing.T) {
	ctx := context.Background()
	l, dir := newLocal(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("outside secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "evil")); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if b, err := l.Get(ctx, "evil/secret"); err == nil {
		t.Errorf("read through a symlinked directory: %q", b)
	}
	if b, err := l.Get(ctx, "link"); err == nil {
		t.Errorf("read through a symlinked file: %q", b)
	}
	if err := l.Put(ctx, "evil/planted", []byte("x")); err == nil {
		t.Error("wrote through a symlinked directory")
	}
	if err := l.Put(ctx, "evil/sub/planted", []byte("x")); err == nil {
		t.Error("created directories through a symlinked directory")
	}
	ents, _ := os.ReadDir(outside)
	if len(ents) != 1 {
		t.Errorf("the outside directory now holds %d entries", len(ents))
	}
	// Walk does not follow or report links.
	if got := walkAll(t, l); len(got) != 0 {
		t.Errorf("Walk reported %q", got)
	}
	// Deleting the link removes the link, never the target.
	if err := l.Delete(ctx, "link"); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(outside, "secret")); err != nil {
		t.Errorf("Delete reached the link target: %v", err)
	}
}

func TestLocalFileModesAndNoTempLeft(t *testing.T) {
	ctx := context.Background()
	l, dir := newLocal(t)
	if err := l.Put(ctx, "a/b/c", []byte("x")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{"a/b/c": 0o600, "a/b": 0o700, "a": 0o700, ".": 0o700} {
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s mode = %v, want %v", p, st.Mode().Perm(), want)
		}
	}
	// A leftover temp file (crash mid-Put) is invisible to Walk.
	os.WriteFile(filepath.Join(dir, "a", ".tmp-crashed"), []byte("partial"), 0o600)
	if got := walkAll(t, l); !slices.Equal(got, []string{"a/b/c"}) {
		t.Errorf("Walk = %q", got)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "a", "b"))
	if len(ents) != 1 {
		t.Errorf("%d entries in a/b after Put, want 1 (temp file left?)", len(ents))
	}
	if l.Dir() != dir {
		t.Errorf("Dir() = %q, want %q", l.Dir(), dir)
	}
}

func TestPutConflicts(t *testing.T) {
	ctx := context.Background()
	l, _ := newLocal(t)
	l.Put(ctx, "a/b", []byte("x"))
	if err := l.Put(ctx, "a/b/c", []byte("x")); err == nil {
		t.Error("Put below an object succeeded")
	}
	if err := l.Put(ctx, "a", []byte("x")); err == nil {
		t.Error("Put over a directory succeeded")
	}
	if got, _ := l.Get(ctx, "a/b"); string(got) != "x" {
		t.Error("a failed Put damaged an existing object")
	}
}

func TestConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			const writers, rounds = 8, 20
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for r := range rounds {
						// All writers fight over one key and also create
						// sibling directories at the same time.
						val := bytes.Repeat([]byte{byte(w)}, 4096+w)
						if err := s.Put(ctx, "shared/object", val); err != nil {
							t.Errorf("Put shared: %v", err)
						}
						if err := s.Put(ctx, fmt.Sprintf("own/%d/%d", w, r), val); err != nil {
							t.Errorf("Put own: %v", err)
						}
						got, err := s.Get(ctx, "shared/object")
						if err != nil {
							t.Errorf("Get shared: %v", err)
							continue
						}
						// Whole writes only: one writer's bytes, right length.
						if len(got) < 4096 || len(got) != 4096+int(got[0]) || bytes.Count(got, got[:1]) != len(got) {
							t.Errorf("torn read: %d bytes", len(got))
						}
					}
				})
			}
			wg.Wait()
			if got := walkAll(t, s); len(got) != writers*rounds+1 {
				t.Errorf("Walk found %d objects, want %d", len(got), writers*rounds+1)
			}
		})
	}
}

func TestNewLocalErrors(t *testing.T) {
	if _, err := NewLocal(""); err == nil {
		t.Error("NewLocal(\"\") succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := NewLocal(file); err == nil {
		t.Error("NewLocal(a file) succeeded")
	}
}
