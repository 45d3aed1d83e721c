// Command gen renders the calibration set of the document image gate:
// synthetic ID-card photos, good ones and ones degraded on purpose, each
// labelled with the reasons the gate must give, written with a manifest.
//
//	go run ./internal/document/gen -out internal/document/testdata/calib
//
// The set is deterministic: the same flags give the same bytes.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
)

// Entry is one labelled image of the manifest.
type Entry struct {
	File   string     `json:"file"`
	Kind   string     `json:"kind"`
	Group  string     `json:"group"`
	Expect []string   `json:"expect"`          // reasons the gate must give (empty: must accept)
	Allow  []string   `json:"allow,omitempty"` // reasons it may also give, as consequences
	Spec   synth.Spec `json:"spec"`
}

func main() {
	out := flag.String("out", "internal/document/testdata/calib", "output directory")
	seed := flag.Uint64("seed", 4, "random seed")
	flag.Parse()
	if err := run(*out, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries := Set(seed)
	total := 0
	for i := range entries {
		e := &entries[i]
		data, err := synth.Encode(e.Spec)
		if err != nil {
			return err
		}
		total += len(data)
		if err := os.WriteFile(filepath.Join(dir, e.File), data, 0o644); err != nil {
			return err
		}
	}
	m, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(m, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %d images, %d bytes, to %s\n", len(entries), total, dir)
	return nil
}

// Set returns the labelled specs of the calibration set.
func Set(seed uint64) []Entry {
	r := rand.New(rand.NewPCG(seed, 42))
	uni := func(a, b float64) float64 { return a + (b-a)*r.Float64() }
	var out []Entry
	n := 0
	add := func(group string, kind string, expect, allow []string, s synth.Spec) {
		n++
		s.Seed = uint64(n)*7919 + seed
		if expect == nil {
			expect = []string{}
		}
		out = append(out, Entry{File: fmt.Sprintf("%03d_%s.jpg", n, group), Kind: kind, Group: group, Expect: expect, Allow: allow, Spec: s})
	}
	sides := []struct {
		side synth.Side
		kind string
	}{{synth.Front, "id_front"}, {synth.Back, "id_back"}, {synth.Passport, "passport"}, {synth.Front, "residence_permit"}}
	base := func() (synth.Spec, string) {
		sd := sides[r.IntN(len(sides))]
		w, h := 800, 600
		cw := uni(0.6, 0.82)
		if sd.side == synth.Passport {
			cw = uni(0.6, 0.75)
		}
		// keep a margin: the card's half-diagonal must fit
		return synth.Spec{
			W: w, H: h, Side: sd.side, CardWidth: cw,
			CX: uni(0.47, 0.53), CY: uni(0.46, 0.54), Angle: uni(-10, 10),
			Background: r.IntN(5), Noise: uni(0.5, 1.5), Quality: 60 + r.IntN(18),
			Gain: uni(0.85, 1.0),
		}, sd.kind
	}
	faceSoft := []string{"NO_FACE_ON_DOCUMENT"}
	for i := 0; i < 24; i++ {
		s, k := base()
		add("good", k, nil, nil, s)
	}
	for i := 0; i < 16; i++ { // harder conditions that must still pass
		s, k := base()
		switch i % 6 {
		case 5: // photographed at an angle
			s.Tilt = uni(0.12, 0.25)
			s.CardWidth = uni(0.62, 0.7)
		case 0:
			s.Background = 5 // light desk: the card's edges hardly show
		case 1:
			s.Background = 6 // busy printed background (compressed harder to stay small)
			s.Quality = 45
		case 2:
			s.Angle = uni(15, 28) * float64(1-2*r.IntN(2))
			s.CardWidth = uni(0.6, 0.66)
		case 3: // portrait frame, card turned a quarter
			s.W, s.H = 600, 800
			s.Angle = 90 + uni(-5, 5)
			if r.IntN(2) == 0 {
				s.Angle = -s.Angle
			}
			s.CardWidth = uni(0.75, 0.85) // of the 600 px width: the card's long side runs down the frame
		case 4:
			s.Quality = 30 + r.IntN(10)
		}
		add("good_hard", k, nil, nil, s)
	}
	for i := 0; i < 3; i++ { // held in the hand: a thumb over the bottom edge
		s, k := base()
		s.Thumb = true
		s.CY = uni(0.42, 0.46)
		add("good_thumb", k, nil, nil, s)
	}
	for _, o := range []int{3, 5, 6, 7, 8} {
		s, _ := base()
		s.Side = synth.Front
		s.Orientation = o
		add("good_exif", "id_front", nil, nil, s)
	}
	for i := 0; i < 6; i++ { // mild degradations that must still pass
		s, k := base()
		switch i % 4 {
		case 0:
			s.Blur = uni(0.6, 1.0)
		case 1:
			s.Gain = uni(0.55, 0.7)
		case 2:
			s.Glare, s.GlareR, s.GlareX, s.GlareY = uni(15, 25), uni(0.08, 0.15), uni(-0.3, 0.3), uni(-0.3, 0.3)
		case 3:
			s.Noise = uni(4, 6)
			s.Quality = 55
		}
		add("mild", k, nil, nil, s)
	}
	for i := 0; i < 8; i++ {
		s, k := base()
		s.Blur = uni(3, 6)
		add("blurry", k, []string{"IMAGE_BLURRY"}, faceSoft, s)
	}
	for i := 0; i < 6; i++ { // moderately blurred: text no longer sharp
		s, k := base()
		s.Blur = uni(2.2, 3)
		add("blurry_moderate", k, []string{"IMAGE_BLURRY"}, faceSoft, s)
	}
	for i := 0; i < 8; i++ {
		s, k := base()
		s.Gain = uni(0.18, 0.28)
		add("dark", k, []string{"IMAGE_TOO_DARK"}, []string{"IMAGE_BLURRY", "NO_FACE_ON_DOCUMENT", "DOCUMENT_EDGES_NOT_FOUND"}, s)
	}
	for i := 0; i < 8; i++ {
		s, k := base()
		s.Gain, s.Offset = uni(1.6, 2.0), uni(20, 50)
		add("overexposed", k, []string{"IMAGE_OVEREXPOSED"}, []string{"IMAGE_BLURRY", "NO_FACE_ON_DOCUMENT", "DOCUMENT_EDGES_NOT_FOUND", "IMAGE_CUT_OFF"}, s)
	}
	for i := 0; i < 10; i++ {
		s, k := base()
		s.Glare, s.GlareR, s.GlareX, s.GlareY = uni(180, 280), uni(0.06, 0.12), uni(-0.3, 0.3), uni(-0.25, 0.25)
		add("glare", k, []string{"IMAGE_GLARE"}, faceSoft, s)
	}
	for i := 0; i < 4; i++ { // a small but burnt-out reflection
		s, k := base()
		s.Glare, s.GlareR, s.GlareX, s.GlareY = uni(220, 280), uni(0.04, 0.05), uni(-0.3, 0.3), uni(-0.25, 0.25)
		add("glare_small", k, []string{"IMAGE_GLARE"}, faceSoft, s)
	}
	// Cards that run past the frame edge by lo..hi of their width.
	cut := func(group string, count int, lo, hi float64) {
		for i := 0; i < count; i++ {
			s, k := base()
			out := uni(lo, hi) * s.CardWidth
			cardH := s.CardWidth * float64(s.W) / float64(s.H) / 1.586
			if s.Side == synth.Passport {
				cardH = s.CardWidth * float64(s.W) / float64(s.H) / (125.0 / 88.0)
			}
			s.Angle = uni(-4, 4)
			switch i % 4 {
			case 0:
				s.CX = 1 - s.CardWidth/2 + out
			case 1:
				s.CX = s.CardWidth/2 - out
			case 2:
				s.CY = 1 - cardH/2 + out*float64(s.W)/float64(s.H)
			case 3:
				s.CX = 1 - s.CardWidth/2 + out
				s.CY = cardH/2 - out*float64(s.W)/float64(s.H)
			}
			add(group, k, []string{"IMAGE_CUT_OFF"}, faceSoft, s)
		}
	}
	cut("cut_off", 8, 0.1, 0.3)
	cut("cut_slight", 6, 0.03, 0.07)
	for i := 0; i < 8; i++ {
		s, _ := base()
		s.Side = synth.Blank
		kind := "id_front"
		if i%2 == 1 {
			kind = "residence_permit"
		}
		add("no_face", kind, []string{"NO_FACE_ON_DOCUMENT"}, nil, s)
	}
	for i := 0; i < 6; i++ {
		s, k := base()
		s.CardWidth = uni(0.3, 0.4)
		add("too_small", k, []string{"IMAGE_TOO_SMALL"}, []string{"IMAGE_BLURRY", "NO_FACE_ON_DOCUMENT"}, s)
	}
	return out
}
