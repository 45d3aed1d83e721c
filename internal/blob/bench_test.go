package blob

import (
	"bytes"
	"context"
	"testing"

	"github.com/veriwallet/veriwallet/internal/keys"
)

// BenchmarkEncryptedPutGet measures one sealed 5 MB document written (with
// fsync) and read back through the local store.
func BenchmarkEncryptedPutGet(b *testing.B) {
	ctx := context.Background()
	l, err := NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	kr, err := newBenchKeyring()
	if err != nil {
		b.Fatal(err)
	}
	s := NewEncrypted(l, kr)
	data := make([]byte, 5<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Put(ctx, "documents/bench/front.jpg", data); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Get(ctx, "documents/bench/front.jpg"); err != nil {
			b.Fatal(err)
		}
	}
}

func newBenchKeyring() (*keys.Keyring, error) {
	return keys.New(map[string][]byte{"k1": bytes.Repeat([]byte{1}, 32)}, "k1", bytes.Repeat([]byte{9}, 32))
}
