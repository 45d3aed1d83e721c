package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
	"github.com/veriwallet/veriwallet/internal/identity"
)

// genericPhoto is a card photo of the image gate's calibration kind (no
// printed fields: for the echo reader).
func genericPhoto(b *testing.B, i int, side string) []byte {
	r := rand.New(rand.NewPCG(uint64(i), uint64(len(side))))
	data, err := synth.Encode(synth.Spec{Seed: uint64(i*2 + len(side)), W: 1000 + i, H: 750, Side: synth.Side(side),
		CardWidth: 0.62 + 0.15*r.Float64(), CX: 0.42 + 0.16*r.Float64(), CY: 0.42 + 0.16*r.Float64(),
		Angle: -6 + 12*r.Float64(), Background: r.IntN(5), Noise: 0.8, Quality: 88})
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkUploadToReading measures what a customer waits for after a photo
// is uploaded: from the upload request to the first GET /documents/{id} that
// shows the reading done (polled every 50 ms; the wizard polls every 500),
// at one upload a second, alternating ID fronts and backs. With the OCR
// engines installed the cards are read for real.
func BenchmarkUploadToReading(b *testing.B) {
	reader := Reader
	engine := "real OCR"
	if reader == nil || Cards == nil {
		reader, engine = echoReader{}, "echo reader (OCR not measured)"
	}
	srv, _ := newApp(b, reader, &codes{m: map[string]string{}})
	n := 20
	if v, _ := strconv.Atoi(os.Getenv("BENCH_CASES")); v > 0 {
		n = v
	}
	c := &client{b: b, base: srv.URL}
	c.do("POST", "/api/v1/auth/register", `{"email":"reader@example.com","password":"bench password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`, nil)
	var login struct{ Token string }
	c.do("POST", "/api/v1/auth/login", `{"email":"reader@example.com","password":"bench password"}`, &login)
	c.token = login.Token
	c.do("POST", "/api/v1/consents", `{"kind":"sensitive_personal_info","version":"`+identity.DefaultPrivacyVersion+`"}`, nil)
	type photo struct {
		kind string
		data []byte
	}
	var photos []photo
	for i := range (n + 1) / 2 {
		var front, back []byte
		if Cards != nil && engine == "real OCR" {
			front, back, _, _ = Cards(b, i)
		} else {
			front, back = genericPhoto(b, i, "front"), genericPhoto(b, i, "back")
		}
		photos = append(photos, photo{"id_front", front}, photo{"id_back", back})
	}
	photos = photos[:n]
	b.ResetTimer()
	var mu sync.Mutex
	var lat []time.Duration
	kinds := map[string]int{}
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for _, p := range photos {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			id := c.upload(p.kind, p.data)
			for time.Since(start) < 60*time.Second {
				var d struct {
					Document struct {
						Reading struct {
							Status       string `json:"status"`
							DetectedKind string `json:"detected_kind"`
						} `json:"reading"`
					} `json:"document"`
				}
				c.do("GET", "/api/v1/documents/"+id, "", &d)
				if d.Document.Reading.Status == "pending" {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				kinds[fmt.Sprintf("%s as %s: %s", p.kind, d.Document.Reading.DetectedKind, d.Document.Reading.Status)]++
				mu.Unlock()
				return
			}
			b.Errorf("document %s not read within 60 s", id)
		}()
	}
	wg.Wait()
	b.StopTimer()
	if len(lat) == 0 {
		b.Fatal("nothing read")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(f float64) time.Duration { return lat[min(len(lat)-1, int(f*float64(len(lat))))] }
	b.ReportMetric(float64(q(0.5).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(q(0.95).Milliseconds()), "p95-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
	b.Logf("%d uploads at 1/s with %s: upload to reading p50 %v, p95 %v, max %v; %v", len(lat), engine, q(0.5), q(0.95), lat[len(lat)-1], kinds)
}
