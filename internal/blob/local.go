package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Local is a Store of files under one directory, opened with os.Root so that
// no key, symlink or race can reach outside it. Objects are files with mode
// 0600 in directories with mode 0700. Safe for concurrent use.
type Local struct {
	root *os.Root
}

var _ Store = (*Local)(nil)

// tmpPrefix starts the names of files being written; ValidKey refuses every
// segment starting with ".", so no key can name or collide with one, and
// Walk skips them.
const tmpPrefix = ".tmp-"

// NewLocal opens (creating it with mode 0700 if needed) the directory dir as a
// Local store. Errors: an Internal *errs.Error when dir cannot be created or
// opened.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errs.Internalf("blob: empty directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, errs.Internalf("blob: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, errs.Internalf("blob: %w", err)
	}
	return &Local{root: root}, nil
}

// Close releases the directory handle.
func (l *Local) Close() error { return l.root.Close() }

// Dir returns the directory the store was opened on.
func (l *Local) Dir() string { return l.root.Name() }

// Put writes data to a temporary file beside key's file, syncs it and renames
// it over key, creating parent directories. Errors: ErrInvalidKey,
// ctx.Err(), Internal for I/O failures (including a key whose parent is an
// object, or which names a directory).
func (l *Local) Put(ctx context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := path.Dir(key)
	if dir != "." {
		if err := l.root.MkdirAll(dir, 0o700); err != nil {
			return errs.Internalf("blob: put: %w", err)
		}
	}
	tmp, f, err := l.createTemp(dir)
	if err != nil {
		return errs.Internalf("blob: put: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			_ = l.root.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return errs.Internalf("blob: put: %w", err)
	}
	if err := f.Sync(); err != nil {
		return errs.Internalf("blob: put: %w", err)
	}
	if err := f.Close(); err != nil {
		return errs.Internalf("blob: put: %w", err)
	}
	if err := l.root.Rename(tmp, key); err != nil {
		return errs.Internalf("blob: put: %w", err)
	}
	ok = true
	l.syncDir(dir)
	return nil
}

// createTemp creates a new, exclusive temporary file in dir.
func (l *Local) createTemp(dir string) (string, *os.File, error) {
	for range 10 {
		var b [12]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", nil, err
		}
		name := path.Join(dir, tmpPrefix+hex.EncodeToString(b[:]))
		f, err := l.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return name, f, err
	}
	return "", nil, errors.New("cannot create a unique temporary file")
}

// syncDir makes a rename in dir durable; failures are ignored because some
// filesystems cannot fsync a directory and the data itself is synced.
func (l *Local) syncDir(dir string) {
	if d, err := l.root.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Get reads the object under key. Errors: ErrInvalidKey, ErrNotFound (also
// when key names a directory or passes through an object), ctx.Err(),
// Internal for other I/O failures.
func (l *Local) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := l.root.ReadFile(key)
	if err == nil {
		return b, nil
	}
	if l.missing(key, err) {
		return nil, ErrNotFound
	}
	return nil, errs.Internalf("blob: get: %w", err)
}

// missing reports whether err from an operation on key means there is no
// object there: nothing at the path, a directory, or a path through a file.
func (l *Local) missing(key string, err error) bool {
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if st, serr := l.root.Lstat(key); serr == nil && !st.Mode().IsRegular() {
		return true
	}
	// ENOTDIR: a parent segment is an object, so nothing can be below it.
	return errors.Is(err, syscall.ENOTDIR)
}

// Delete removes the object under key; a missing object is not an error.
// Empty directories are left behind (removing them would race with Put).
// Errors: ErrInvalidKey, ctx.Err(), Internal.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if st, err := l.root.Lstat(key); err == nil && st.IsDir() {
		return nil // not an object
	}
	err := l.root.Remove(key)
	if err == nil || l.missing(key, err) {
		return nil
	}
	return errs.Internalf("blob: delete: %w", err)
}

// Walk calls fn for every object, directory by directory in lexical order
// of segments (so "d/x" comes before "d-2/y"), skipping temporary
// files and anything that is not a regular file with a valid key. Errors:
// the first error fn returns, ctx.Err(), Internal for I/O failures.
func (l *Local) Walk(ctx context.Context, fn func(key string) error) error {
	err := fs.WalkDir(l.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != "." {
				return nil // removed while walking
			}
			return errs.Internalf("blob: walk: %w", err)
		}
		if p == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !ValidKey(p) {
			return nil
		}
		return fn(p)
	})
	return err // fn's error unchanged, or one made above
}

// Check reports whether the directory is still there, for /readyz.
// Errors: Internal.
func (l *Local) Check(ctx context.Context) error {
	if _, err := l.root.Stat("."); err != nil {
		return errs.Internalf("blob: %w", err)
	}
	return nil
}
