package face

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/veriwallet/veriwallet/internal/document"
)

// EvalReport is what `veriwallet check face-eval` prints: error rates of
// the face comparison (and, when labelled, of liveness) on an operator's
// labelled pairs.
type EvalReport struct {
	Pairs      int        `json:"pairs"`
	Thresholds Thresholds `json:"thresholds"`
	// Same-person pairs.
	Same struct {
		Total  int `json:"total"`
		Match  int `json:"match"`
		Review int `json:"review"` // between Review and Match, or a face too small to embed
		// Mismatch: below Review; NoFace: no face (or many) on either image.
		Mismatch int `json:"mismatch"`
		NoFace   int `json:"no_face"`
	} `json:"same"`
	// Different-people pairs.
	Different struct {
		Total    int `json:"total"`
		Match    int `json:"match"`
		Review   int `json:"review"`
		Mismatch int `json:"mismatch"`
		NoFace   int `json:"no_face"`
	} `json:"different"`
	// FMR: different-people pairs judged a match / different-people pairs
	// compared. FNMR: same-person pairs not judged a match / same-person
	// pairs (review and no face count as non-matches: they cost a reviewer).
	FMR  float64 `json:"false_match_rate"`
	FNMR float64 `json:"false_non_match_rate"`
	// Sweep: the two rates for other Match thresholds, to choose one.
	Sweep []SweepPoint `json:"sweep"`
	// Liveness, over pairs whose "live" column is filled.
	Live *LiveReport `json:"liveness,omitempty"`
	// Rows: every pair (with --rows).
	Rows []EvalRow `json:"rows,omitempty"`
}

// SweepPoint is FMR and FNMR at one Match threshold.
type SweepPoint struct {
	Match float64 `json:"match"`
	FMR   float64 `json:"false_match_rate"`
	FNMR  float64 `json:"false_non_match_rate"`
}

// LiveReport counts liveness errors: live selfies judged not live, and
// spoofs (photos of photos or screens) judged live.
type LiveReport struct {
	Live           int     `json:"live"`
	LiveRejected   int     `json:"live_rejected"`
	Spoof          int     `json:"spoof"`
	SpoofAccepted  int     `json:"spoof_accepted"`
	LiveRejectRate float64 `json:"live_reject_rate"`
	SpoofAcceptRt  float64 `json:"spoof_accept_rate"`
}

// EvalRow is one pair's result.
type EvalRow struct {
	Document   string  `json:"document"`
	Selfie     string  `json:"selfie"`
	Same       bool    `json:"same"`
	Verdict    Verdict `json:"verdict"`
	Similarity float64 `json:"similarity"`
	Liveness   float64 `json:"liveness"`
}

// RunEvaluate implements `veriwallet check face-eval --pairs FILE.csv`.
// FILE.csv has a header and the columns document,selfie,same[,live]:
// image paths (relative to the CSV's folder), same = 1 when both show the
// same person, 0 when not; live (optional) = 1 for a live selfie, 0 for a
// spoof, empty when unknown. It prints an EvalReport as JSON. Exit codes:
// 0 done; 2 usage or a bad CSV or image; 3 the models are not installed.
func RunEvaluate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check face-eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pairs := fs.String("pairs", "", "CSV of labelled pairs: document,selfie,same[,live]")
	dir := fs.String("face-dir", DefaultDir(), "where scripts/face/setup.sh installed the face models")
	def := DefaultThresholds()
	match := fs.Float64("match", def.Match, "similarity at or above which the faces match")
	review := fs.Float64("review", def.Review, "similarity at or above which a reviewer decides")
	live := fs.Float64("live", def.Live, "liveness at or above which a selfie is live")
	rows := fs.Bool("rows", false, "list every pair's result")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *pairs == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: veriwallet check face-eval [--match X --review Y --live Z] [--rows] --pairs FILE.csv")
		return 2
	}
	list, err := readPairs(*pairs)
	if err != nil {
		fmt.Fprintln(stderr, "check face-eval:", err)
		return 2
	}
	e, err := Open(*dir)
	if err != nil {
		writeJSON(stdout, map[string]any{"error": ErrUnavailable.Code, "detail": Detail(err)})
		fmt.Fprintln(stderr, "check face-eval:", Detail(err))
		return 3
	}
	defer e.Close()
	t := Thresholds{Match: *match, Review: *review, Live: *live}
	rep, err := evaluate(context.Background(), e, list, t)
	if err != nil {
		fmt.Fprintln(stderr, "check face-eval:", err)
		return 2
	}
	if !*rows {
		rep.Rows = nil
	}
	writeJSON(stdout, rep)
	return 0
}

type pair struct {
	doc, selfie string
	same        bool
	live        int // 1 live, 0 spoof, -1 unknown
}

func readPairs(path string) ([]pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("%s: want a header and at least one pair", path)
	}
	base := filepath.Dir(path)
	rel := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(base, p)
	}
	var out []pair
	for i, rec := range recs[1:] {
		if len(rec) < 3 {
			return nil, fmt.Errorf("%s line %d: want document,selfie,same[,live]", path, i+2)
		}
		p := pair{doc: rel(strings.TrimSpace(rec[0])), selfie: rel(strings.TrimSpace(rec[1])), live: -1}
		switch strings.TrimSpace(rec[2]) {
		case "1", "true", "same":
			p.same = true
		case "0", "false", "different":
		default:
			return nil, fmt.Errorf("%s line %d: same must be 1 or 0, not %q", path, i+2, rec[2])
		}
		if len(rec) > 3 {
			switch strings.TrimSpace(rec[3]) {
			case "1", "true", "live":
				p.live = 1
			case "0", "false", "spoof":
				p.live = 0
			case "":
			default:
				return nil, fmt.Errorf("%s line %d: live must be 1, 0 or empty, not %q", path, i+2, rec[3])
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func evaluate(ctx context.Context, e *Engine, list []pair, t Thresholds) (*EvalReport, error) {
	rep := &EvalReport{Pairs: len(list), Thresholds: t}
	cache := map[string]Analysis{}
	get := func(path string, kind document.Kind, live bool) (Analysis, error) {
		key := fmt.Sprint(path, kind, live)
		if a, ok := cache[key]; ok {
			return a, nil
		}
		img, _, err := decodePhoto(path, kind)
		if err != nil {
			return Analysis{}, err
		}
		a, err := e.Analyze(ctx, img, Options{Liveness: live})
		if err != nil {
			return Analysis{}, fmt.Errorf("%s: %w", path, err)
		}
		cache[key] = a
		return a, nil
	}
	var sameSims, diffSims []float64 // NaN: no comparable embedding
	var lr LiveReport
	for _, p := range list {
		da, err := get(p.doc, document.KindOther, false)
		if err != nil {
			return nil, err
		}
		sa, err := get(p.selfie, document.KindSelfie, p.live >= 0)
		if err != nil {
			return nil, err
		}
		// Matching is judged without liveness; liveness separately below.
		noLive := sa
		noLive.Liveness = -1
		v, sim := Decide(da, noLive, t)
		rep.Rows = append(rep.Rows, EvalRow{Document: p.doc, Selfie: p.selfie, Same: p.same, Verdict: v, Similarity: sim, Liveness: sa.Liveness})
		comparable := v == Match || v == Mismatch || (v == Review && da.Embedding != nil && sa.Embedding != nil)
		s := math.NaN()
		if comparable {
			s = sim
		}
		if p.same {
			rep.Same.Total++
			sameSims = append(sameSims, s)
			count(v, &rep.Same.Match, &rep.Same.Review, &rep.Same.Mismatch, &rep.Same.NoFace)
		} else {
			rep.Different.Total++
			diffSims = append(diffSims, s)
			count(v, &rep.Different.Match, &rep.Different.Review, &rep.Different.Mismatch, &rep.Different.NoFace)
		}
		if p.live >= 0 && len(sa.Faces) > 0 {
			if p.live == 1 {
				lr.Live++
				if sa.Liveness < t.Live {
					lr.LiveRejected++
				}
			} else {
				lr.Spoof++
				if sa.Liveness >= t.Live {
					lr.SpoofAccepted++
				}
			}
		}
	}
	rep.FMR, rep.FNMR = rates(sameSims, diffSims, t.Match)
	for m := 0.20; m <= 0.801; m += 0.05 {
		fmr, fnmr := rates(sameSims, diffSims, m)
		rep.Sweep = append(rep.Sweep, SweepPoint{Match: math.Round(m*100) / 100, FMR: fmr, FNMR: fnmr})
	}
	if lr.Live+lr.Spoof > 0 {
		lr.LiveRejectRate = ratio(lr.LiveRejected, lr.Live)
		lr.SpoofAcceptRt = ratio(lr.SpoofAccepted, lr.Spoof)
		rep.Live = &lr
	}
	if rep.Pairs == 0 {
		return nil, errors.New("no pairs")
	}
	return rep, nil
}

func count(v Verdict, match, review, mismatch, noFace *int) {
	switch v {
	case Match:
		*match++
	case Review:
		*review++
	case Mismatch:
		*mismatch++
	default:
		*noFace++
	}
}

// rates: FMR over the different pairs that could be compared; FNMR over
// all same pairs (a same pair that could not be compared is a non-match).
func rates(same, diff []float64, match float64) (fmr, fnmr float64) {
	fm, nd := 0, 0
	for _, s := range diff {
		if math.IsNaN(s) {
			continue
		}
		nd++
		if s >= match {
			fm++
		}
	}
	fnm := 0
	for _, s := range same {
		if math.IsNaN(s) || s < match {
			fnm++
		}
	}
	return ratio(fm, nd), ratio(fnm, len(same))
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
