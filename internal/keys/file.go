package keys

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// FileName is the key file Open reads or creates inside the data directory.
const FileName = "keys.json"

// maxFileSize bounds how much of keys.json is read (thousands of keys fit).
const maxFileSize = 1 << 20

// keyFile is the on-disk form of a file-backed keyring.
type keyFile struct {
	Version int         `json:"version"`
	Current string      `json:"current"`
	Keys    []fileEntry `json:"master_keys"`
	Index   string      `json:"index_key"`
}

type fileEntry struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

// Open loads the keyring.
//
// If masterKey is non-empty (32 bytes in standard or URL-safe base64, padded
// or not) it is the only master key; its id is derived from it, the index key
// is derived from it with HKDF, and nothing is written. Rotation then means
// configuring a new key, so prefer the key file when rotation matters.
//
// Otherwise Open loads dataDir/keys.json, or creates it (directory mode 0700,
// file mode 0600) with a random master key and a random index key drawn from
// rnd, and logs a WARN that the file must be backed up. Key material is never
// logged. A nil log discards; a nil rnd means crypto/rand. The keyring keeps
// rnd for data keys, nonces and Rotate, so it must be safe for concurrent use.
//
// Errors: ErrBadMasterKey for a malformed masterKey; ErrKeyFile for an
// unusable keys.json or directory.
func Open(dataDir, masterKey string, log *slog.Logger, rnd io.Reader) (*Keyring, error) {
	if dataDir == "" && strings.TrimSpace(masterKey) == "" {
		return nil, fmt.Errorf("%w: no data directory and no master key", ErrKeyFile)
	}
	path := ""
	if dataDir != "" {
		path = filepath.Join(dataDir, FileName)
	}
	return OpenFile(path, masterKey, log, rnd)
}

// OpenFile is Open with the key file at path (which may lie outside the
// data directory, as it should: the keyring beside the data it protects
// protects nothing against a copy of the volume). Its directory is created
// (mode 0700) when the file is generated.
func OpenFile(path, masterKey string, log *slog.Logger, rnd io.Reader) (*Keyring, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	if masterKey = strings.TrimSpace(masterKey); masterKey != "" {
		return openConfigured(path, masterKey, log, rnd)
	}
	if path == "" {
		return nil, fmt.Errorf("%w: no key file and no master key", ErrKeyFile)
	}
	kf, err := readKeyFile(path, log)
	if errors.Is(err, fs.ErrNotExist) {
		kf, err = generate(path, rnd)
		if err == nil {
			log.Warn("GENERATED A NEW MASTER KEY: back up this file now and keep it secret; "+
				"without it every encrypted document and personal record is lost for good",
				slog.String("file", path), slog.String("key_id", kf.Current))
		} else if errors.Is(err, fs.ErrExist) { // another process created it first
			kf, err = readKeyFile(path, log)
		}
	}
	if err != nil {
		return nil, err
	}
	k, err := fromFile(kf, rnd)
	if err != nil {
		return nil, err
	}
	k.path = path
	return k, nil
}

// openConfigured builds the single-key keyring of a configured master key.
func openConfigured(path, masterKey string, log *slog.Logger, rnd io.Reader) (*Keyring, error) {
	key, err := decodeKey(masterKey)
	if err != nil {
		return nil, err
	}
	index, err := hkdf.Key(sha256.New, key, nil, "veriwallet/keys/index-key/v1", KeySize)
	if err != nil {
		return nil, internalErr(err)
	}
	id := deriveID(key)
	k, err := newKeyring(map[string][]byte{id: key}, id, index, rnd)
	if err != nil {
		return nil, err
	}
	k.fromEnv = true
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			log.Warn("a master key is configured, so the key file is ignored; "+
				"data sealed with the file's keys cannot be read",
				slog.String("file", path), slog.String("key_id", id))
		}
	}
	return k, nil
}

// decodeKey accepts 32 bytes in any of the four common base64 alphabets.
func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("%w: decodes to %d bytes", ErrBadMasterKey, len(b))
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: not base64", ErrBadMasterKey)
}

// readKeyFile reads and parses keys.json; a missing file is fs.ErrNotExist.
func readKeyFile(path string, log *slog.Logger) (*keyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
		log.Warn("the key file can be read by other users; run chmod 600 on it",
			slog.String("file", path), slog.String("mode", st.Mode().Perm().String()))
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("%w: file too large", ErrKeyFile)
	}
	return parseKeyFile(b)
}

func parseKeyFile(b []byte) (*keyFile, error) {
	var kf keyFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&kf); err != nil {
		// The decoder's message may quote file content; keep it out.
		return nil, fmt.Errorf("%w: malformed JSON", ErrKeyFile)
	}
	if kf.Version != 1 {
		return nil, fmt.Errorf("%w: unsupported version %d", ErrKeyFile, kf.Version)
	}
	return &kf, nil
}

// fromFile builds a keyring from a parsed key file.
func fromFile(kf *keyFile, rnd io.Reader) (*Keyring, error) {
	master, index, err := kf.decode()
	if err != nil {
		return nil, err
	}
	k, err := newKeyring(master, kf.Current, index, rnd)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	return k, nil
}

func (kf *keyFile) decode() (map[string][]byte, []byte, error) {
	index, err := base64.StdEncoding.DecodeString(kf.Index)
	if err != nil || len(index) != KeySize {
		return nil, nil, fmt.Errorf("%w: bad index key", ErrKeyFile)
	}
	master := make(map[string][]byte, len(kf.Keys))
	for _, e := range kf.Keys {
		key, err := base64.StdEncoding.DecodeString(e.Key)
		if err != nil || len(key) != KeySize || !validID(e.ID) {
			return nil, nil, fmt.Errorf("%w: bad master key entry", ErrKeyFile)
		}
		if _, dup := master[e.ID]; dup {
			return nil, nil, fmt.Errorf("%w: duplicate key id %s", ErrKeyFile, e.ID)
		}
		master[e.ID] = key
	}
	if _, ok := master[kf.Current]; !ok {
		return nil, nil, fmt.Errorf("%w: current key is missing", ErrKeyFile)
	}
	return master, index, nil
}

// generate creates the key file at path with fresh keys, never replacing an
// existing file (fs.ErrExist then).
func generate(path string, rnd io.Reader) (*keyFile, error) {
	var master, index [KeySize]byte
	if _, err := io.ReadFull(rnd, master[:]); err != nil {
		return nil, internalErr(err)
	}
	if _, err := io.ReadFull(rnd, index[:]); err != nil {
		return nil, internalErr(err)
	}
	id := deriveID(master[:])
	kf := &keyFile{
		Version: 1,
		Current: id,
		Keys:    []fileEntry{{ID: id, Key: base64.StdEncoding.EncodeToString(master[:])}},
		Index:   base64.StdEncoding.EncodeToString(index[:]),
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if err := writeKeyFile(path, kf, false); err != nil {
		return nil, err
	}
	return kf, nil
}

// writeKeyFile writes kf to path through a temporary file beside it: with
// replace it renames over the old file, without it links (so an existing
// file is never clobbered and fs.ErrExist is returned).
func writeKeyFile(path string, kf *keyFile, replace bool) error {
	dir := filepath.Dir(path)
	b, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return internalErr(err)
	}
	b = append(b, '\n')
	tmp, err := os.CreateTemp(dir, ".keys-*.tmp")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes 0600 files already; be explicit against odd umasks.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if replace {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable; failures are ignored (some filesystems
// cannot fsync directories).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Rotate adds a fresh random master key to dataDir/keys.json and makes it
// current, here and in the file; old keys stay for reading. Keys that another
// process added to the file meanwhile are kept. It returns the new key's id.
// Envelopes sealed before stay readable; move them with Rewrap. Other
// processes using the same file must Reload (or restart) to read data
// wrapped by the new key.
//
// Errors: ErrRotateUnsupported for a keyring built from a configured master
// key; ErrKeyFile when the file cannot be read or written or belongs to
// another keyring (a different index key).
func (k *Keyring) Rotate(dataDir string) (newID string, err error) {
	if dataDir == "" && !k.fromEnv {
		return "", fmt.Errorf("%w: no data directory", ErrKeyFile)
	}
	return k.RotateFile(filepath.Join(dataDir, FileName))
}

// RotateFile is Rotate on the key file at path.
func (k *Keyring) RotateFile(path string) (newID string, err error) {
	if k.fromEnv {
		return "", ErrRotateUnsupported
	}
	if path == "" {
		return "", fmt.Errorf("%w: no key file", ErrKeyFile)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.rand == nil || k.master == nil {
		return "", errNoKeys
	}

	if err := k.mergeFileLocked(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	var key [KeySize]byte
	defer clear(key[:])
	var id string
	for {
		if _, err := io.ReadFull(k.rand, key[:]); err != nil {
			return "", internalErr(err)
		}
		id = deriveID(key[:])
		if _, taken := k.master[id]; !taken {
			break
		}
	}
	kf := k.fileLocked()
	kf.Keys = append(kf.Keys, fileEntry{ID: id, Key: base64.StdEncoding.EncodeToString(key[:])})
	kf.Current = id
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if err := writeKeyFile(path, kf, true); err != nil {
		return "", err
	}
	if err := k.add(id, key[:]); err != nil {
		return "", err
	}
	k.current = id
	return id, nil
}

// Reload merges the keys of dataDir/keys.json into k and adopts the file's
// current key, so a running server picks up a rotation done by another
// process (for example `veriwallet keys rotate`). Keys are only ever added.
// Errors: ErrRotateUnsupported for a configured master key; ErrKeyFile.
func (k *Keyring) Reload(dataDir string) error {
	return k.ReloadFile(filepath.Join(dataDir, FileName))
}

// ReloadFile is Reload from the key file at path.
func (k *Keyring) ReloadFile(path string) error {
	if k.fromEnv {
		return ErrRotateUnsupported
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.master == nil {
		return errNoKeys
	}
	if err := k.mergeFileLocked(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %w", ErrKeyFile, err)
		}
		return err
	}
	return nil
}

// mergeFileLocked adds the file's keys to k and adopts its current key.
// A missing file returns an error matching fs.ErrNotExist and changes
// nothing. The caller holds k.mu.
func (k *Keyring) mergeFileLocked(path string) error {
	kf, err := readKeyFile(path, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	master, index, err := kf.decode()
	if err != nil {
		return err
	}
	if !bytes.Equal(index, k.indexKey) {
		return fmt.Errorf("%w: the key file belongs to another keyring", ErrKeyFile)
	}
	for id, key := range master {
		if old, ok := k.master[id]; ok && !bytes.Equal(old, key) {
			return fmt.Errorf("%w: key %s differs from the one in memory", ErrKeyFile, id)
		}
	}
	for id, key := range master {
		if _, ok := k.master[id]; !ok {
			if err := k.add(id, key); err != nil {
				return err
			}
		}
	}
	k.current = kf.Current
	return nil
}

// fileLocked returns k's keys in file form, sorted by id for stable output
// (the order carries no meaning: Current names the key for writes).
func (k *Keyring) fileLocked() *keyFile {
	kf := &keyFile{Version: 1, Current: k.current, Index: base64.StdEncoding.EncodeToString(k.indexKey)}
	for _, id := range sortedKeys(k.master) {
		kf.Keys = append(kf.Keys, fileEntry{ID: id, Key: base64.StdEncoding.EncodeToString(k.master[id])})
	}
	return kf
}
