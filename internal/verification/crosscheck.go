package verification

import (
	"strconv"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/idrules"
)

// ReadField is one value read from a document, with the reader's confidence
// in [0, 1].
type ReadField struct {
	Value      string  `json:"value"`
	Confidence float64 `json:"confidence"`
	// Glyph: read by matching drawn character shapes, not by the reader's
	// model (internal/ocr's glyph matcher): it can confirm a typed value,
	// never contradict it, whatever its confidence.
	Glyph bool `json:"glyph,omitempty"`
}

// ReadFields maps the reader's field names (those of internal/ocr: name,
// surname, given_names, id_number, document_number, birth_date, sex,
// nationality, valid_until) to what it read.
type ReadFields map[string]ReadField

// The read field names CrossCheck looks at.
const (
	ReadName           = "name"
	ReadSurname        = "surname"
	ReadGivenNames     = "given_names"
	ReadIDNumber       = "id_number"
	ReadDocumentNumber = "document_number"
	ReadBirthDate      = "birth_date"
	ReadSex            = "sex"
	ReadNationality    = "nationality"
	ReadValidUntil     = "valid_until"
)

// CrossCheckOptions tunes CrossCheck.
type CrossCheckOptions struct {
	// Document is the kind of the document that was read (CheckResult.Document).
	Document string
	// At is the submission date, for the expiry check.
	At time.Time
	// MinConfidence: a differing reading below it is unreadable, not a
	// mismatch (DefaultMinConfidence when 0).
	MinConfidence float64
	// CanRead, when set, reports whether the reader can read every character
	// of a typed value; a differing reading of a value it cannot read is
	// unreadable, not a mismatch (e.g. a rare Han character outside the
	// recognition model's dictionary).
	CanRead func(typed string) bool
	// Engine and EngineVersion are copied into the results.
	Engine, EngineVersion string
	// Require lists the fields that must be read (FieldFullName,
	// FieldIDNumber, ReadValidUntil): one the reading lacks gives an
	// unreadable result (DOCUMENT_UNREADABLE), never silence, because an
	// automatic approval needs positive evidence.
	Require []string
}

// CrossCheck compares what the applicant typed with what was read from one
// document and returns one cross_check result per compared field (a field
// the reading lacks is not compared, unless Require names it: then it is
// unreadable):
//
//   - full_name with name, or with surname and given names from an MRZ
//     (idrules.CompareNames; a Latin name whose words are only in another
//     order passes, noted in Detail; a Han name is compared with a Latin
//     reading through pinyin (PinyinMatch): a match passes, anything else
//     is unreadable with DOCUMENT_REVIEW_REQUIRED, since romanisations vary
//     and a person must compare; other script pairs are skipped);
//   - id_number with id_number or document_number, exactly after
//     normalisation (a read resident or residence-permit number that fails
//     its own checksum is a misreading: unreadable; one read exactly as
//     typed that passes it scores 0.99 whatever the line's confidence, as
//     an MRZ's check digits confirm its fields);
//   - birth_date and sex with the typed values or, when not typed, those the
//     ID number carries;
//   - nationality (passports);
//   - valid_until: before At is DOCUMENT_EXPIRED ("长期", long-term, never
//     expires).
//
// A difference is a mismatch (NAME_MISMATCH, ID_NUMBER_MISMATCH,
// BIRTH_DATE_MISMATCH, SEX_MISMATCH, NATIONALITY_MISMATCH) only when the
// reading's confidence is at least MinConfidence and CanRead accepts the
// typed value; otherwise the result is unreadable with DOCUMENT_UNREADABLE.
// Each result's Field names the applicant field (full_name, id_number, …;
// valid_until for the expiry).
func CrossCheck(a Applicant, read ReadFields, opt CrossCheckOptions) []CheckResult {
	a = NormalizeApplicant(a)
	if opt.MinConfidence <= 0 || opt.MinConfidence > 1 {
		opt.MinConfidence = DefaultMinConfidence
	}
	var out []CheckResult
	res := func(field string, f ReadField, outcome string, reasons ...string) *CheckResult {
		out = append(out, CheckResult{
			Kind: CheckCrossCheck, Outcome: outcome, Score: clamp01(f.Confidence),
			Engine: opt.Engine, EngineVersion: opt.EngineVersion,
			Reasons: reasons, Field: field, Document: opt.Document,
		})
		return &out[len(out)-1]
	}
	// differ records a difference: a mismatch when the reading is to be
	// trusted, unreadable otherwise.
	differ := func(field string, f ReadField, typed, code string) {
		if f.Confidence >= opt.MinConfidence && !f.Glyph && (opt.CanRead == nil || opt.CanRead(typed)) {
			res(field, f, OutcomeFail, code)
			return
		}
		res(field, f, OutcomeUnreadable, CodeDocumentUnreadable)
	}

	required := func(field string) bool {
		for _, r := range opt.Require {
			if r == field {
				return true
			}
		}
		return false
	}
	absent := func(field string) {
		r := res(field, ReadField{}, OutcomeUnreadable, CodeDocumentUnreadable)
		r.Detail = map[string]string{"why": "not read"}
	}

	// Name.
	if f, ok := nameReading(read); !ok && a.FullName != "" && required(FieldFullName) {
		absent(FieldFullName)
	} else if ok && a.FullName != "" {
		cmp := idrules.CompareNames(f.Value, a.FullName)
		switch {
		case strings.TrimSpace(f.Value) == "":
			res(FieldFullName, f, OutcomeUnreadable, CodeDocumentUnreadable)
		case cmp.Match:
			res(FieldFullName, f, OutcomePass)
		case onlyOrder(cmp):
			r := res(FieldFullName, f, OutcomePass)
			r.Detail = map[string]string{"name_order": "different"}
		case scriptOf(a.FullName) == idrules.ScriptHan && scriptOf(f.Value) == idrules.ScriptLatin:
			if match, _ := PinyinMatch(a.FullName, f.Value); match {
				r := res(FieldFullName, f, OutcomePass)
				r.Detail = map[string]string{"compared": "pinyin"}
			} else {
				r := res(FieldFullName, f, OutcomeUnreadable, CodeDocumentReviewRequired)
				r.Detail = map[string]string{"compared": "pinyin", "why": "the Latin name read is not a pinyin spelling of the typed name"}
			}
		case scriptOf(a.FullName) != scriptOf(f.Value):
			r := res(FieldFullName, f, OutcomeSkipped)
			r.Detail = map[string]string{"skipped": "scripts differ"}
		default:
			differ(FieldFullName, f, a.FullName, CodeNameMismatch)
			if r := &out[len(out)-1]; r.Outcome == OutcomeFail {
				r.Detail = nameDiffDetail(cmp)
			}
		}
	}

	// ID number.
	if f, ok := numberReading(read); !ok && a.IDNumber != "" && required(FieldIDNumber) {
		absent(FieldIDNumber)
	} else if ok && a.IDNumber != "" {
		v := normNumber(f.Value)
		switch {
		case v == "":
			res(FieldIDNumber, f, OutcomeUnreadable, CodeDocumentUnreadable)
		case v == a.IDNumber:
			r := res(FieldIDNumber, f, OutcomePass)
			if r.Score < opt.MinConfidence && !f.Glyph && hasChecksum(a.IDType) && numberValid(a.IDType, v, opt.At) {
				// Read exactly as typed and passing its check character:
				// confirmed the way an MRZ's check digits confirm its
				// fields (internal/ocr gives those 0.99).
				r.Detail = map[string]string{"confirmed_by": "check character", "read_confidence": strconv.FormatFloat(r.Score, 'f', 2, 64)}
				r.Score = 0.99
			}
		case hasChecksum(a.IDType) && !numberValid(a.IDType, v, opt.At):
			res(FieldIDNumber, f, OutcomeUnreadable, CodeDocumentUnreadable)
		default:
			differ(FieldIDNumber, f, a.IDNumber, CodeIDNumberMismatch)
		}
	}

	// Birth date and sex: typed, or carried by the typed number.
	var idn idrules.IDNumber
	if a.IDType != IDPassport && a.IDType != "" {
		if n, rs := idrules.CheckIDNumber(a.IDNumber, idrules.IDType(a.IDType), opt.At); idrules.Valid(rs) {
			idn = n
		}
	}
	// One wrong digit is one mistake: when the typed number already differs
	// from the one read, the birth date and sex it carries are not compared
	// again (that would add two reasons, on fields the customer never typed).
	numberDiffers := false
	for _, r := range out {
		if r.Field == FieldIDNumber && r.Outcome == OutcomeFail {
			numberDiffers = true
		}
	}
	if f, ok := read[ReadBirthDate]; ok {
		want := a.BirthDate
		if want == "" && !idn.BirthDate.IsZero() && !numberDiffers {
			want = idn.BirthDate.String()
		}
		if want != "" {
			got := normDate(f.Value)
			if _, valid := idrules.ParseDate(got); !valid {
				res(FieldBirthDate, f, OutcomeUnreadable, CodeDocumentUnreadable)
			} else if got == want {
				res(FieldBirthDate, f, OutcomePass)
			} else {
				differ(FieldBirthDate, f, want, CodeBirthDateMismatch)
			}
		}
	}
	if f, ok := read[ReadSex]; ok {
		want := a.Sex
		if want == "" && !numberDiffers {
			want = string(idn.Sex)
		}
		if want != "" {
			got := normSex(f.Value)
			switch {
			case got != string(idrules.SexMale) && got != string(idrules.SexFemale):
				res(FieldSex, f, OutcomeUnreadable, CodeDocumentUnreadable)
			case got == want:
				res(FieldSex, f, OutcomePass)
			default:
				differ(FieldSex, f, want, CodeSexMismatch)
			}
		}
	}
	if f, ok := read[ReadNationality]; ok && a.IDType == IDPassport && a.Nationality != "" {
		got := normCode(strings.ReplaceAll(f.Value, "<", ""))
		switch {
		case got == "":
			res(FieldNationality, f, OutcomeUnreadable, CodeDocumentUnreadable)
		case got == a.Nationality:
			res(FieldNationality, f, OutcomePass)
		default:
			differ(FieldNationality, f, a.Nationality, CodeNationalityMismatch)
		}
	}

	// Expiry.
	if _, ok := read[ReadValidUntil]; !ok && required(ReadValidUntil) {
		absent(ReadValidUntil)
	}
	if f, ok := read[ReadValidUntil]; ok {
		v := strings.TrimSpace(f.Value)
		if v == "长期" || strings.EqualFold(v, "long-term") || strings.EqualFold(v, "long term") {
			res(ReadValidUntil, f, OutcomePass)
		} else if d, valid := idrules.ParseDate(normDate(v)); !valid {
			res(ReadValidUntil, f, OutcomeUnreadable, CodeDocumentUnreadable)
		} else if !d.Before(idrules.DateOf(opt.At)) {
			res(ReadValidUntil, f, OutcomePass)
		} else if f.Confidence >= opt.MinConfidence && !f.Glyph {
			r := res(ReadValidUntil, f, OutcomeFail, CodeDocumentExpired)
			r.Detail = map[string]string{"valid_until": d.String()}
		} else {
			res(ReadValidUntil, f, OutcomeUnreadable, CodeDocumentUnreadable)
		}
	}
	return out
}

// nameReading returns the printed name, or the MRZ name as "SURNAME GIVEN".
func nameReading(read ReadFields) (ReadField, bool) {
	if f, ok := read[ReadName]; ok {
		return f, true
	}
	s, ok1 := read[ReadSurname]
	g, ok2 := read[ReadGivenNames]
	if !ok1 && !ok2 {
		return ReadField{}, false
	}
	f := ReadField{Value: strings.TrimSpace(s.Value + " " + g.Value), Confidence: s.Confidence, Glyph: s.Glyph || g.Glyph}
	if ok2 && (!ok1 || g.Confidence < f.Confidence) {
		f.Confidence = g.Confidence
	}
	return f, true
}

func numberReading(read ReadFields) (ReadField, bool) {
	if f, ok := read[ReadIDNumber]; ok {
		return f, true
	}
	f, ok := read[ReadDocumentNumber]
	return f, ok
}

// onlyOrder reports whether the names differ only in the order of words.
func onlyOrder(c idrules.NameComparison) bool {
	if len(c.Reasons) == 0 {
		return false
	}
	for _, r := range c.Reasons {
		if r.Code != idrules.CodeNameOrder {
			return false
		}
	}
	return true
}

func scriptOf(name string) string {
	n, _ := idrules.CheckName(name)
	return n.Script
}

func hasChecksum(t string) bool { return t == IDCNResident || t == IDHMTResidence }

func numberValid(t, v string, at time.Time) bool {
	_, rs := idrules.CheckIDNumber(v, idrules.IDType(t), at)
	return idrules.Valid(rs)
}

func clamp01(f float64) float64 {
	switch {
	case f != f || f < 0: // NaN or negative
		return 0
	case f > 1:
		return 1
	}
	return f
}

// nameDiffDetail records where a name differs (rule and position, never the
// characters themselves).
func nameDiffDetail(c idrules.NameComparison) map[string]string {
	if len(c.Diffs) == 1 {
		rule := map[string]string{idrules.DiffMissing: idrules.CodeNameMissing, idrules.DiffExtra: idrules.CodeNameExtra,
			idrules.DiffDifferent: idrules.CodeNameDifferent}[c.Diffs[0].Kind]
		if rule != "" {
			return map[string]string{"rule": rule, "position": strconv.Itoa(c.Diffs[0].Position)}
		}
	}
	if len(c.Diffs) > 1 {
		return map[string]string{"rule": idrules.CodeNameMismatch, "position": strconv.Itoa(len(c.Diffs))}
	}
	return nil
}
