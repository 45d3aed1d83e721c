package ocr

import (
	"regexp"
	"strings"
)

var reAnyDate = regexp.MustCompile(`^\s*([0-9]{4})\s*[-./年]\s*([0-9]{1,2})\s*[-./月]\s*([0-9]{1,2})\s*日?\s*$`)

// Verdict is the outcome of comparing a typed value with a reading.
type Verdict string

// The verdicts.
const (
	// Match: the reading equals what was typed.
	Match Verdict = "match"
	// Mismatch: the reading is confident, every typed character is one the
	// engine can read, and they differ. Tell the customer which field.
	Mismatch Verdict = "mismatch"
	// Unreadable: no trustworthy reading; ask for a better photo or send the
	// case to a reviewer. Never the customer's fault.
	Unreadable Verdict = "unreadable"
)

// MinConfidence is the confidence below which a differing reading is
// Unreadable rather than Mismatch, per field (default for others: 0.9).
var MinConfidence = map[string]float64{
	FieldName:      0.9,
	FieldIDNumber:  0.6, // and it must pass its checksum and agree with the birth date and sex read
	FieldBirthDate: 0.9,
	FieldAddress:   0.95,
	FieldEthnicity: 0.97,
}

// normalise puts a value of field name in the form readings are compared in.
func normalise(name, v string) string {
	v = strings.TrimSpace(v)
	switch name {
	case FieldName:
		return normName(v)
	case FieldIDNumber, FieldDocumentNumber:
		return strings.ToUpper(compact(v))
	case FieldSurname, FieldGivenNames:
		return strings.Join(strings.Fields(strings.ToUpper(strings.ReplaceAll(v, "<", " "))), " ")
	case FieldSex:
		switch strings.ToLower(v) {
		case "男", "m", "male":
			return "男"
		case "女", "f", "female":
			return "女"
		}
		return v
	case FieldBirthDate, FieldValidFrom, FieldValidUntil:
		if m := reAnyDate.FindStringSubmatch(v); m != nil {
			if d, ok := isoDate(m[1], m[2], m[3]); ok {
				return d
			}
		}
		return compact(v)
	default:
		return compact(v)
	}
}

// Compare compares what the customer typed for field name with what res
// read. It returns Mismatch only when the reading is confident, consistent
// with the rest of the document and every typed character is one the engine
// can read; otherwise a difference is Unreadable.
func (r *Reader) Compare(name, typed string, res *Result) Verdict {
	if res == nil {
		return Unreadable
	}
	f, ok := res.Fields[name]
	if !ok || f.Value == "" {
		return Unreadable
	}
	a, b := normalise(name, typed), normalise(name, f.Value)
	if a == b {
		return Match
	}
	min, ok := MinConfidence[name]
	if !ok {
		min = 0.9
	}
	if f.Confidence < min || f.Glyph {
		return Unreadable
	}
	if r != nil && r.Page != nil && !r.CanRead(a) {
		return Unreadable
	}
	// Only readings measured to be trustworthy can contradict the customer:
	// PP-OCR pages (0 false mismatches on the generated set) and MRZ fields
	// with valid check digits. Tesseract reading a whole Chinese page (the
	// fallback when PP-OCR is not installed) misreads too often with high
	// confidence, so its differences go to a reviewer.
	fromMRZ := res.MRZ != nil && res.MRZ.Valid && mrzFields[name]
	if r != nil && r.Page != nil && r.Page.Name() != "ppocr" && !fromMRZ {
		return Unreadable
	}
	for _, rs := range res.Reasons {
		if rs.Field == name || (rs.Code == ReasonIDChecksum && (name == FieldBirthDate || name == FieldSex)) {
			return Unreadable
		}
		if name == FieldIDNumber && (rs.Code == ReasonBirthDateMismatch || rs.Code == ReasonSexMismatch) {
			return Unreadable
		}
	}
	if name == FieldIDNumber && !idChecksumOK(b) {
		return Unreadable
	}
	return Mismatch
}

// mrzFields are the passport fields taken from the MRZ.
var mrzFields = map[string]bool{
	FieldDocumentNumber: true, FieldBirthDate: true, FieldValidUntil: true, FieldSex: true,
	FieldSurname: true, FieldGivenNames: true, FieldNationality: true,
}
