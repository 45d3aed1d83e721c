package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "document", "testdata", "calib", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func postMultipart(t *testing.T, srv *httptest.Server, token, kind string, file []byte, lang string) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", "photo.jpg")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/documents", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

func quality(m map[string]any) (bool, []string) {
	d, _ := m["document"].(map[string]any)
	q, _ := d["quality"].(map[string]any)
	acc, _ := q["accepted"].(bool)
	var codes []string
	rs, _ := q["reasons"].([]any)
	for _, r := range rs {
		codes = append(codes, r.(map[string]any)["code"].(string))
	}
	return acc, codes
}

func TestDocuments(t *testing.T) {
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"doc@example.com"`, "long enough pass")
	register(t, srv, `"email":"fraud@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"doc@example.com"`, "long enough pass")
	fraud := login(t, srv, `"email":"fraud@example.com"`, "long enough pass")

	good := fixture(t, "004_good.jpg")
	st, m := postMultipart(t, srv, tok, "id_front", good, "")
	if acc, codes := quality(m); st != 201 || !acc || len(codes) != 0 {
		t.Fatalf("good card: %d %v", st, m)
	}
	id := m["document"].(map[string]any)["id"].(string)

	// A blurry photo is stored but refused, with the reason in Chinese.
	st, m = postMultipart(t, srv, tok, "id_back", fixture(t, "055_blurry.jpg"), "zh-CN")
	acc, codes := quality(m)
	if st != 201 || acc || !strings.Contains(strings.Join(codes, ","), "IMAGE_BLURRY") {
		t.Fatalf("blurry: %d %v", st, m)
	}
	if msg := m["document"].(map[string]any)["quality"].(map[string]any)["reasons"].([]any)[0].(map[string]any)["message"].(string); !strings.ContainsAny(msg, "模糊清晰") {
		t.Fatalf("blurry message not Chinese: %q", msg)
	}

	// An HEIC photo gets its own reason and a fix.
	heic := append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0, 'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'}, make([]byte, 100)...)
	st, m = postMultipart(t, srv, tok, "id_front", heic, "")
	if acc, codes := quality(m); st != 201 || acc || len(codes) == 0 || !strings.Contains(codes[0], "HEIC") {
		t.Fatalf("heic: %d %v", st, m)
	}

	// The same picture on another account: stored, accepted for that customer
	// (the duplicate is a signal for reviewers only), never shown.
	st, m = postMultipart(t, srv, fraud, "id_front", good, "")
	if acc, codes := quality(m); st != 201 || !acc || len(codes) != 0 {
		t.Fatalf("duplicate visible to the customer: %d %v", st, m)
	}
	dupID := m["document"].(map[string]any)["id"].(string)
	if d, err := lastApp.Documents.Get(context.Background(), "", true, dupID); err != nil || len(d.Duplicate) != 1 || d.Duplicate[0] != id ||
		!strings.Contains(strings.Join(d.Reasons, ","), "DUPLICATE_IMAGE") {
		t.Fatalf("duplicate not recorded for reviewers: %+v %v", d, err)
	}
	// A different photo of another card of the same kind is no duplicate.
	st, m = postMultipart(t, srv, fraud, "id_front", fixture(t, "012_good.jpg"), "")
	if d, _ := lastApp.Documents.Get(context.Background(), "", true, m["document"].(map[string]any)["id"].(string)); st != 201 || len(d.Duplicate) != 0 {
		t.Fatalf("distinct photo taken for a duplicate: %+v", d)
	}

	// Metadata and image: owner yes, other customer no (404).
	if r := do(t, srv, "GET", "/api/v1/documents/"+id, tok, ""); r.status != 200 {
		t.Fatalf("get own: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "GET", "/api/v1/documents/"+id, fraud, ""); r.status != 404 || r.code() != "DOCUMENT_NOT_FOUND" {
		t.Fatalf("get other's: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "GET", "/api/v1/documents/"+id+"/image", fraud, ""); r.status != 404 {
		t.Fatalf("image other's: %d", r.status)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/documents/"+id+"/image", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(img, []byte{0xff, 0xd8}) {
		t.Fatalf("image: %d %s %x", res.StatusCode, res.Header.Get("Content-Type"), img[:min(4, len(img))])
	}

	// Bad requests.
	for _, tc := range []struct {
		name, body, ct string
		status         int
		code           string
	}{
		{"json without upload", `{"kind":"id_front"}`, "application/json", 400, "UPLOAD_ID_REQUIRED"},
		{"unknown upload", `{"kind":"id_front","upload_id":"upl_nope"}`, "application/json", 404, "UPLOAD_NOT_FOUND"},
		{"multipart no boundary", "x", "multipart/form-data", 400, "MULTIPART_INVALID"},
		{"multipart garbage", "garbage", "multipart/form-data; boundary=zzz", 400, "MULTIPART_INVALID"},
	} {
		r := do(t, srv, "POST", "/api/v1/documents", tok, tc.body, "Content-Type", tc.ct)
		if r.status != tc.status || r.code() != tc.code {
			t.Errorf("%s: %d %s", tc.name, r.status, r.raw)
		}
	}
	if st, m := postMultipart(t, srv, tok, "driving_licence", good, ""); st != 400 {
		t.Errorf("bad kind: %d %v", st, m)
	}
	if st, _ := postMultipart(t, srv, tok, "id_front", make([]byte, 9<<20), ""); st != 413 {
		t.Errorf("too large: %d", st)
	}
}

func TestDocumentFromTusUpload(t *testing.T) {
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"tus@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"tus@example.com"`, "long enough pass")
	good := fixture(t, "012_good.jpg")
	r := tusDo(t, srv, "POST", "/api/v1/uploads/", tok, nil, "Upload-Length", strconv.Itoa(len(good)),
		"Upload-Metadata", "kind "+base64.StdEncoding.EncodeToString([]byte("id_front")))
	loc := r.header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]
	half := len(good) / 2
	patch(t, srv, loc, tok, 0, good[:half])
	// Not finished: refused with a clear code.
	if r := do(t, srv, "POST", "/api/v1/documents", tok, `{"kind":"id_front","upload_id":"`+id+`"}`); r.status != 409 || r.code() != "UPLOAD_INCOMPLETE" {
		t.Fatalf("incomplete: %d %s", r.status, r.raw)
	}
	patch(t, srv, loc, tok, half, good[half:])
	d := do(t, srv, "POST", "/api/v1/documents", tok, `{"kind":"id_front","upload_id":"`+id+`"}`)
	doc, _ := d.body["document"].(map[string]any)
	if d.status != 201 || doc["width"] == nil {
		t.Fatalf("from upload: %d %s", d.status, d.raw)
	}
	// The upload is consumed.
	if r := tusDo(t, srv, "HEAD", loc, tok, nil); r.status != 404 {
		t.Fatalf("upload left behind: %d", r.status)
	}
}
