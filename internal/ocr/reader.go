package ocr

import (
	"context"
	"image"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

// The document kinds a Reader understands.
const (
	KindIDFront         = "id_front"
	KindIDBack          = "id_back"
	KindPassport        = "passport"
	KindResidencePermit = "residence_permit"
)

// Kinds lists the supported kinds.
var Kinds = []string{KindIDFront, KindIDBack, KindPassport, KindResidencePermit}

// expected lists, per kind, the fields a complete reading has.
var expected = map[string][]string{
	KindIDFront:         {FieldName, FieldSex, FieldEthnicity, FieldBirthDate, FieldAddress, FieldIDNumber},
	KindIDBack:          {FieldIssuingAuthority, FieldValidUntil},
	KindPassport:        {FieldName, FieldDocumentNumber, FieldBirthDate, FieldSex, FieldValidUntil},
	KindResidencePermit: {FieldName, FieldIDNumber, FieldBirthDate},
}

// Reason is one finding about a reading, with a stable code.
type Reason struct {
	Code    string    `json:"code"`
	Field   string    `json:"field,omitempty"`
	Message i18n.Text `json:"message"`
}

// The reason codes a Reader reports.
const (
	ReasonFieldUnreadable   = "FIELD_UNREADABLE"     // a field could not be read: ask for a better photo
	ReasonMRZUnreadable     = "MRZ_UNREADABLE"       // no MRZ with valid check digits: photo unreadable, not wrong data
	ReasonIDChecksum        = "ID_NUMBER_CHECKSUM"   // the number read fails its checksum (a misread, or a forged card)
	ReasonBirthDateMismatch = "BIRTH_DATE_NOT_IN_ID" // printed birth date differs from the one in the number
	ReasonSexMismatch       = "SEX_NOT_IN_ID"        // printed sex differs from the number's parity
	ReasonExpired           = "DOCUMENT_EXPIRED"
)

var reasonText = map[string]i18n.Text{
	ReasonFieldUnreadable: i18n.T("This field could not be read from the photo. Please take a sharper photo without glare, with the whole document in the frame.",
		"无法从照片中识别该项。请重新拍摄清晰、无反光且完整的证件照片。"),
	ReasonMRZUnreadable: i18n.T("The machine-readable lines at the bottom of the passport page could not be read. Please photograph the whole page, flat and sharp.",
		"无法识别护照资料页底部的机读码。请将整页平放并拍摄清晰照片。"),
	ReasonIDChecksum: i18n.T("The ID number read from the photo is not valid. Please take a sharper photo of the number.",
		"从照片中识别出的身份号码无效。请重新拍摄清晰的号码区域。"),
	ReasonBirthDateMismatch: i18n.T("The birth date on the document does not agree with the ID number.",
		"证件上的出生日期与身份号码不一致。"),
	ReasonSexMismatch: i18n.T("The sex on the document does not agree with the ID number.",
		"证件上的性别与身份号码不一致。"),
	ReasonExpired: i18n.T("This document has expired. Please use a valid document.",
		"该证件已过期，请使用有效期内的证件。"),
}

func reason(code, field string) Reason {
	return Reason{Code: code, Field: field, Message: reasonText[code]}
}

// Result is what a Reader read from one document image.
type Result struct {
	Kind      string           `json:"kind"`
	Fields    map[string]Field `json:"fields"`
	MRZ       *MRZ             `json:"mrz,omitempty"`
	Reasons   []Reason         `json:"reasons"`
	Engine    string           `json:"engine"`
	ElapsedMS int64            `json:"elapsed_ms"`
	Lines     []Line           `json:"-"`
}

// Reader turns document images into fields. Page is the engine that reads
// whole pages (PP-OCR: on the generated set it read every ID number and every
// name whose characters it could output, where tesseract's chi_sim read a
// fifth of the names);
// Strip, when set, is a second engine tried on the MRZ lines (tesseract with a
// whitelist). A Reader is used by one goroutine at a time, like its engines.
type Reader struct {
	Page  Engine
	Strip Engine
	Now   func() time.Time
}

// NewReader returns a Reader over page (required) and strip (optional).
func NewReader(page, strip Engine) *Reader {
	return &Reader{Page: page, Strip: strip, Now: time.Now}
}

// Status reports the engines the reader uses.
func (r *Reader) Status() Status {
	if r == nil || r.Page == nil {
		return Status{Detail: "ocr: unavailable: no engine loaded"}
	}
	s := Status{Available: true, Engines: []string{r.Page.Name() + " " + r.Page.Version()}}
	if r.Strip != nil {
		s.Engines = append(s.Engines, r.Strip.Name()+" "+r.Strip.Version())
	}
	s.Detail = "ocr: available: " + strings.Join(s.Engines, ", ")
	return s
}

// CanRead reports whether every character of s is one the page engine can
// output; a typed value with other characters can never be confirmed or
// contradicted by a reading.
func (r *Reader) CanRead(s string) bool {
	for _, c := range s {
		if c == ' ' {
			continue
		}
		if !r.Page.CanRead(c) {
			return false
		}
	}
	return true
}

// ErrUnknownKind is returned for a kind outside Kinds.
var ErrUnknownKind = errs.New(errs.Invalid, "DOCUMENT_KIND_UNKNOWN",
	"Unknown document kind.", "未知的证件类型。").OnField("kind")

// Read reads a document of the given kind. Errors: ErrUnknownKind, the
// context's error, ErrUnavailable when the reader has no engine, or an
// Internal error from an engine.
func (r *Reader) Read(ctx context.Context, kind string, img image.Image) (*Result, error) {
	start := time.Now()
	if _, ok := expected[kind]; !ok {
		return nil, ErrUnknownKind
	}
	if r == nil || r.Page == nil {
		return nil, ErrUnavailable
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	lines, err := r.Page.Read(ctx, img, Options{Mode: ModePage})
	if err != nil {
		return nil, err
	}
	rows := layout(lines)
	res := &Result{Kind: kind, Engine: r.Page.Name(), Lines: lines, Reasons: []Reason{}}
	var f fields
	switch kind {
	case KindIDFront:
		f = parseIDFront(rows)
	case KindIDBack:
		f = parseIDBack(rows)
	case KindResidencePermit:
		f = parsePermit(rows)
	case KindPassport:
		f = parsePassportPage(rows)
		latin := f[fieldLatinName]
		delete(f, fieldLatinName)
		m, nameConf, engine, err := r.readMRZ(ctx, img, lines, latin.Value, latin.Confidence, now())
		if err != nil {
			return nil, err
		}
		if m != nil {
			res.MRZ = m
			if m.Valid {
				applyMRZ(f, m, 0.99, nameConf)
				if engine != "" {
					res.Engine = engine
				}
			}
		}
		if m == nil || !m.Valid {
			res.Reasons = append(res.Reasons, reason(ReasonMRZUnreadable, "mrz"))
		}
	}
	markGlyphs(f, lines)
	res.Fields = f
	res.Reasons = append(res.Reasons, consistency(kind, f, now())...)
	for _, name := range expected[kind] {
		if _, ok := f[name]; !ok && !(kind == KindPassport && res.MRZ != nil && !res.MRZ.Valid && name != FieldName) {
			res.Reasons = append(res.Reasons, reason(ReasonFieldUnreadable, name))
		}
	}
	res.ElapsedMS = time.Since(start).Milliseconds()
	return res, nil
}

// markGlyphs flags every field whose value holds a character the glyph
// matcher put into any line (over-marking only turns a possible mismatch
// into unreadable) and keeps its confidence under glyphConfidence.
func markGlyphs(f fields, lines []Line) {
	var glyphs string
	for _, l := range lines {
		glyphs += l.Glyphs
	}
	if glyphs == "" {
		return
	}
	for name, v := range f {
		if strings.ContainsAny(v.Value, glyphs) {
			v.Glyph = true
			v.Confidence = min(v.Confidence, glyphConfidence)
			f[name] = v
		}
	}
}

// consistency cross-checks fields on one document: the number's checksum,
// birth date and sex against the number, and expiry.
func consistency(kind string, f fields, now time.Time) []Reason {
	var out []Reason
	if n, ok := f[FieldIDNumber]; ok {
		if !idChecksumOK(n.Value) {
			out = append(out, reason(ReasonIDChecksum, FieldIDNumber))
		} else if kind == KindIDFront || (kind == KindResidencePermit && n.Value[0] == '8') {
			if b, ok := f[FieldBirthDate]; ok {
				if strings.ReplaceAll(b.Value, "-", "") != n.Value[6:14] {
					out = append(out, reason(ReasonBirthDateMismatch, FieldBirthDate))
				}
			}
			if s, ok := f[FieldSex]; ok {
				male := (n.Value[16]-'0')%2 == 1
				if (s.Value == "男") != male {
					out = append(out, reason(ReasonSexMismatch, FieldSex))
				}
			}
		}
	}
	if u, ok := f[FieldValidUntil]; ok && u.Value != "长期" {
		if t, err := time.Parse("2006-01-02", u.Value); err == nil && t.AddDate(0, 0, 1).Before(now) {
			out = append(out, reason(ReasonExpired, FieldValidUntil))
		}
	}
	return out
}

// mrzLine reports whether a line looks like part of an MRZ: MRZ
// characters only, and either fillers or a long run.
func mrzLine(s string) bool {
	c := cleanMRZ(s)
	n := len([]rune(compact(s)))
	return len(c) >= 8 && float64(len(c)) >= 0.9*float64(n) &&
		(strings.Count(c, "<") >= 2 || len(c) >= 24)
}

// readMRZ finds the MRZ lines among the page lines and reads them. Line 2
// carries check digits, so the first reading that passes them wins (the page
// reading, then each engine on the straightened strip). Line 1 (the names)
// has none: a reading is trusted (confidence 0.99) when it agrees with the
// Latin name printed on the page or with another engine's reading, and is
// otherwise returned with confidence 0.8 so that it can never be called a
// mismatch. latin is the printed "SURNAME, GIVEN NAMES" ("" when unread).
func (r *Reader) readMRZ(ctx context.Context, img image.Image, lines []Line, latin string, latinConf float64, now time.Time) (*MRZ, float64, string, error) {
	var cand []Line
	for _, l := range lines {
		if mrzLine(l.Text) {
			cand = append(cand, l)
		}
	}
	if len(cand) == 0 {
		return nil, 0, "", nil
	}
	rows := layout(cand)
	if len(rows) > 2 {
		rows = rows[len(rows)-2:]
	}
	var l1s, l2s []string
	var engines []string
	if len(rows) == 2 {
		l1s = append(l1s, joinMRZ(rows[0]))
		l2s = append(l2s, joinMRZ(rows[1]))
		engines = append(engines, r.Page.Name())
	}
	valid2 := func() (string, bool) {
		var states []string
		for _, l1 := range l1s {
			if st := issuingState(l1); st != "" {
				states = append(states, st)
			}
		}
		for _, l2 := range l2s {
			if l, ok := repairLine2(l2, states); ok {
				return l, true
			}
		}
		return "", false
	}
	want1 := ""
	if latin != "" {
		sur, given, _ := strings.Cut(latin, ",")
		want1 = strings.Join(strings.Fields(sur), "<") + "<<" + strings.Join(strings.Fields(given), "<")
	}
	agree1 := func() (string, float64, bool) {
		fixed := make([]string, len(l1s))
		for i, l := range l1s {
			fixed[i] = fixLine1(fitLength(cleanMRZ(l)))
		}
		for _, l := range fixed {
			if want1 != "" && len(l) == 44 && strings.HasPrefix(l[5:], want1+"<") && strings.Trim(l[5+len(want1):], "<") == "" {
				return l, 0.99, true
			}
		}
		for i := range fixed {
			for j := i + 1; j < len(fixed); j++ {
				if fixed[i] == fixed[j] {
					return fixed[i], 0.95, true
				}
			}
		}
		return "", 0, false
	}
	_, ok2 := valid2()
	_, _, ok1 := agree1()
	if !ok1 || !ok2 {
		// Straighten and cut each row's strip.
		angles := make([]float64, 0, len(cand))
		for _, l := range cand {
			angles = append(angles, l.Angle)
		}
		sort.Float64s(angles)
		theta := angles[len(angles)/2]
		if cand[0].Width == 0 {
			// The page engine gives no line angles (tesseract): estimate.
			theta = EstimateSkew(img, 8)
		}
		m := toRGB(img)
		straight := m.rotate(-theta)
		var strips [2]image.Image
		if len(rows) == 2 {
			for i, rw := range rows {
				strips[i] = straight.crop(stripBox(rw, theta, m.W, m.H)).toImage()
			}
		} else {
			// One detected row: the zone is that row and the one below or
			// above; cut a box twice as tall and split it.
			b := stripBox(rows[0], theta, m.W, m.H)
			pitch := b.Dy() * 3 / 2
			if strings.HasPrefix(joinMRZ(rows[0]), "P") {
				strips[0] = straight.crop(b).toImage()
				strips[1] = straight.crop(b.Add(image.Pt(0, pitch))).toImage()
			} else {
				strips[0] = straight.crop(b.Sub(image.Pt(0, pitch))).toImage()
				strips[1] = straight.crop(b).toImage()
			}
		}
		order := []Engine{r.Page}
		if r.Strip != nil {
			order = []Engine{r.Strip, r.Page}
		}
		for _, e := range order {
			var txt [2]string
			for i, s := range strips {
				ls, err := e.Read(ctx, s, Options{Mode: ModeLine, Charset: MRZCharset, Latin: true})
				if err != nil {
					return nil, 0, "", err
				}
				parts := make([]string, len(ls))
				for j, l := range ls {
					parts[j] = l.Text
				}
				txt[i] = strings.Join(parts, "")
			}
			l1s = append(l1s, txt[0])
			l2s = append(l2s, txt[1])
			engines = append(engines, e.Name())
			_, ok2 = valid2()
			_, _, ok1 = agree1()
			if ok1 && ok2 {
				break
			}
		}
	}
	l2, ok2 := valid2()
	if !ok2 && len(l2s) > 0 {
		l2 = l2s[0]
	}
	l1, c1, ok1 := agree1()
	if !ok1 && want1 != "" && latinConf >= 0.65 {
		// No two readings agree exactly, but one is a single slip away from
		// a fairly confident printed name: take the printed name, at a
		// confidence that can confirm a typed name but never contradict one.
		// (On seed 2026 the printed names read right scored 0.71–0.94; the
		// one that had dropped a letter, WANG,MIG against an MRZ's MING,
		// 0.53: a dropped character lowers a line's confidence.)
		if l, ok := nearVIZ(l1s, want1); ok {
			l1, c1, ok1 = l, 0.85, true
		}
	}
	if !ok1 && len(l1s) > 0 {
		// Prefer the strip engine's reading of the names (it comes second).
		l1, c1 = l1s[min(1, len(l1s)-1)], 0.8
	}
	mrz := repairTD3(l1, l2, now)
	return mrz, c1, strings.Join(dedupe(engines), "+"), nil
}

// nearVIZ returns MRZ line 1 spelled with the printed name want1 ("SURNAME<<GIVEN<NAMES")
// when one of the readings l1s differs from it by one inserted, dropped or
// changed character in the name part.
func nearVIZ(l1s []string, want1 string) (string, bool) {
	if len(want1) > 39 {
		return "", false
	}
	for _, l := range l1s {
		l = fixLine1(fitLength(cleanMRZ(l)))
		if len(l) != 44 || l[0] != 'P' {
			continue
		}
		if editDistance(strings.TrimRight(l[5:], "<"), want1) <= 1 {
			return l[:5] + want1 + strings.Repeat("<", 39-len(want1)), true
		}
	}
	return "", false
}

// editDistance is the Levenshtein distance between two ASCII strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// allChecks reports whether every check digit passed (line 2 alone).
func allChecks(m *MRZ) bool {
	if len(m.Checks) == 0 {
		return false
	}
	for _, ok := range m.Checks {
		if !ok {
			return false
		}
	}
	return true
}

func dedupe(xs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func joinMRZ(r row) string {
	var b strings.Builder
	for _, l := range r {
		b.WriteString(cleanMRZ(l.Text))
	}
	return b.String()
}

// stripBox is the box, in the image straightened by rotating -theta
// degrees about its centre, around a row of MRZ lines, with a margin.
func stripBox(r row, theta float64, w, h int) image.Rectangle {
	rad := -theta * math.Pi / 180
	c, s := math.Cos(rad), math.Sin(rad)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, l := range r {
		lx := float64(l.Box.Min.X+l.Box.Max.X)/2 - cx
		ly := float64(l.Box.Min.Y+l.Box.Max.Y)/2 - cy
		// where the centre lands after rotating the image by -theta (CCW
		// positive, y down)
		nx := c*lx + s*ly + cx
		ny := -s*lx + c*ly + cy
		lw, lh := l.Width, l.Height
		if lw == 0 {
			lw, lh = float64(l.Box.Dx()), float64(l.Box.Dy())
		}
		minX, maxX = math.Min(minX, nx-lw/2), math.Max(maxX, nx+lw/2)
		minY, maxY = math.Min(minY, ny-lh/2), math.Max(maxY, ny+lh/2)
	}
	mh := (maxY - minY) * 0.15
	mw := (maxY - minY) * 0.5
	return image.Rect(int(minX-mw), int(minY-mh), int(maxX+mw), int(maxY+mh))
}
