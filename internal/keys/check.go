package keys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// CheckString reports whether the keyring can open the data key of a value
// made by SealString, without its aad (so without decrypting the value):
// what a server checks at start against data already stored, so a replica
// given another keyring refuses to start instead of failing request by
// request. A file-backed keyring reloads its file first when the key is
// unknown. Errors: ErrUnknownKey, ErrCorrupt.
func (k *Keyring) CheckString(sealed string) error {
	b, err := textEncoding.DecodeString(sealed)
	if err != nil {
		return fmt.Errorf("%w: not base64", ErrCorrupt)
	}
	e, err := parse(b)
	if err != nil {
		return err
	}
	var dek [KeySize]byte
	defer clear(dek[:])
	err = k.unwrap(e, dek[:])
	if errors.Is(err, ErrUnknownKey) && k.path != "" && !k.fromEnv {
		if rerr := k.ReloadFile(k.path); rerr == nil {
			err = k.unwrap(e, dek[:])
		}
	}
	return err
}

// Watch reloads the key file whenever it changes (checked every `every`,
// default 10 s) until ctx ends, so replicas sharing one key file all write
// under the key `veriwallet keys rotate` added on any of them. (Reading a
// value under an unknown key reloads at once anyway.) A keyring from a
// configured master key has no file: Watch returns at once.
func (k *Keyring) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	if k.path == "" || k.fromEnv {
		return
	}
	if every <= 0 {
		every = 10 * time.Second
	}
	stamp := func() (time.Time, int64) {
		fi, err := os.Stat(k.path)
		if err != nil {
			return time.Time{}, -1
		}
		return fi.ModTime(), fi.Size()
	}
	mt, size := stamp()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m, s := stamp()
		if s < 0 || (m.Equal(mt) && s == size) {
			continue
		}
		before := k.CurrentID()
		if err := k.ReloadFile(k.path); err != nil {
			log.Error("key file changed but cannot be loaded; keeping the keys in memory", "file", k.path, "err", err)
			mt, size = m, s
			continue
		}
		mt, size = m, s
		if now := k.CurrentID(); now != before {
			log.Info("keyring reloaded: new current key", "file", k.path, "key_id", now, "was", before)
		}
	}
}
