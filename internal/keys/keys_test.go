package keys

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// seqReader is a deterministic "random" source for tests: bytes 0,1,2,...
// continuing from where it left off, offset by seed.
type seqReader struct{ n byte }

func (r *seqReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func testKeyring(t testing.TB) *Keyring {
	t.Helper()
	k, err := New(map[string][]byte{"k1": key(1), "k2": key(2)}, "k1", key(9))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	k := testKeyring(t)
	tests := []struct {
		name      string
		plaintext []byte
		aad       []byte
	}{
		{"empty", nil, nil},
		{"empty with aad", []byte{}, []byte("users/42/name")},
		{"one byte", []byte{0}, nil},
		{"chinese name", []byte("张三丰"), []byte("users/1/name")},
		{"1 KiB", bytes.Repeat([]byte("a"), 1024), []byte("x")},
		{"1 MiB", bytes.Repeat([]byte{0xff, 0}, 1<<19), []byte("docs/1/front.jpg")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := k.Seal(tt.plaintext, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			if want := fixedOverhead + len("k1") + len(tt.plaintext); len(sealed) != want {
				t.Errorf("len(sealed) = %d, want %d", len(sealed), want)
			}
			if cap(sealed) != len(sealed) {
				t.Errorf("cap(sealed) = %d, want exactly %d (one right-sized allocation)", cap(sealed), len(sealed))
			}
			if len(tt.plaintext) >= 8 && bytes.Contains(sealed, tt.plaintext) {
				t.Error("sealed output contains the plaintext")
			}
			got, err := k.Open(sealed, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("Open = %d bytes, want the %d sealed", len(got), len(tt.plaintext))
			}
			id, err := k.KeyID(sealed)
			if err != nil || id != "k1" {
				t.Errorf("KeyID = %q, %v; want k1", id, err)
			}
		})
	}
}

func TestSealIsRandomized(t *testing.T) {
	k := testKeyring(t)
	a, _ := k.Seal([]byte("same"), nil)
	b, _ := k.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical")
	}
	// Wrapped DEKs must differ too (fresh data key per call).
	e1, _ := parse(a)
	e2, _ := parse(b)
	if bytes.Equal(e1.wrapped, e2.wrapped) || bytes.Equal(e1.dataNonce, e2.dataNonce) {
		t.Fatal("data key or nonce reused between seals")
	}
}

func TestOpenDetectsTampering(t *testing.T) {
	k := testKeyring(t)
	sealed, err := k.Seal([]byte("ID 110101199003074514"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	idStart, idEnd := minHeader-1, minHeader+len("k1") // length byte and id
	for i := range sealed {
		for _, mask := range []byte{0x01, 0x80} {
			bad := bytes.Clone(sealed)
			bad[i] ^= mask
			_, err := k.Open(bad, []byte("aad"))
			switch {
			case err == nil:
				t.Fatalf("flipping bit %#x of byte %d went unnoticed", mask, i)
			case i >= idStart && i < idEnd:
				if !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrCorrupt) {
					t.Errorf("byte %d (key id or its length): err = %v, want ErrUnknownKey or ErrCorrupt", i, err)
				}
			case !errors.Is(err, ErrCorrupt):
				t.Errorf("byte %d: err = %v, want ErrCorrupt", i, err)
			}
		}
	}
	for n := 0; n < len(sealed); n++ {
		if _, err := k.Open(sealed[:n], []byte("aad")); !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated to %d: err = %v, want ErrCorrupt", n, err)
		}
	}
	if _, err := k.Open(append(bytes.Clone(sealed), 0), []byte("aad")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("extended: err = %v, want ErrCorrupt", err)
	}
	if _, err := k.Open(sealed, []byte("aae")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("wrong aad: err = %v, want ErrCorrupt", err)
	}
	if _, err := k.Open(sealed, nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("missing aad: err = %v, want ErrCorrupt", err)
	}
	if _, err := k.Open(sealed, []byte("aad")); err != nil {
		t.Errorf("the original no longer opens: %v", err)
	}
}

func TestOpenWrongKey(t *testing.T) {
	k := testKeyring(t)
	sealed, _ := k.Seal([]byte("secret"), nil)

	other, _ := New(map[string][]byte{"k9": key(1)}, "k9", key(9))
	_, err := other.Open(sealed, nil)
	if !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key id: err = %v, want ErrUnknownKey", err)
	}
	if !errs.Is(err, "KEY_UNKNOWN") || errs.KindOf(err) != errs.Internal {
		t.Errorf("unknown key: code/kind = %v/%v", errs.As(err).Code, errs.KindOf(err))
	}

	// Same id, different key material (another installation's keys.json).
	impostor, _ := New(map[string][]byte{"k1": key(7)}, "k1", key(9))
	if _, err := impostor.Open(sealed, nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("same id, other key: err = %v, want ErrCorrupt", err)
	}

	// Relabelling the envelope to another key the keyring holds must fail:
	// the wrap authenticates the key id.
	relabelled := bytes.Clone(sealed)
	copy(relabelled[minHeader:], "k2")
	if _, err := k.Open(relabelled, nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("relabelled key id: err = %v, want ErrCorrupt", err)
	}
}

func TestOpenRejectsGarbage(t *testing.T) {
	k := testKeyring(t)
	good, _ := k.Seal([]byte("x"), nil)
	badVersion := bytes.Clone(good)
	badVersion[3] = 2
	zeroID := bytes.Clone(good)
	zeroID[4] = 0
	longID := bytes.Clone(good)
	longID[4] = 200
	tests := map[string][]byte{
		"nil":         nil,
		"magic only":  []byte("VWK"),
		"wrong magic": append([]byte("XYZ"), good[3:]...),
		"version 2":   badVersion,
		"id len 0":    zeroID,
		"id len 200":  longID,
		"all zero":    make([]byte, 200),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := k.Open(in, nil); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Open: err = %v, want ErrCorrupt", err)
			}
			if _, err := k.Rewrap(in); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Rewrap: err = %v, want ErrCorrupt", err)
			}
			if k.NeedsRewrap(in) {
				t.Error("NeedsRewrap(garbage) = true")
			}
		})
	}
}

func TestRewrap(t *testing.T) {
	k := testKeyring(t)
	sealed, _ := k.Seal([]byte("passport page"), []byte("docs/7"))
	if k.NeedsRewrap(sealed) {
		t.Fatal("fresh envelope needs rewrap")
	}
	k2, _ := New(map[string][]byte{"k1": key(1), "k2": key(2)}, "k2", key(9))
	if !k2.NeedsRewrap(sealed) {
		t.Fatal("envelope under k1 does not need rewrap when k2 is current")
	}
	rw, err := k2.Rewrap(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := k2.KeyID(rw); id != "k2" || k2.NeedsRewrap(rw) {
		t.Fatalf("rewrapped key id = %q, NeedsRewrap = %v", id, k2.NeedsRewrap(rw))
	}
	// The ciphertext (and its nonce) is untouched: only the DEK wrap changed.
	e1, _ := parse(sealed)
	e2, _ := parse(rw)
	if !bytes.Equal(e1.ct, e2.ct) || !bytes.Equal(e1.dataNonce, e2.dataNonce) {
		t.Error("Rewrap changed the data ciphertext")
	}
	if bytes.Equal(e1.wrapped, e2.wrapped) {
		t.Error("Rewrap did not re-wrap the data key")
	}
	onlyK2, _ := New(map[string][]byte{"k2": key(2)}, "k2", key(9))
	got, err := onlyK2.Open(rw, []byte("docs/7"))
	if err != nil || string(got) != "passport page" {
		t.Fatalf("Open(rewrapped) with only k2 = %q, %v", got, err)
	}
	if _, err := onlyK2.Open(sealed, []byte("docs/7")); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("original under k1 opened without k1: %v", err)
	}
	if _, err := onlyK2.Rewrap(sealed); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Rewrap without the old key: err = %v, want ErrUnknownKey", err)
	}
	tampered := bytes.Clone(sealed)
	tampered[minHeader+2+nonceSize] ^= 1 // inside the wrapped DEK
	if _, err := k2.Rewrap(tampered); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Rewrap(tampered wrap): err = %v, want ErrCorrupt", err)
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name    string
		master  map[string][]byte
		current string
		index   []byte
	}{
		{"no keys", nil, "k1", key(9)},
		{"current missing", map[string][]byte{"k1": key(1)}, "k2", key(9)},
		{"short key", map[string][]byte{"k1": key(1)[:16]}, "k1", key(9)},
		{"short index", map[string][]byte{"k1": key(1)}, "k1", key(9)[:31]},
		{"bad id chars", map[string][]byte{"k/1": key(1)}, "k/1", key(9)},
		{"empty id", map[string][]byte{"": key(1)}, "", key(9)},
		{"long id", map[string][]byte{strings.Repeat("a", 65): key(1)}, strings.Repeat("a", 65), key(9)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.master, tt.current, tt.index)
			if !errors.Is(err, ErrBadMasterKey) || errs.KindOf(err) != errs.Invalid {
				t.Errorf("err = %v, want ErrBadMasterKey (Invalid)", err)
			}
		})
	}
	long := strings.Repeat("a", 64)
	k, err := New(map[string][]byte{long: key(1)}, long, key(9))
	if err != nil {
		t.Fatalf("64-char id refused: %v", err)
	}
	s, _ := k.Seal([]byte("x"), nil)
	if got, err := k.Open(s, nil); err != nil || string(got) != "x" {
		t.Errorf("64-char id round trip: %q, %v", got, err)
	}
}

// hkdfSHA256 is RFC 5869 written out independently, for one output block.
func hkdfSHA256(secret []byte, info string) []byte {
	ext := hmac.New(sha256.New, make([]byte, sha256.Size))
	ext.Write(secret)
	prk := ext.Sum(nil)
	exp := hmac.New(sha256.New, prk)
	exp.Write([]byte(info))
	exp.Write([]byte{1})
	return exp.Sum(nil)
}

func TestBlindIndex(t *testing.T) {
	k := testKeyring(t)
	value := []byte("110101199003074514")
	got := k.BlindIndex("id_number", value)
	if len(got) != 32 {
		t.Fatalf("len = %d, want 32", len(got))
	}
	m := hmac.New(sha256.New, hkdfSHA256(key(9), "veriwallet/keys/blind-index/v1/id_number"))
	m.Write(value)
	if want := m.Sum(nil); !bytes.Equal(got, want) {
		t.Errorf("BlindIndex = %x, want HMAC(HKDF(index, domain), value) = %x", got, want)
	}
	// Pinned: changing the derivation would orphan every stored index.
	const golden = "2a820db5597df9716aa3e93edc75552633214db870769685c1e2af6ee4deebc1"
	if hex.EncodeToString(got) != golden {
		t.Logf("BlindIndex golden = %x", got)
		t.Errorf("BlindIndex derivation changed")
	}
	if bytes.Equal(got, k.BlindIndex("email", value)) {
		t.Error("different domains give the same index")
	}
	if bytes.Equal(got, k.BlindIndex("id_number", []byte("110101199003074515"))) {
		t.Error("different values give the same index")
	}
	if bytes.Equal(got, k.BlindIndex("id_number", nil)) {
		t.Error("empty value gives the same index")
	}
	// Domain and value must not be ambiguous: ("a", "bc") vs ("ab", "c").
	if bytes.Equal(k.BlindIndex("a", []byte("bc")), k.BlindIndex("ab", []byte("c"))) {
		t.Error("domain/value boundary is ambiguous")
	}
	other, _ := New(map[string][]byte{"k1": key(1)}, "k1", key(8))
	if bytes.Equal(got, other.BlindIndex("id_number", value)) {
		t.Error("index does not depend on the index key")
	}
	if s := k.BlindIndexString("id_number", string(value)); s != hex.EncodeToString(got) {
		t.Errorf("BlindIndexString = %s", s)
	}
	// Stable across rotation.
	if _, err := k.Rotate(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, k.BlindIndex("id_number", value)) {
		t.Error("BlindIndex changed after Rotate")
	}
}

func TestSealString(t *testing.T) {
	k := testKeyring(t)
	s, err := k.SealString("李小龙", "users/1/name")
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(s, "+/=") {
		t.Errorf("SealString output %q is not URL-safe unpadded base64", s)
	}
	if _, err := base64.RawURLEncoding.DecodeString(s); err != nil {
		t.Errorf("not raw URL base64: %v", err)
	}
	got, err := k.OpenString(s, "users/1/name")
	if err != nil || got != "李小龙" {
		t.Fatalf("OpenString = %q, %v", got, err)
	}
	for _, bad := range []string{"", "!!!", s[:len(s)-4], s + "A"} {
		if _, err := k.OpenString(bad, "users/1/name"); !errors.Is(err, ErrCorrupt) {
			t.Errorf("OpenString(%.10q…): err = %v, want ErrCorrupt", bad, err)
		}
	}
	if _, err := k.OpenString(s, "users/2/name"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("moved to another row: err = %v, want ErrCorrupt", err)
	}
}

func TestConcurrentUseDuringRotation(t *testing.T) {
	k := testKeyring(t)
	dir := t.TempDir()
	var wg sync.WaitGroup
	errc := make(chan error, 100)
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for i := 0; i < 50; i++ {
				s, err := k.Seal([]byte("concurrent"), []byte{byte(g)})
				if err != nil {
					errc <- err
					return
				}
				if _, err := k.Open(s, []byte{byte(g)}); err != nil {
					errc <- err
					return
				}
				if k.NeedsRewrap(s) {
					if _, err := k.Rewrap(s); err != nil {
						errc <- err
						return
					}
				}
			}
		})
	}
	wg.Go(func() {
		for i := 0; i < 3; i++ {
			if _, err := k.Rotate(dir); err != nil {
				errc <- err
			}
		}
	})
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if n := len(k.IDs()); n != 5 {
		t.Errorf("keys after 3 rotations = %d, want 5", n)
	}
}

func TestSealAllocations(t *testing.T) {
	k := testKeyring(t)
	pt := make([]byte, 1024)
	aad := []byte("docs/1")
	sealed, _ := k.Seal(pt, aad)
	seal := testing.AllocsPerRun(50, func() { _, _ = k.Seal(pt, aad) })
	open := testing.AllocsPerRun(50, func() { _, _ = k.Open(sealed, aad) })
	t.Logf("allocations: Seal %.0f, Open %.0f", seal, open)
	// The output and plaintext are one allocation each; the rest is the
	// per-message AES/GCM state and small headers. Guard against copies.
	if seal > 8 || open > 8 {
		t.Errorf("allocations: Seal %.0f, Open %.0f; want at most 8 each", seal, open)
	}
}

func BenchmarkSeal(b *testing.B) {
	for _, size := range []int{1 << 10, 5 << 20} {
		b.Run(sizeName(size), func(b *testing.B) {
			k := testKeyring(b)
			pt := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := k.Seal(pt, []byte("docs/1")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, size := range []int{1 << 10, 5 << 20} {
		b.Run(sizeName(size), func(b *testing.B) {
			k := testKeyring(b)
			sealed, _ := k.Seal(make([]byte, size), []byte("docs/1"))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := k.Open(sealed, []byte("docs/1")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBlindIndex(b *testing.B) {
	k := testKeyring(b)
	v := []byte("110101199003074514")
	b.ReportAllocs()
	for b.Loop() {
		k.BlindIndex("id_number", v)
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return strconv.Itoa(n>>20) + "MB"
	}
	return strconv.Itoa(n>>10) + "KB"
}

func TestZeroKeyringFailsSafely(t *testing.T) {
	var k Keyring
	if _, err := k.Seal([]byte("x"), nil); err == nil {
		t.Error("zero Keyring sealed")
	}
	good, _ := testKeyring(t).Seal([]byte("x"), nil)
	if _, err := k.Open(good, nil); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("zero Keyring Open: %v", err)
	}
	if _, err := k.Rewrap(good); err == nil {
		t.Error("zero Keyring rewrapped")
	}
	if _, err := k.Rotate(t.TempDir()); err == nil {
		t.Error("zero Keyring rotated")
	}
	if err := k.Reload(t.TempDir()); err == nil {
		t.Error("zero Keyring reloaded")
	}
}

func TestRewrapString(t *testing.T) {
	k1 := bytes.Repeat([]byte{1}, 32)
	k2 := bytes.Repeat([]byte{2}, 32)
	idx := bytes.Repeat([]byte{9}, 32)
	old, err := New(map[string][]byte{"a": k1}, "a", idx)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.SealString("李雷", "users.email:1")
	if err != nil {
		t.Fatal(err)
	}
	both, err := New(map[string][]byte{"a": k1, "b": k2}, "b", idx)
	if err != nil {
		t.Fatal(err)
	}
	nv, changed, err := both.RewrapString(sealed)
	if err != nil || !changed || nv == sealed {
		t.Fatalf("rewrap: %v %v", changed, err)
	}
	onlyNew, _ := New(map[string][]byte{"b": k2}, "b", idx)
	if pt, err := onlyNew.OpenString(nv, "users.email:1"); err != nil || pt != "李雷" {
		t.Fatalf("open under the new key alone: %q %v", pt, err)
	}
	if _, changed, _ := both.RewrapString(nv); changed {
		t.Fatal("rewrapped twice")
	}
	if _, _, err := both.RewrapString("%%%"); err == nil {
		t.Fatal("garbage accepted")
	}
}
