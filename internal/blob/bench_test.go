package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
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

// BenchmarkS3EncryptedPut measures sealing and uploading one object to the
// S3 test server (versitygw on loopback, its posix backend on the local
// disk) through the encrypting wrapper, with the default part size (16 MiB:
// the 32 MiB object goes up as two parallel parts), and reading it back:
//
//	go test -run x -bench S3Encrypted -benchtime 20x ./internal/blob/
func BenchmarkS3EncryptedPut(b *testing.B) {
	srv := sharedS3(b)
	if srv == nil {
		b.Skip("no S3 server")
	}
	ctx := context.Background()
	cfg := s3Config(srv, freshPrefix())
	cfg.PartSize = 0 // the default
	inner, err := NewS3(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	kr, err := newBenchKeyring()
	if err != nil {
		b.Fatal(err)
	}
	s := NewEncrypted(inner, kr)
	for _, size := range []int{1 << 20, 8 << 20, 32 << 20} {
		data := make([]byte, size)
		rand.Read(data)
		b.Run(fmt.Sprintf("put-%dMiB", size>>20), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				if err := s.Put(ctx, "bench/object", data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("get-%dMiB", size>>20), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := s.Get(ctx, "bench/object"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
