package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
)

// The stored copy of a phone photo turned by EXIF keeps its pixels as shot
// and only the Orientation tag (no re-encode). The reviewer's view shows it
// with <img src="/api/v1/documents/{id}/image">: Chromium applies the tag
// (image-orientation: from-image, the default) and shows the photo upright,
// the same picture document.DecodeImage gives the readers.
func TestBrowserShowsStoredPhotoUpright(t *testing.T) {
	ctx := browser(t)
	g, err := document.NewGate(document.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int][]byte{}
	for _, o := range []int{3, 6, 8} {
		s := synth.Spec{Seed: 11, W: 800, H: 600, Side: synth.Front, CardWidth: 0.72, CX: 0.5, CY: 0.5,
			Angle: 4, Noise: 1, Quality: 88, Gain: 0.95, Orientation: o}
		data, err := synth.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := g.Check(data, document.KindIDFront)
		if err != nil || !rep.Accepted {
			t.Fatalf("orientation %d: %v %+v", o, err, rep)
		}
		stored[o] = rep.Clean
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /img/{o}", func(w http.ResponseWriter, r *http.Request) {
		var o int
		fmt.Sscan(r.PathValue("o"), &o)
		// The headers the API serves a document image with.
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		w.Write(stored[o])
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><img id="i3" src="/img/3"><img id="i6" src="/img/6"><img id="i8" src="/img/8">`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	// The browser draws each image on a canvas and returns its size and the
	// mean luma of an 8×6 grid of cells.
	const js = `(() => { const out = {}; for (const o of [3, 6, 8]) {
	  const im = document.getElementById('i' + o); if (!im.complete || !im.naturalWidth) return null;
	  const w = im.naturalWidth, h = im.naturalHeight, c = document.createElement('canvas');
	  c.width = w; c.height = h; const x = c.getContext('2d'); x.drawImage(im, 0, 0);
	  const d = x.getImageData(0, 0, w, h).data, cells = new Array(48).fill(0), n = new Array(48).fill(0);
	  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
	    const i = (y * w + xx) * 4, k = Math.floor(y * 6 / h) * 8 + Math.floor(xx * 8 / w);
	    cells[k] += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]; n[k]++; }
	  out[o] = {w, h, rw: im.width, rh: im.height, cells: cells.map((v, k) => v / n[k])}; } return JSON.stringify(out); })()`
	var raw string
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"),
		into(&raw, chromedp.Poll[string](js))); err != nil {
		t.Fatal(err)
	}
	var got map[string]struct {
		W, H   int // natural size
		RW, RH int // laid-out size: the box the page shows
		Cells  []float64
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	for _, o := range []int{3, 6, 8} {
		b := got[fmt.Sprint(o)]
		if b.W != 800 || b.H != 600 || b.RW != 800 || b.RH != 600 {
			t.Errorf("orientation %d: the browser shows %d×%d (natural %d×%d), want 800×600 (upright)", o, b.RW, b.RH, b.W, b.H)
			continue
		}
		up, err := document.DecodeImage(stored[o])
		if err != nil {
			t.Fatal(err)
		}
		want := lumaGrid(up)
		if d := gridDiff(b.Cells, want); d > 3 {
			t.Errorf("orientation %d: the browser's picture differs from the upright one by %.1f per cell", o, d)
		}
		if o == 3 {
			// As shot (upside down) the grid is far from the upright one:
			// the comparison above can tell the two apart.
			asShot, _ := jpeg.Decode(bytes.NewReader(stored[o]))
			if d := gridDiff(lumaGrid(asShot), want); d < 10 {
				t.Fatalf("the test picture looks the same upside down (%.1f)", d)
			}
		}
	}
}

// lumaGrid is the mean luma of an 8×6 grid of cells of img.
func lumaGrid(img image.Image) []float64 {
	b := img.Bounds()
	cells, n := make([]float64, 48), make([]float64, 48)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			k := (y-b.Min.Y)*6/b.Dy()*8 + (x-b.Min.X)*8/b.Dx()
			cells[k] += float64(color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
			n[k]++
		}
	}
	for k := range cells {
		cells[k] /= n[k]
	}
	return cells
}

func gridDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var s float64
	for i := range a {
		s += math.Abs(a[i] - b[i])
	}
	return s / float64(len(a))
}
