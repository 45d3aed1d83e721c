package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// Static files and their caching. Every file gets a strong ETag (a hash of
// its content, computed once at start). Pages link the files through
// staticURL, which adds ?v=<that hash>: such a request is answered with a
// year's max-age and "immutable", because a new build changes the address
// whenever the content changes. A request without the matching v (an old
// page, a hand-typed address) gets "no-cache": the browser keeps the copy
// but asks each time, and the ETag makes that a 304 without the body. So a
// deploy never leaves a phone running an old wizard.js against new pages.

type staticFile struct {
	data  []byte
	etag  string // quoted
	hash  string // first 12 hex digits of the SHA-256
	ctype string
}

type staticFiles map[string]*staticFile

func loadStatic() staticFiles {
	out := staticFiles{}
	sub, _ := fs.Sub(staticFS, "static")
	_ = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])[:12]
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".ico":
			ct = "image/x-icon"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		if ct == "" {
			ct = http.DetectContentType(b)
		}
		out[p] = &staticFile{data: b, etag: `"` + h + `"`, hash: h, ctype: ct}
		return nil
	})
	return out
}

// url is the address of a static file with its content version.
func (s staticFiles) url(name string) string {
	if f, ok := s[name]; ok {
		return "/static/" + name + "?v=" + f.hash
	}
	return "/static/" + name
}

// serve answers GET /static/{path...} and /favicon.ico.
func (s staticFiles) serve(w http.ResponseWriter, r *http.Request, name string) {
	f, ok := s[name]
	if !ok || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", f.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if v := r.URL.Query().Get("v"); v != "" && v == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else if name == "favicon.ico" {
		h.Set("Cache-Control", "public, max-age=86400") // browsers ask for it by this name only
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}
