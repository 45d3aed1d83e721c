// Package keys is veriwallet's encryption at rest: envelope encryption of
// personal data and documents under rotating master keys, and keyed hashes
// ("blind indexes") that let the database find a row by a secret value such as
// an ID number without storing that value in clear.
//
// Every Seal draws a fresh random 256-bit data key (DEK), encrypts the
// plaintext with AES-256-GCM under it, and wraps the DEK with the current
// master key (AES-256-GCM again). Rotation adds a master key; old ones stay
// for reading, and Rewrap moves an envelope to the current key by re-wrapping
// its DEK only, without touching the ciphertext.
//
// Nothing in this package ever logs key material or plaintext.
package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// KeySize is the size in bytes of master keys, data keys and the index key.
const KeySize = 32

// Errors returned by Keyring methods. They are sentinels: test with errors.Is;
// errs.As and errs.KindOf also work on every error this package returns.
var (
	// ErrUnknownKey: the envelope names a master key the keyring does not hold
	// (a keys.json from another installation, or a key removed too early).
	ErrUnknownKey = errs.New(errs.Internal, "KEY_UNKNOWN",
		"The data was encrypted with a key this server does not have.",
		"数据使用了本服务器没有的密钥加密。")
	// ErrCorrupt: the envelope is malformed, was tampered with, or is opened
	// with a different associated data (aad) than it was sealed with.
	ErrCorrupt = errs.New(errs.Internal, "SEALED_DATA_CORRUPT",
		"Stored encrypted data is damaged or does not belong here.",
		"存储的加密数据已损坏或不属于此处。")
	// ErrBadMasterKey: a configured master key is not 32 bytes of base64.
	ErrBadMasterKey = errs.New(errs.Invalid, "MASTER_KEY_INVALID",
		"The master key must be 32 bytes encoded in base64.",
		"主密钥必须是 base64 编码的 32 字节。")
	// ErrKeyFile: keys.json is unreadable, malformed or does not match.
	ErrKeyFile = errs.New(errs.Internal, "KEY_FILE_INVALID",
		"The key file cannot be used.",
		"密钥文件无法使用。")
	// ErrRotateUnsupported: the keyring came from a configured master key,
	// which this process cannot rotate (change the configuration instead).
	ErrRotateUnsupported = errs.New(errs.Invalid, "KEY_ROTATE_UNSUPPORTED",
		"This keyring comes from a configured master key and cannot be rotated here.",
		"此密钥环来自配置的主密钥，无法在此轮换。")
)

// errNoKeys is returned by a zero Keyring (not made by New or Open).
var errNoKeys = errs.Internalf("keys: keyring has no current master key; use New or Open")

// Envelope layout (version 1), all integers big-endian:
//
//	magic "VWK" | version 0x01 | idLen uint8 | keyID | wrapNonce[12] | wrappedDEK[32+16] | dataNonce[12] | ciphertext+tag
//
// The DEK wrap is authenticated with the prefix up to and including keyID, so
// a swapped key id fails to unwrap. The data is authenticated with
// magic|version|caller aad, which excludes the key id so that Rewrap can
// change it without touching the ciphertext.
const (
	magic      = "VWK"
	version1   = 1
	nonceSize  = 12
	tagSize    = 16
	wrappedLen = KeySize + tagSize
	maxIDLen   = 64
	minHeader  = len(magic) + 1 + 1 // magic, version, idLen
	// fixedOverhead is the size of an envelope besides its key id and plaintext.
	fixedOverhead = minHeader + nonceSize + wrappedLen + nonceSize + tagSize
)

// Keyring holds master keys (id -> 32-byte key), one of them current for new
// writes, plus an index key for blind indexes that never rotates. It is safe
// for concurrent use. Make one with Open or New: the zero Keyring holds no
// keys, and its Seal, Rewrap and Rotate return errors.
//
// Wrapping uses a random 96-bit GCM nonce per envelope, which is safe for
// about 2^32 envelopes per master key; rotate long before that.
type Keyring struct {
	mu      sync.RWMutex
	aeads   map[string]cipher.AEAD // id -> AES-256-GCM under the master key
	master  map[string][]byte
	current string

	indexKey  []byte
	domainKey sync.Map // domain -> []byte, the blind index key of a domain
	rand      io.Reader
	fromEnv   bool // built from a configured master key: never written

	// path is the key file of a keyring loaded from one:
	// meeting an unknown key id, Open reloads the file (at most once a
	// second), so a running server reads what `veriwallet keys rotate`
	// re-wrapped under a key it added after the server started.
	path       string
	lastReload atomic.Int64
}

// New builds a keyring from master keys (id -> 32-byte key), the id of the
// current one and a 32-byte index key. It copies its arguments. Ids are 1-64
// characters of [A-Za-z0-9_-]. Errors: ErrBadMasterKey.
func New(master map[string][]byte, current string, indexKey []byte) (*Keyring, error) {
	return newKeyring(master, current, indexKey, rand.Reader)
}

func newKeyring(master map[string][]byte, current string, indexKey []byte, r io.Reader) (*Keyring, error) {
	if r == nil {
		r = rand.Reader
	}
	if len(indexKey) != KeySize {
		return nil, fmt.Errorf("%w: index key must be %d bytes", ErrBadMasterKey, KeySize)
	}
	k := &Keyring{
		aeads:    make(map[string]cipher.AEAD, len(master)),
		master:   make(map[string][]byte, len(master)),
		indexKey: append([]byte(nil), indexKey...),
		rand:     r,
	}
	for id, key := range master {
		if err := k.add(id, key); err != nil {
			return nil, err
		}
	}
	if _, ok := k.master[current]; !ok {
		return nil, fmt.Errorf("%w: current key %q is not in the keyring", ErrBadMasterKey, current)
	}
	k.current = current
	return k, nil
}

// add installs a master key; the caller holds mu (or owns k exclusively).
func (k *Keyring) add(id string, key []byte) error {
	if !validID(id) {
		return fmt.Errorf("%w: bad key id", ErrBadMasterKey)
	}
	if len(key) != KeySize {
		return fmt.Errorf("%w: key %q is %d bytes, want %d", ErrBadMasterKey, id, len(key), KeySize)
	}
	a, err := newGCM(key)
	if err != nil {
		return errs.Internalf("keys: %w", err)
	}
	k.master[id] = append([]byte(nil), key...)
	k.aeads[id] = a
	return nil
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// deriveID names a master key without revealing it: "k" and 16 hex digits of
// an HKDF output of the key.
func deriveID(key []byte) string {
	out, err := hkdf.Key(sha256.New, key, nil, "veriwallet/keys/key-id/v1", 8)
	if err != nil { // only for absurd lengths; cannot happen with 8 bytes
		sum := sha256.Sum256(key)
		out = sum[:8]
	}
	return "k" + hex.EncodeToString(out)
}

// CurrentID returns the id of the master key that wraps new envelopes.
func (k *Keyring) CurrentID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current
}

// IDs returns the ids of every master key held, sorted.
func (k *Keyring) IDs() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return sortedKeys(k.master)
}

func sortedKeys(m map[string][]byte) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// internalErr wraps an unexpected failure (randomness, encoding).
func internalErr(err error) error { return errs.Internalf("keys: %w", err) }

// Seal encrypts plaintext under a fresh data key, bound to aad (which must be
// given again, identical, to Open; use it to tie a ciphertext to its row or
// blob key so it cannot be moved elsewhere). The DEK is wrapped by the current
// master key. Errors: an Internal *errs.Error when randomness fails.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	k.mu.RLock()
	id := k.current
	wrap := k.aeads[id]
	k.mu.RUnlock()
	if wrap == nil {
		return nil, errNoKeys
	}

	hdr := minHeader + len(id)
	total := hdr + nonceSize + wrappedLen + nonceSize + len(plaintext) + tagSize
	out := make([]byte, hdr, total)
	copy(out, magic)
	out[3] = version1
	out[4] = byte(len(id))
	copy(out[minHeader:], id)

	var dek [KeySize]byte
	defer clear(dek[:])
	var nonces [2 * nonceSize]byte
	if _, err := io.ReadFull(k.rand, dek[:]); err != nil {
		return nil, errs.Internalf("keys: random data key: %w", err)
	}
	if _, err := io.ReadFull(k.rand, nonces[:]); err != nil {
		return nil, errs.Internalf("keys: random nonce: %w", err)
	}
	wrapNonce, dataNonce := nonces[:nonceSize], nonces[nonceSize:]

	out = append(out, wrapNonce...)
	// GCM forbids dst overlapping the aad, so authenticate a copy of the header.
	hb := headerCopy(out[:hdr])
	out = wrap.Seal(out, wrapNonce, dek[:], hb)
	out = append(out, dataNonce...)

	data, err := newGCM(dek[:])
	if err != nil {
		return nil, errs.Internalf("keys: %w", err)
	}
	out = data.Seal(out, dataNonce, plaintext, dataAAD(aad))
	return out, nil
}

// headerCopy copies an envelope header (at most minHeader+maxIDLen bytes).
func headerCopy(h []byte) []byte {
	var b [minHeader + maxIDLen]byte
	return b[:copy(b[:], h)]
}

// dataAAD is what the data ciphertext authenticates besides itself: the
// format (so a future version cannot be confused with this one) and the
// caller's aad.
func dataAAD(aad []byte) []byte {
	b := make([]byte, 0, 4+len(aad))
	b = append(b, magic...)
	b = append(b, version1)
	return append(b, aad...)
}

// envelope is a parsed view into a sealed byte slice (no copies).
type envelope struct {
	id        string
	header    []byte // magic..keyID, the wrap's aad
	wrapNonce []byte
	wrapped   []byte
	dataNonce []byte
	ct        []byte
}

func parse(sealed []byte) (envelope, error) {
	if len(sealed) < minHeader || string(sealed[:3]) != magic {
		return envelope{}, fmt.Errorf("%w: not an envelope", ErrCorrupt)
	}
	if sealed[3] != version1 {
		return envelope{}, fmt.Errorf("%w: unknown version %d", ErrCorrupt, sealed[3])
	}
	n := int(sealed[4])
	if n == 0 || n > maxIDLen || len(sealed) < fixedOverhead+n {
		return envelope{}, fmt.Errorf("%w: truncated", ErrCorrupt)
	}
	hdr := minHeader + n
	id := string(sealed[minHeader:hdr])
	if !validID(id) {
		return envelope{}, fmt.Errorf("%w: bad key id", ErrCorrupt)
	}
	p := hdr
	e := envelope{id: id, header: sealed[:hdr]}
	e.wrapNonce = sealed[p : p+nonceSize]
	p += nonceSize
	e.wrapped = sealed[p : p+wrappedLen]
	p += wrappedLen
	e.dataNonce = sealed[p : p+nonceSize]
	p += nonceSize
	e.ct = sealed[p:]
	return e, nil
}

// unwrap returns the DEK of e. Errors: ErrUnknownKey, ErrCorrupt.
func (k *Keyring) unwrap(e envelope, dek []byte) error {
	k.mu.RLock()
	a, ok := k.aeads[e.id]
	k.mu.RUnlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownKey, e.id)
	}
	if _, err := a.Open(dek[:0], e.wrapNonce, e.wrapped, e.header); err != nil {
		return fmt.Errorf("%w: data key does not unwrap", ErrCorrupt)
	}
	return nil
}

// Open decrypts an envelope made by Seal with the same aad. It does not
// modify sealed. Errors: ErrUnknownKey when the master key is not held;
// ErrCorrupt when sealed is malformed, tampered with or aad differs.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	e, err := parse(sealed)
	if err != nil {
		return nil, err
	}
	var dek [KeySize]byte
	defer clear(dek[:])
	if err := k.unwrap(e, dek[:]); err != nil {
		if !errors.Is(err, ErrUnknownKey) || !k.reloadForUnknown() {
			return nil, err
		}
		if err := k.unwrap(e, dek[:]); err != nil {
			return nil, err
		}
	}
	data, err := newGCM(dek[:])
	if err != nil {
		return nil, errs.Internalf("keys: %w", err)
	}
	pt, err := data.Open(make([]byte, 0, len(e.ct)-tagSize), e.dataNonce, e.ct, dataAAD(aad))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrCorrupt)
	}
	return pt, nil
}

// KeyID returns the id of the master key that wraps sealed, without
// decrypting anything. Errors: ErrCorrupt when sealed is not an envelope.
func (k *Keyring) KeyID(sealed []byte) (string, error) {
	e, err := parse(sealed)
	if err != nil {
		return "", err
	}
	return e.id, nil
}

// NeedsRewrap reports whether sealed is a well-formed envelope wrapped by a
// master key other than the current one. It is false for anything that is
// not an envelope.
func (k *Keyring) NeedsRewrap(sealed []byte) bool {
	id, err := k.KeyID(sealed)
	return err == nil && id != k.CurrentID()
}

// Rewrap returns a copy of sealed whose data key is wrapped by the current
// master key; the data nonce and ciphertext are unchanged, so it opens with
// the same aad. An envelope already under the current key comes back as a
// fresh copy too. Errors: ErrUnknownKey, ErrCorrupt (only the DEK wrap is
// checked; a tampered ciphertext is found by Open).
func (k *Keyring) Rewrap(sealed []byte) ([]byte, error) {
	e, err := parse(sealed)
	if err != nil {
		return nil, err
	}
	var dek [KeySize]byte
	defer clear(dek[:])
	if err := k.unwrap(e, dek[:]); err != nil {
		return nil, err
	}
	k.mu.RLock()
	id := k.current
	wrap := k.aeads[id]
	k.mu.RUnlock()
	if wrap == nil {
		return nil, errNoKeys
	}

	hdr := minHeader + len(id)
	tail := len(e.dataNonce) + len(e.ct)
	out := make([]byte, hdr, hdr+nonceSize+wrappedLen+tail)
	copy(out, magic)
	out[3] = version1
	out[4] = byte(len(id))
	copy(out[minHeader:], id)
	var nonce [nonceSize]byte
	if _, err := io.ReadFull(k.rand, nonce[:]); err != nil {
		return nil, errs.Internalf("keys: random nonce: %w", err)
	}
	out = append(out, nonce[:]...)
	hb := headerCopy(out[:hdr])
	out = wrap.Seal(out, nonce[:], dek[:], hb)
	out = append(out, e.dataNonce...)
	out = append(out, e.ct...)
	return out, nil
}

// BlindIndex returns a 32-byte keyed hash of value for equality lookups
// (store it in an indexed column, look rows up by recomputing it). Each
// domain ("email", "id_number", ...) gets its own HKDF-derived key, so equal
// values in different domains do not link. The index key never rotates, so
// the result is stable across master key rotation. Normalise value first
// (case, spaces, full-width digits): the hash matches exact bytes only.
func (k *Keyring) BlindIndex(domain string, value []byte) []byte {
	m := hmac.New(sha256.New, k.blindKey(domain))
	m.Write(value)
	return m.Sum(nil)
}

// blindKey returns (and caches: domains are a handful of constants) the
// HKDF-derived key of a blind index domain.
func (k *Keyring) blindKey(domain string) []byte {
	if dk, ok := k.domainKey.Load(domain); ok {
		return dk.([]byte)
	}
	dk, err := hkdf.Key(sha256.New, k.indexKey, nil, "veriwallet/keys/blind-index/v1/"+domain, KeySize)
	if err != nil { // cannot happen for a 32-byte output; keep a safe fallback
		m := hmac.New(sha256.New, k.indexKey)
		m.Write([]byte(domain))
		dk = m.Sum(nil)
	}
	if len(domain) <= 64 { // bound the cache against callers passing data as a domain
		k.domainKey.Store(domain, dk)
	}
	return dk
}

// BlindIndexString is BlindIndex of a string, hex-encoded for a text column.
func (k *Keyring) BlindIndexString(domain, value string) string {
	return hex.EncodeToString(k.BlindIndex(domain, []byte(value)))
}

// textEncoding is the base64 form of envelopes in text columns: URL-safe and
// unpadded, so it needs no escaping anywhere.
var textEncoding = base64.RawURLEncoding

// SealString seals s bound to aad and returns it as unpadded URL-safe
// base64, for TEXT columns. Errors: as Seal.
func (k *Keyring) SealString(s, aad string) (string, error) {
	b, err := k.Seal([]byte(s), []byte(aad))
	if err != nil {
		return "", err
	}
	return textEncoding.EncodeToString(b), nil
}

// OpenString reverses SealString. Errors: ErrCorrupt (including bad base64),
// ErrUnknownKey.
func (k *Keyring) OpenString(sealed, aad string) (string, error) {
	b, err := textEncoding.DecodeString(sealed)
	if err != nil {
		return "", fmt.Errorf("%w: not base64", ErrCorrupt)
	}
	pt, err := k.Open(b, []byte(aad))
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// RewrapString is Rewrap for the text form made by SealString: it returns
// the value re-wrapped under the current key, and whether it changed.
func (k *Keyring) RewrapString(sealed string) (string, bool, error) {
	b, err := textEncoding.DecodeString(sealed)
	if err != nil {
		return "", false, fmt.Errorf("%w: not base64", ErrCorrupt)
	}
	if !k.NeedsRewrap(b) {
		return sealed, false, nil
	}
	nb, err := k.Rewrap(b)
	if err != nil {
		return "", false, err
	}
	return textEncoding.EncodeToString(nb), true, nil
}

// reloadForUnknown reloads the key file (file-backed keyrings only, at most
// once a second) and reports whether it did.
func (k *Keyring) reloadForUnknown() bool {
	if k.path == "" || k.fromEnv {
		return false
	}
	now := time.Now().UnixNano()
	last := k.lastReload.Load()
	if now-last < int64(time.Second) || !k.lastReload.CompareAndSwap(last, now) {
		return false
	}
	return k.ReloadFile(k.path) == nil
}
