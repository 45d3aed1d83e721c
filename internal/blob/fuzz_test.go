package blob

import (
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzValidKey checks that every key ValidKey accepts is a clean, local,
// relative path that cannot name a temporary file, whatever the input.
func FuzzValidKey(f *testing.F) {
	for _, k := range nastyKeys {
		f.Add(k)
	}
	f.Add("documents/0b1c/front.jpg")
	f.Add("a..b/c.")
	f.Fuzz(func(t *testing.T, key string) {
		if !ValidKey(key) {
			return
		}
		if !filepath.IsLocal(key) || path.Clean(key) != key || strings.HasPrefix(key, "/") {
			t.Fatalf("ValidKey accepted a non-local or unclean path %q", key)
		}
		for seg := range strings.SplitSeq(key, "/") {
			if seg == ".." || strings.HasPrefix(seg, ".") {
				t.Fatalf("ValidKey accepted segment %q", seg)
			}
		}
		if len(key) > MaxKeyLen {
			t.Fatalf("ValidKey accepted %d bytes", len(key))
		}
	})
}
