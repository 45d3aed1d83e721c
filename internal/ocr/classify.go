package ocr

import (
	"regexp"
	"strings"
)

// KindUnknown is the kind Classify gives a photo it cannot place.
const KindUnknown = "unknown"

// Classification is what kind of document a photo shows, decided from the
// text the page engine read on it (Classify).
type Classification struct {
	// Kind is one of Kinds (KindIDBack also for the emblem side of a
	// residence permit), or KindUnknown.
	Kind string `json:"kind"`
	// Confidence in [0, 1]: 0.9 and above when several independent clues
	// agree; a kind below 0.8 is a guess, not evidence.
	Confidence float64 `json:"confidence"`
	// Clues name what was seen (labels, "mrz", "id_number_81"), never a value
	// read from the document.
	Clues []string `json:"clues,omitempty"`
}

// ClassifyConfident is the confidence from which a classification is
// evidence (a photo filed under another kind is the wrong document).
const ClassifyConfident = 0.8

var (
	// TD3 line 2: document number, check digit, nationality, birth date,
	// check, sex, expiry, check (OCR slips in the letters tolerated).
	reTD3Line2 = regexp.MustCompile(`[A-Z0-9<]{9}[0-9][A-Z<]{3}[0-9]{6}[0-9][MF<][0-9]{6}[0-9]`)
	reNumber18 = regexp.MustCompile(`[0-9]{17}[0-9X]`)
)

// Classify decides which kind of document the lines were read from, using
// the printed labels and layout clues each kind has and the others lack:
//
//   - passport photo page: a machine-readable zone (a TD3 line 2, or a line
//     of MRZ characters starting with P), with "护照"/"PASSPORT" (a zone
//     whose line 1 starts with V is a visa or a permit sticker: unknown);
//   - ID card front: "公民身份号码", the labels 姓名 性别 民族 出生 住址, an
//     18-character number that passes its check character;
//   - residence permit: the ID-front layout with a number starting 81, 82 or
//     83 (Hong Kong, Macau, Taiwan residents), or a foreigner's permanent
//     residence card (外国人永久居留, a number starting 9);
//   - ID card back (the emblem side, also of a permit): "居民身份证" or
//     "居住证" with 签发机关 and 有效期限, and no name label or number.
//
// It runs in microseconds on the lines a Read already has.
func Classify(lines []Line) Classification {
	var all strings.Builder
	texts := make([]string, 0, len(lines))
	for _, l := range lines {
		t := compact(l.Text)
		texts = append(texts, t)
		all.WriteString(t)
		all.WriteByte('\n')
	}
	text := all.String()
	upper := strings.ToUpper(text)
	has := func(words ...string) (n int, clues []string) {
		for _, w := range words {
			if strings.Contains(text, w) || strings.Contains(upper, w) {
				n++
				clues = append(clues, w)
			}
		}
		return n, clues
	}

	// Machine-readable zone.
	mrz, mrzP, mrzV := 0, false, false
	for _, l := range lines {
		if !mrzLine(l.Text) {
			continue
		}
		c := cleanMRZ(l.Text)
		if len(c) < 30 {
			continue
		}
		mrz++
		if reTD3Line2.MatchString(c) {
			mrz++
		}
		if strings.HasPrefix(c, "P<") || (len(c) > 4 && c[0] == 'P' && strings.Count(c[:6], "<") >= 1) {
			mrzP = true
		}
		if strings.HasPrefix(c, "V<") || (len(c) > 4 && c[0] == 'V' && strings.Count(c[:6], "<") >= 1) {
			mrzV = true
		}
	}
	passportWords, pClues := has("PASSPORT", "护照", "PASSPORTNO", "COUNTRYCODE", "国家码")

	// A valid 18-character number and its prefix.
	number := ""
	for _, t := range texts {
		for _, m := range reNumber18.FindAllString(strings.ToUpper(t), -1) {
			if idChecksumOK(m) {
				number = m
				break
			}
		}
		if number != "" {
			break
		}
	}
	frontLabels, fClues := has("姓名", "性别", "民族", "出生", "住址", "公民身份号码")
	backWords, bClues := has("居民身份证", "签发机关", "有效期限", "中华人民共和国")
	foreignWords, rClues := has("永久居留", "外国人", "居留身份证", "CARDNO", "NATIONALITY", "国籍")
	permitBack, _ := has("居住证", "通行证号码", "签发次数")

	switch {
	case mrzV && !mrzP:
		// A visa or a residence permit sticker (MRV): its line 2 looks
		// like a passport's, its line 1 starts with V. No reader knows it.
		return Classification{Kind: KindUnknown, Clues: []string{"visa_mrz"}}
	case mrz >= 2 || (mrz >= 1 && (mrzP || passportWords > 0)):
		c := Classification{Kind: KindPassport, Confidence: 0.9, Clues: append([]string{"mrz"}, pClues...)}
		if mrzP || passportWords > 0 {
			c.Confidence = 0.97
		}
		return c
	case number != "" && (number[:2] == "81" || number[:2] == "82" || number[:2] == "83"):
		return Classification{Kind: KindResidencePermit, Confidence: 0.95, Clues: append([]string{"id_number_" + number[:2]}, fClues...)}
	case foreignWords >= 2 || (number != "" && number[0] == '9' && foreignWords >= 1):
		return Classification{Kind: KindResidencePermit, Confidence: 0.9, Clues: rClues}
	case number != "" && frontLabels >= 1:
		return Classification{Kind: KindIDFront, Confidence: 0.97, Clues: append([]string{"id_number"}, fClues...)}
	case frontLabels >= 3 && strings.Contains(text, "公民身份号码"):
		return Classification{Kind: KindIDFront, Confidence: 0.9, Clues: fClues}
	case passportWords >= 2:
		// The printed page without a readable MRZ.
		return Classification{Kind: KindPassport, Confidence: 0.85, Clues: pClues}
	case number == "" && frontLabels <= 1 && (backWords >= 2 || (backWords >= 1 && permitBack >= 1)):
		conf := 0.85
		if backWords >= 3 {
			conf = 0.95
		}
		return Classification{Kind: KindIDBack, Confidence: conf, Clues: bClues}
	case frontLabels >= 3:
		return Classification{Kind: KindIDFront, Confidence: 0.8, Clues: fClues}
	case number != "":
		return Classification{Kind: KindIDFront, Confidence: 0.6, Clues: []string{"id_number"}}
	case backWords == 1:
		return Classification{Kind: KindIDBack, Confidence: 0.5, Clues: bClues}
	case mrz == 1:
		return Classification{Kind: KindPassport, Confidence: 0.6, Clues: []string{"mrz"}}
	}
	return Classification{Kind: KindUnknown}
}

// Classify decides which kind of document the result was read from: the
// text-based Classify of its lines, and a passport when its MRZ passed
// every check digit.
func (r *Result) Classify() Classification {
	if r == nil {
		return Classification{Kind: KindUnknown}
	}
	c := Classify(r.Lines)
	if r.MRZ != nil && r.MRZ.Valid && (c.Kind == KindPassport || c.Confidence < ClassifyConfident) {
		return Classification{Kind: KindPassport, Confidence: 0.99, Clues: append([]string{"mrz_valid"}, c.Clues...)}
	}
	return c
}

// Accepts reports whether a photo classified as c may stand in a slot of the
// given reader kind: the same kind (a residence permit's emblem side is an
// ID back).
func (c Classification) Accepts(kind string) bool {
	return c.Kind == kind && c.Confidence >= ClassifyConfident
}

// WrongKind reports whether c is confident evidence that the photo is a
// document of another kind than kind.
func (c Classification) WrongKind(kind string) bool {
	return c.Kind != kind && c.Kind != KindUnknown && c.Confidence >= ClassifyConfident
}
