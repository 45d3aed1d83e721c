package api_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/veriwallet/veriwallet/internal/document"
)

// previewFrame scales the fixture portrait into a w×h frame, n times side
// by side (n = 0: a plain grey frame), as the wizard's canvas sends it.
func previewFrame(t *testing.T, w, h, n int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "document", "testdata", "face", "portrait.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	src, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), &image.Uniform{color.Gray{128}}, image.Point{}, draw.Src)
	for i := range n {
		cell := image.Rect(i*w/n, 0, (i+1)*w/n, h)
		draw.CatmullRom.Scale(dst, cell, src, src.Bounds(), draw.Src, nil)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func postFrame(t *testing.T, base, tok string, frame []byte) resp {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v1/faces/preview", bytes.NewReader(frame))
	req.Header.Set("Content-Type", "image/jpeg")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept-Language", "zh-CN")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: out.String()}
	_ = json.Unmarshal(out.Bytes(), &r.body)
	return r
}

// TestFacePreview: the selfie step's live feedback counts the faces in a
// small frame (one, none, two) and says how large they are; an oversized or
// broken frame is a 400 with a stable code; frames past about one a second
// are 429; a customer without the sensitive-information consent is refused.
func TestFacePreview(t *testing.T) {
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"selfie@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"selfie@example.com"`, "long enough pass")
	faces := func(r resp) []any {
		t.Helper()
		fs, ok := r.body["faces"].([]any)
		if r.status != 200 || !ok {
			t.Fatalf("preview: %d %s", r.status, r.raw)
		}
		return fs
	}
	one := faces(postFrame(t, srv.URL, tok, previewFrame(t, 240, 300, 1)))
	if len(one) != 1 {
		t.Fatalf("one face: %v", one)
	}
	if f := one[0].(map[string]any); f["size"].(float64) < 0.3 || f["x"].(float64) < 0.3 || f["x"].(float64) > 0.7 {
		t.Fatalf("face in the middle, large: %v", f)
	}
	if fs := faces(postFrame(t, srv.URL, tok, previewFrame(t, 240, 300, 0))); len(fs) != 0 {
		t.Fatalf("grey frame: %v", fs)
	}
	time.Sleep(2 * time.Second) // the bucket refills
	if fs := faces(postFrame(t, srv.URL, tok, previewFrame(t, 400, 250, 2))); len(fs) != 2 {
		t.Fatalf("two faces: %v", fs)
	}
	time.Sleep(2 * time.Second)
	for name, frame := range map[string][]byte{
		"empty":     nil,
		"not JPEG":  []byte("hello, not an image"),
		"too large": previewFrame(t, 800, 600, 1),
		"too small": previewFrame(t, 40, 40, 1),
	} {
		if r := postFrame(t, srv.URL, tok, frame); r.status != 400 || r.code() != "PREVIEW_INVALID" || r.message() != document.ErrPreviewInvalid.Message.ZH {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
		time.Sleep(700 * time.Millisecond)
	}
	// Frames faster than about one a second: 429 after the burst (sent
	// at once; the exact rate is TestPreviewLimiter's, with a clock). The
	// rate is counted before the frame is looked at, so cheap frames do.
	time.Sleep(4 * time.Second) // a full bucket
	var wg sync.WaitGroup
	results := make([]resp, 12)
	for i := range results {
		wg.Go(func() { results[i] = postFrame(t, srv.URL, tok, []byte("x")) })
	}
	wg.Wait()
	limited := 0
	for _, r := range results {
		switch {
		case r.status == 429 && r.code() == "PREVIEW_RATE_LIMITED" && r.header.Get("Retry-After") != "":
			limited++
		case r.status == 400 && r.code() == "PREVIEW_INVALID":
		default:
			t.Fatalf("rapid frame: %d %s", r.status, r.raw)
		}
	}
	if limited < 1 || limited > 12-5 {
		t.Fatalf("%d of 12 simultaneous frames limited, want at least 1 and at most 7", limited)
	}
	// No consent, no frames.
	if r := do(t, srv, "POST", "/api/v1/auth/register", "", `{"email":"noconsent@example.com","password":"long enough pass",`+terms+`}`); r.status != 201 {
		t.Fatal(r.raw)
	}
	r := do(t, srv, "POST", "/api/v1/auth/login", "", `{"email":"noconsent@example.com","password":"long enough pass"}`)
	if r := postFrame(t, srv.URL, r.body["token"].(string), previewFrame(t, 120, 150, 1)); r.status != 403 {
		t.Fatalf("without consent: %d %s", r.status, r.raw)
	}
}
