// Package blob stores opaque objects (document images, exports) by key.
// Local keeps them as files under one directory that no key can escape;
// Encrypted wraps any Store so that everything written is sealed with the
// keyring first. Keys are paths such as "documents/0b1c/front.jpg".
package blob

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/keys"
)

// Store is a flat key -> bytes object store.
type Store interface {
	// Put stores data under key, replacing any previous object atomically:
	// a reader sees the old object or the new one, never a mix.
	// Errors: ErrInvalidKey.
	Put(ctx context.Context, key string, data []byte) error
	// Get returns the object under key. Errors: ErrNotFound, ErrInvalidKey.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes the object under key; deleting a missing object is not
	// an error. Errors: ErrInvalidKey.
	Delete(ctx context.Context, key string) error
	// Walk calls fn with the key of every object, in an order each store
	// documents, stopping at and returning (unchanged) the first error fn
	// returns. Objects put or deleted
	// during the walk may or may not be seen.
	Walk(ctx context.Context, fn func(key string) error) error
}

// Errors returned by stores; test with errors.Is.
var (
	// ErrNotFound: no object under the key.
	ErrNotFound = errs.New(errs.NotFound, "BLOB_NOT_FOUND",
		"The file was not found.",
		"未找到该文件。")
	// ErrInvalidKey: the key is empty, too long, or has characters or path
	// segments a key may not have.
	ErrInvalidKey = errs.New(errs.Invalid, "BLOB_KEY_INVALID",
		"The file name is not allowed.",
		"文件名不允许。")
)

// MaxKeyLen bounds a key's length in bytes.
const MaxKeyLen = 512

// maxSegmentLen is the usual file name limit (NAME_MAX).
const maxSegmentLen = 255

// ValidKey reports whether key may be used: 1 to MaxKeyLen bytes of
// [A-Za-z0-9/_.-], "/"-separated segments that are non-empty, at most 255
// bytes, and do not start with "." (which rules out "." and ".." and keeps
// names starting with "." free for the store's temporary files). So a key
// never starts or ends with "/" and never holds "//".
func ValidKey(key string) bool {
	if len(key) == 0 || len(key) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '/' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg[0] == '.' || len(seg) > maxSegmentLen {
			return false
		}
	}
	return true
}

func checkKey(key string) error {
	if !ValidKey(key) {
		return ErrInvalidKey
	}
	return nil
}

// Encrypted is a Store that seals every object with a keys.Keyring before it
// reaches the inner store (with the object key as associated data, so an
// object copied under another key does not open) and opens it on Get. The
// inner store never sees plaintext. Safe for concurrent use if the inner
// store is.
type Encrypted struct {
	inner Store
	kr    *keys.Keyring
}

// NewEncrypted returns an encrypting Store over inner.
func NewEncrypted(inner Store, kr *keys.Keyring) *Encrypted {
	return &Encrypted{inner: inner, kr: kr}
}

// aad binds a sealed object to its key.
func aad(key string) []byte { return []byte("veriwallet/blob/v1:" + key) }

// Put seals data and stores it under key. Errors: as the inner store's Put,
// ErrInvalidKey.
func (e *Encrypted) Put(ctx context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	sealed, err := e.kr.Seal(data, aad(key))
	if err != nil {
		return err
	}
	return e.inner.Put(ctx, key, sealed)
}

// Get fetches and opens the object under key. Errors: ErrNotFound,
// ErrInvalidKey, keys.ErrCorrupt (tampered, not sealed, or moved from
// another key), keys.ErrUnknownKey.
func (e *Encrypted) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	sealed, err := e.inner.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return e.kr.Open(sealed, aad(key))
}

// Delete removes the object under key. Errors: as the inner store.
func (e *Encrypted) Delete(ctx context.Context, key string) error {
	return e.inner.Delete(ctx, key)
}

// Walk lists the inner store's keys.
func (e *Encrypted) Walk(ctx context.Context, fn func(key string) error) error {
	return e.inner.Walk(ctx, fn)
}

// Rewrap re-wraps, under the keyring's current master key, every object of s
// (the inner store of an Encrypted, holding sealed objects) that is wrapped
// by an older key, and returns how many it rewrote. Only data keys are
// re-wrapped; ciphertexts are unchanged. Run it after kr.Rotate.
//
// An object Put between Rewrap's Get and Put of the same key would be
// overwritten by the older version, so run it when objects are not being
// replaced (documents are written once under fresh keys, which is safe).
//
// Errors: the first failure, naming the object's key, after n objects were
// rewritten; keys.ErrCorrupt for an object that is not an envelope;
// keys.ErrUnknownKey; ctx.Err() when cancelled. Running it again resumes.
func Rewrap(ctx context.Context, s Store, kr *keys.Keyring) (n int, err error) {
	err = s.Walk(ctx, func(key string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		sealed, err := s.Get(ctx, key)
		if errors.Is(err, ErrNotFound) {
			return nil // deleted since the walk listed it
		}
		if err != nil {
			return fmt.Errorf("blob %s: %w", key, err)
		}
		if _, err := kr.KeyID(sealed); err != nil {
			return fmt.Errorf("blob %s: %w", key, err)
		}
		if !kr.NeedsRewrap(sealed) {
			return nil
		}
		rw, err := kr.Rewrap(sealed)
		if err != nil {
			return fmt.Errorf("blob %s: %w", key, err)
		}
		if err := s.Put(ctx, key, rw); err != nil {
			return fmt.Errorf("blob %s: %w", key, err)
		}
		n++
		return nil
	})
	return n, err
}
