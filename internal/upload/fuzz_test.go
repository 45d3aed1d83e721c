package upload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
)

// FuzzTusHeaders sends tus requests with arbitrary Upload-Metadata,
// Upload-Length, Upload-Offset, Upload-Checksum and Upload-Defer-Length
// headers and bodies through the real handler (creation, then PATCH and
// HEAD of what was created): no panic, no 500, and what is stored never
// passes the declared length.
func FuzzTusHeaders(f *testing.F) {
	kind := base64.StdEncoding.EncodeToString([]byte("id_front"))
	sum := sha256.Sum256([]byte("abcd"))
	good := "sha256 " + base64.StdEncoding.EncodeToString(sum[:])
	f.Add("kind "+kind+",filename "+base64.StdEncoding.EncodeToString([]byte("身份证.jpg")), "8", "", "0", good, []byte("abcd"))
	f.Add("kind "+kind, "4", "", "0", "", []byte("abcd"))
	f.Add("kind", "0", "", "0", "", []byte{})
	f.Add("k !!!notbase64,,  ,a b c", "-1", "", "x", "sha1 ===", []byte("x"))
	f.Add(ownerKey+" "+base64.StdEncoding.EncodeToString([]byte("usr_other")), "3", "", "0", "md5 AAAA", []byte("abc"))
	f.Add("", "", "1", "", "", []byte("abc"))
	f.Add("", "99999999999999999999", "", "18446744073709551615", "crc32 abc", []byte("abc"))
	f.Add("a "+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("x"), 600)), "2", "", "1", "", []byte("zz"))

	local, err := blob.NewLocal(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	h, err := New(Config{Records: &memRecords{m: map[string]Record{}}, Blobs: local, MaxSize: 1 << 10, MaxOpen: 1 << 30,
		Log: slog.New(slog.DiscardHandler), WriteError: func(w http.ResponseWriter, r *http.Request, err error) {
			w.WriteHeader(httpx.Status(errs.KindOf(err)))
		}})
	if err != nil {
		f.Fatal(err)
	}
	serve := func(t *testing.T, method, path string, body []byte, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req = req.WithContext(WithOwner(context.Background(), "usr_fuzz"))
		req.Header.Set("Tus-Resumable", "1.0.0")
		for k, v := range hdr {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		// No client input earns a 5xx (a deferred length is a 400 too).
		if w.Code >= 500 {
			t.Fatalf("%s %s %v: %d %s", method, path, hdr, w.Code, w.Body.String())
		}
		return w
	}
	f.Fuzz(func(t *testing.T, meta, length, deferLen, offset, checksum string, body []byte) {
		if len(meta)+len(length)+len(deferLen)+len(offset)+len(checksum) > 4096 || len(body) > 2048 {
			t.Skip()
		}
		if !validHeader(meta) || !validHeader(length) || !validHeader(deferLen) || !validHeader(offset) || !validHeader(checksum) {
			t.Skip() // net/http never delivers such header values
		}
		hdr := map[string]string{"Upload-Metadata": meta, "Upload-Length": length, "Upload-Defer-Length": deferLen, "Upload-Checksum": checksum}
		if len(body) > 0 {
			hdr["Content-Type"] = "application/offset+octet-stream"
		}
		w := serve(t, "POST", BasePath, body, hdr)
		if w.Code != http.StatusCreated {
			return
		}
		loc := w.Header().Get("Location")
		id := loc[bytes.LastIndexByte([]byte(loc), '/')+1:]
		serve(t, "PATCH", BasePath+id, body, map[string]string{"Content-Type": "application/offset+octet-stream",
			"Upload-Offset": offset, "Upload-Checksum": checksum})
		serve(t, "HEAD", BasePath+id, nil, nil)
		rec, err := h.cfg.Records.GetUpload(context.Background(), id)
		if err != nil {
			t.Fatalf("created upload %s not found: %v", id, err)
		}
		if rec.Offset > rec.Size || rec.OwnerID != "usr_fuzz" {
			t.Fatalf("record %+v", rec)
		}
		if rec.Completed {
			r, err := h.store.readAll(context.Background(), rec)
			if err != nil {
				t.Fatalf("read completed upload: %v", err)
			}
			if int64(len(r)) != rec.Size {
				t.Fatalf("completed upload holds %d bytes, declared %d", len(r), rec.Size)
			}
		}
		_ = h.store.remove(context.Background(), rec)
	})
}

// validHeader reports whether net/http would pass v through as a header
// value (no CR, LF or NUL).
func validHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' || c == 0 {
			return false
		}
	}
	return true
}
