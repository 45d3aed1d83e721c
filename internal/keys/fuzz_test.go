package keys

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzOpen feeds arbitrary envelopes and aads to every method that parses
// one. None may panic; every failure must be ErrCorrupt or ErrUnknownKey;
// and since nobody without the keys can forge an envelope, the only inputs
// that may open are the seeds themselves.
func FuzzOpen(f *testing.F) {
	// Deterministic randomness: the fuzzing engine runs this setup again in
	// each worker process, and the seeds must be the same everywhere.
	k, err := newKeyring(map[string][]byte{"k1": key(1), "k2": key(2)}, "k1", key(9), &seqReader{})
	if err != nil {
		f.Fatal(err)
	}
	type pair struct{ sealed, aad, plain []byte }
	var seeds []pair
	for _, p := range []struct{ plain, aad string }{
		{"", ""}, {"x", ""}, {"张三 110101199003074514", "users/1/name"}, {string(make([]byte, 300)), "docs/1"},
	} {
		s, err := k.Seal([]byte(p.plain), []byte(p.aad))
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, pair{s, []byte(p.aad), []byte(p.plain)})
		f.Add(s, []byte(p.aad))
		f.Add(s[:len(s)-1], []byte(p.aad))
	}
	f.Add([]byte("VWK\x01\x02k1"), []byte(nil))
	f.Add([]byte("VWK\x01\xffk1"), []byte(nil))
	f.Add([]byte{}, []byte("a"))

	f.Fuzz(func(t *testing.T, sealed, aad []byte) {
		orig := bytes.Clone(sealed)
		pt, err := k.Open(sealed, aad)
		if !bytes.Equal(orig, sealed) {
			t.Fatal("Open modified its input")
		}
		if err == nil {
			ok := false
			for _, s := range seeds {
				if bytes.Equal(s.sealed, sealed) && bytes.Equal(s.aad, aad) && bytes.Equal(s.plain, pt) {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("a forged envelope opened: %x", sealed)
			}
		} else if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("Open: unexpected error %v", err)
		}
		_, _ = k.KeyID(sealed)
		_ = k.NeedsRewrap(sealed)
		openErr := err
		if rw, err := k.Rewrap(sealed); err == nil {
			// Rewrap changes the wrap only: the rewrapped envelope opens
			// exactly when the original does, to the same plaintext.
			pt2, err := k.Open(rw, aad)
			if (err == nil) != (openErr == nil) || !bytes.Equal(pt, pt2) {
				t.Fatalf("Rewrap changed the outcome: %v -> %v", openErr, err)
			}
		}
		_, _ = k.OpenString(string(sealed), string(aad))
		if !bytes.Equal(orig, sealed) {
			t.Fatal("a method modified its input")
		}
	})
}

// FuzzKeyFile feeds arbitrary keys.json content to the parser: no panic, and
// anything accepted yields a working keyring.
func FuzzKeyFile(f *testing.F) {
	f.Add([]byte(`{"version":1,"current":"a","master_keys":[{"id":"a","key":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}],"index_key":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		kf, err := parseKeyFile(b)
		if err != nil {
			return
		}
		k, err := fromFile(kf, nil)
		if err != nil {
			return
		}
		s, err := k.Seal([]byte("probe"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := k.Open(s, nil); err != nil || string(got) != "probe" {
			t.Fatalf("accepted key file gives a broken keyring: %v", err)
		}
	})
}
