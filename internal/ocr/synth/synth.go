// Package synth renders labelled synthetic identity documents (mainland ID
// card front and back, passport photo page with a TD3 MRZ, residence
// permits) for measuring and testing document reading. Every image comes
// with the exact values printed on it. It uses Debian's CJK fonts and never
// touches the network.
package synth

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/f64"
	"golang.org/x/image/math/fixed"
)

// The document kinds, as the check command names them.
const (
	IDFront         = "id_front"
	IDBack          = "id_back"
	Passport        = "passport"
	ResidencePermit = "residence_permit"
)

// Kinds lists every kind Generate can render.
var Kinds = []string{IDFront, IDBack, Passport, ResidencePermit}

// Truth is what is printed on a generated document. Fields use the reader's
// names and formats (dates as YYYY-MM-DD).
type Truth struct {
	Kind   string            `json:"kind"`
	Fields map[string]string `json:"fields"`
	MRZ    []string          `json:"mrz,omitempty"`
}

// Doc is one generated document.
type Doc struct {
	Truth Truth
	JPEG  []byte      // the image as uploaded (JPEG, quality 60–95)
	Image image.Image // JPEG decoded
	Angle float64     // applied rotation, degrees counter-clockwise
}

// Options control the distortions.
type Options struct {
	MaxAngle   float64 // degrees, default 5
	MaxBlur    float64 // gaussian sigma in pixels, default 1.0
	MinQuality int     // JPEG, default 60
	MaxQuality int     // default 95
}

// Generator draws documents from a seeded random source, so a set is
// reproducible from its seed.
type Generator struct {
	r      *rand.Rand
	f      *Fonts
	opts   Options
	issuer string // passport issuing state and nationality ("" : CHN)
}

// New returns a generator with the given seed. Errors: no CJK font installed.
func New(seed uint64, opts Options) (*Generator, error) {
	f, err := LoadFonts()
	if err != nil {
		return nil, err
	}
	if opts.MaxAngle == 0 {
		opts.MaxAngle = 5
	}
	if opts.MaxBlur == 0 {
		opts.MaxBlur = 1.0
	}
	if opts.MinQuality == 0 {
		opts.MinQuality = 60
	}
	if opts.MaxQuality == 0 {
		opts.MaxQuality = 95
	}
	return &Generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), f: f, opts: opts}, nil
}

var (
	labelBlue = color.RGBA{40, 90, 160, 255}
	ink       = color.RGBA{20, 20, 25, 255}
)

// Generate renders one document of kind.
func (g *Generator) Generate(kind string) (*Doc, error) {
	var card *image.RGBA
	var t Truth
	switch kind {
	case IDFront:
		card, t = g.idFront("")
	case IDBack:
		card, t = g.idBack()
	case Passport:
		card, t = g.passport()
	case ResidencePermit:
		if g.r.IntN(2) == 0 {
			card, t = g.idFront(pick(g.r, []string{"810000", "820000", "830000"}))
		} else {
			card, t = g.foreignerCard()
		}
		t.Kind = ResidencePermit
	default:
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	angle := (g.r.Float64()*2 - 1) * g.opts.MaxAngle
	img := g.place(card, angle)
	if sigma := g.r.Float64() * g.opts.MaxBlur; sigma > 0.2 {
		img = blur(img, sigma)
	}
	q := g.opts.MinQuality + g.r.IntN(g.opts.MaxQuality-g.opts.MinQuality+1)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		return nil, err
	}
	dec, err := jpeg.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return nil, err
	}
	return &Doc{Truth: t, JPEG: buf.Bytes(), Image: dec, Angle: angle}, nil
}

// GenerateForeignPassport renders a passport photo page issued by another
// state (its code, e.g. "USA", as issuer and nationality in the MRZ and the
// country code box), otherwise drawn like Generate(Passport) and from the
// same random draws.
func (g *Generator) GenerateForeignPassport(issuer string) (*Doc, error) {
	g.issuer = issuer
	defer func() { g.issuer = "" }()
	d, err := g.Generate(Passport)
	if err == nil {
		d.Truth.Fields["nationality"] = issuer
	}
	return d, err
}

// text draws s with its baseline at (x, y) and returns the x after it.
func (g *Generator) text(dst *image.RGBA, f *sfnt.Font, size int, x, y int, s string, c color.Color, spacing int) int {
	face := g.f.faceOf(f, size)
	d := &font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	for _, r := range s {
		d.DrawString(string(r))
		d.Dot.X += fixed.I(spacing)
	}
	return d.Dot.X.Round()
}

func (g *Generator) cjk() *sfnt.Font { return g.f.cjk[g.r.IntN(len(g.f.cjk))] }

// paper fills a card with a pale tinted background and faint guilloche waves.
func (g *Generator) paper(w, h int, base color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	ph := g.r.Float64() * 6
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := float64(x+y) / float64(w+h)
			wave := 6 * math.Sin(float64(x)/23+ph) * math.Cos(float64(y)/31)
			n := float64(g.r.IntN(7)) - 3
			img.SetRGBA(x, y, color.RGBA{
				clamp(float64(base.R) - 10*t + wave + n),
				clamp(float64(base.G) - 6*t + wave + n),
				clamp(float64(base.B) + 4*t + n), 255})
		}
	}
	return img
}

func clamp(v float64) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

func (g *Generator) photo(dst *image.RGBA, r image.Rectangle) {
	// A shaded head that a face cascade recognises (the same drawing as the
	// image gate's calibration set), so generated cards also pass the
	// document gate's portrait check in end-to-end runs.
	bg := [3]float64{float64(200 + g.r.IntN(40)), float64(210 + g.r.IntN(40)), float64(220 + g.r.IntN(35))}
	skin := [][3]float64{{1.0, 0.82, 0.7}, {0.95, 0.78, 0.62}, {0.85, 0.66, 0.52}}[g.r.IntN(3)]
	bw, bh := float64(r.Dx()), float64(r.Dy())
	s := bh * (0.78 + 0.1*g.r.Float64()) // head height
	fcx, fcy := float64(r.Min.X)+bw/2, float64(r.Min.Y)+bh*0.55
	gauss := func(x, y, cx, cy, sx, sy float64) float64 {
		dx, dy := (x-cx)/sx, (y-cy)/sy
		return math.Exp(-(dx*dx + dy*dy) / 2)
	}
	clamp := func(v float64) uint8 { return uint8(math.Max(0, math.Min(255, v))) }
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			col := bg
			fx, fy := float64(x), float64(y)
			ex, ey := (fx-fcx)/(s*0.38), (fy-fcy)/(s*0.5)
			d := ex*ex + ey*ey
			switch {
			case d < 1:
				v := 170 - 30*d
				if fy < fcy-s*0.28 {
					v = 50
				}
				u := s
				v -= 110 * gauss(fx, fy, fcx-0.15*u, fcy-0.08*u, 0.06*u, 0.03*u)
				v -= 110 * gauss(fx, fy, fcx+0.15*u, fcy-0.08*u, 0.06*u, 0.03*u)
				v -= 80 * gauss(fx, fy, fcx-0.15*u, fcy-0.16*u, 0.08*u, 0.015*u)
				v -= 80 * gauss(fx, fy, fcx+0.15*u, fcy-0.16*u, 0.08*u, 0.015*u)
				v -= 50 * gauss(fx, fy, fcx, fcy+0.1*u, 0.04*u, 0.02*u)
				v -= 90 * gauss(fx, fy, fcx, fcy+0.22*u, 0.1*u, 0.02*u)
				v -= 40 * (1 - gauss(fx, fy, fcx, fcy, 0.25*u, 0.4*u))
				v = math.Max(v, 0)
				col = [3]float64{v * skin[0] * 1.2, v * skin[1] * 1.2, v * skin[2] * 1.2}
				if fy < fcy-s*0.28 {
					col = [3]float64{v, v * 0.9, v * 0.8}
				}
			case d < 1.3 && fy < fcy:
				col = [3]float64{50, 45, 40} // hair
			case fy > fcy+s*0.45:
				col = [3]float64{60, 70, 90} // shoulders
			}
			dst.SetRGBA(x, y, color.RGBA{clamp(col[0]), clamp(col[1]), clamp(col[2]), 255})
		}
	}
}

// date formats a date as YYYY-MM-DD.
func date(t time.Time) string { return t.Format("2006-01-02") }

func (g *Generator) idFront(prefix string) (*image.RGBA, Truth) {
	p := randomPerson(g.r, prefix)
	const W, H = 856, 540
	img := g.paper(W, H, color.RGBA{236, 240, 236, 255})
	g.photo(img, image.Rect(560, 70, 800, 370))
	lf := g.cjk()
	vf := g.cjk()
	ls, vs := 22, 28+g.r.IntN(4)
	g.text(img, lf, ls, 60, 100, "姓名", labelBlue, 6)
	g.text(img, vf, vs, 150, 102, p.Name, ink, 2)
	g.text(img, lf, ls, 60, 165, "性别", labelBlue, 6)
	g.text(img, vf, vs, 150, 167, p.Sex, ink, 0)
	g.text(img, lf, ls, 260, 165, "民族", labelBlue, 6)
	g.text(img, vf, vs, 345, 167, p.Ethnicity, ink, 0)
	g.text(img, lf, ls, 60, 230, "出生", labelBlue, 6)
	x := g.text(img, vf, vs, 150, 232, p.Birth.Format("2006"), ink, 1)
	x = g.text(img, lf, ls, x+6, 230, "年", labelBlue, 0)
	x = g.text(img, vf, vs, x+12, 232, fmt.Sprint(int(p.Birth.Month())), ink, 1)
	x = g.text(img, lf, ls, x+6, 230, "月", labelBlue, 0)
	x = g.text(img, vf, vs, x+12, 232, fmt.Sprint(p.Birth.Day()), ink, 1)
	g.text(img, lf, ls, x+6, 230, "日", labelBlue, 0)
	g.text(img, lf, ls, 60, 295, "住址", labelBlue, 6)
	addr := []rune(p.Address)
	for i, y := 0, 297; i < len(addr); i, y = i+12, y+42 {
		g.text(img, vf, vs-2, 150, y, string(addr[i:min(i+12, len(addr))]), ink, 1)
	}
	g.text(img, lf, ls, 60, 465, "公民身份号码", labelBlue, 4)
	g.text(img, g.f.mono, 32, 270, 467, p.IDNumber, ink, 3)
	return img, Truth{Kind: IDFront, Fields: map[string]string{
		"name": p.Name, "sex": p.Sex, "ethnicity": p.Ethnicity, "birth_date": date(p.Birth),
		"address": p.Address, "id_number": p.IDNumber,
	}}
}

func (g *Generator) idBack() (*image.RGBA, Truth) {
	p := randomPerson(g.r, "")
	const W, H = 856, 540
	img := g.paper(W, H, color.RGBA{238, 236, 232, 255})
	// emblem stand-in
	for y := 40; y < 200; y++ {
		for x := 50; x < 210; x++ {
			dx, dy := float64(x-130), float64(y-120)
			if dx*dx+dy*dy < 75*75 {
				img.SetRGBA(x, y, color.RGBA{200, 40, 40, 255})
			}
		}
	}
	tf := g.cjk()
	g.text(img, tf, 40, 290, 110, "中华人民共和国", ink, 8)
	g.text(img, tf, 58, 300, 200, "居民身份证", ink, 14)
	authority := p.Region.city + p.Region.district + "公安局"
	if p.Region.city == "" {
		authority = p.Region.prov[:len(p.Region.prov)-len("市")] + "市公安局" + p.Region.district + "分局"
	} else if g.r.IntN(2) == 0 {
		authority = p.Region.city + "公安局" + p.Region.district + "分局"
	}
	issued := time.Date(2005+g.r.IntN(20), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC)
	years := pick(g.r, []int{5, 10, 20, 0})
	validity := issued.Format("2006.01.02") + "-"
	until := "长期"
	if years > 0 {
		u := issued.AddDate(years, 0, 0)
		until = date(u)
		validity += u.Format("2006.01.02")
	} else {
		validity += "长期"
	}
	lf, vf := g.cjk(), g.cjk()
	g.text(img, lf, 22, 150, 400, "签发机关", labelBlue, 6)
	g.text(img, vf, 28, 300, 402, authority, ink, 1)
	g.text(img, lf, 22, 150, 465, "有效期限", labelBlue, 6)
	g.text(img, vf, 28, 300, 467, validity, ink, 1)
	return img, Truth{Kind: IDBack, Fields: map[string]string{
		"issuing_authority": authority, "valid_from": date(issued), "valid_until": until,
	}}
}

var months = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}

func (g *Generator) passport() (*image.RGBA, Truth) {
	p := randomPerson(g.r, "")
	issuer := "CHN"
	if g.issuer != "" {
		issuer = g.issuer
	}
	const W, H = 1000, 700
	img := g.paper(W, H, color.RGBA{236, 232, 240, 255})
	g.photo(img, image.Rect(40, 130, 290, 450))
	lf, vf := g.cjk(), g.cjk()
	g.text(img, lf, 26, 300, 50, "中华人民共和国  PEOPLE'S REPUBLIC OF CHINA", ink, 1)
	g.text(img, lf, 24, 420, 90, "护照  PASSPORT", ink, 2)
	number := "E" + fmt.Sprintf("%08d", g.r.IntN(100000000))
	if g.r.IntN(3) == 0 {
		// The letter after E is never I or O on Chinese passports.
		number = "E" + string("ABCDEFGHJKLMNPQRSTUVWXYZ"[g.r.IntN(24)]) + fmt.Sprintf("%07d", g.r.IntN(10000000))
	}
	issue := time.Date(2016+g.r.IntN(9), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC)
	expiry := issue.AddDate(10, 0, -1)
	sexL := map[string]string{"男": "M", "女": "F"}[p.Sex]
	row := func(y int, label, value string) {
		g.text(img, lf, 16, 320, y, label, labelBlue, 1)
		g.text(img, vf, 24, 320, y+30, value, ink, 1)
	}
	row(130, "类型/Type", "P")
	g.text(img, lf, 16, 460, 130, "国家码/Country Code", labelBlue, 1)
	g.text(img, vf, 24, 460, 160, issuer, ink, 1)
	g.text(img, lf, 16, 700, 130, "护照号/Passport No.", labelBlue, 1)
	g.text(img, g.f.mono, 24, 700, 160, number, ink, 1)
	row(195, "姓名/Name", p.Name)
	g.text(img, vf, 24, 320, 255, p.Surname+", "+p.Given, ink, 1)
	row(285, "性别/Sex", p.Sex+"/"+sexL)
	g.text(img, lf, 16, 460, 285, "出生日期/Date of birth", labelBlue, 1)
	g.text(img, vf, 24, 460, 315, fmt.Sprintf("%02d %s %d", p.Birth.Day(), months[p.Birth.Month()-1], p.Birth.Year()), ink, 1)
	row(350, "签发日期/Date of issue", fmt.Sprintf("%02d %s %d", issue.Day(), months[issue.Month()-1], issue.Year()))
	g.text(img, lf, 16, 620, 350, "有效期至/Date of expiry", labelBlue, 1)
	g.text(img, vf, 24, 620, 380, fmt.Sprintf("%02d %s %d", expiry.Day(), months[expiry.Month()-1], expiry.Year()), ink, 1)

	mrz := TD3(issuer, p.Surname, p.Given, number, issuer, p.Birth, sexL, expiry, "")
	for i, line := range mrz {
		g.text(img, g.f.mono, 34, 40, 590+i*60, line, ink, 0)
	}
	return img, Truth{Kind: Passport, Fields: map[string]string{
		"name": p.Name, "sex": p.Sex, "birth_date": date(p.Birth), "document_number": number,
		"valid_until": date(expiry), "surname": p.Surname, "given_names": p.Given,
	}, MRZ: mrz[:]}
}

// TD3 builds the two 44-character lines of a passport MRZ.
func TD3(issuer, surname, given, number, nationality string, birth time.Time, sex string, expiry time.Time, personal string) [2]string {
	name := strings.ReplaceAll(surname, " ", "<") + "<<" + strings.ReplaceAll(given, " ", "<")
	l1 := "P<" + issuer + name
	l1 = (l1 + strings.Repeat("<", 44))[:44]
	num := (number + "<<<<<<<<<")[:9]
	pers := (personal + strings.Repeat("<", 14))[:14]
	b := birth.Format("060102")
	e := expiry.Format("060102")
	persCheck := MRZCheck(pers)
	if personal == "" {
		persCheck = '<'
	}
	l2 := num + string(MRZCheck(num)) + nationality + b + string(MRZCheck(b)) + sex + e + string(MRZCheck(e)) + pers + string(persCheck)
	comp := num + string(MRZCheck(num)) + b + string(MRZCheck(b)) + e + string(MRZCheck(e)) + pers + string(persCheck)
	l2 += string(MRZCheck(comp))
	return [2]string{l1, l2}
}

func (g *Generator) foreignerCard() (*image.RGBA, Truth) {
	p := randomPerson(g.r, "")
	const W, H = 856, 540
	img := g.paper(W, H, color.RGBA{240, 234, 226, 255})
	g.photo(img, image.Rect(640, 110, 830, 380))
	lf, vf := g.cjk(), g.cjk()
	g.text(img, lf, 26, 160, 60, "中华人民共和国外国人永久居留身份证", ink, 2)
	nat := pick(g.r, []struct{ zh, en string }{{"美国", "USA"}, {"加拿大", "CAN"}, {"德国", "DEU"}, {"日本", "JPN"}, {"新加坡", "SGP"}, {"澳大利亚", "AUS"}})
	latin := p.Surname + ", " + p.Given
	issued := time.Date(2023+g.r.IntN(3), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC)
	until := issued.AddDate(10, 0, 0)
	number := IDNumber("9" + fmt.Sprintf("%03d", 100+g.r.IntN(800)) + fmt.Sprintf("%02d", 10+g.r.IntN(80)) + p.Birth.Format("060102") + fmt.Sprintf("%04d", g.r.IntN(10000))[:3] + fmt.Sprintf("%02d", g.r.IntN(100))[:2])
	// 9 + 3 + 2 + 6 + 3 + 2 = 17 digits
	sexL := map[string]string{"男": "M", "女": "F"}[p.Sex]
	y := 120
	field := func(label, value string, mono bool) {
		g.text(img, lf, 17, 50, y, label, labelBlue, 1)
		if mono {
			g.text(img, g.f.mono, 28, 50, y+34, value, ink, 2)
		} else {
			g.text(img, vf, 26, 50, y+34, value, ink, 1)
		}
		y += 72
	}
	field("姓名/Name", latin, false)
	field("中文姓名/Chinese Name", p.Name, false)
	g.text(img, lf, 17, 330, 120+72*2, "国籍/Nationality", labelBlue, 1)
	g.text(img, vf, 26, 330, 120+72*2+34, nat.zh+"/"+nat.en, ink, 1)
	field("性别/Sex", p.Sex+"/"+sexL, false)
	field("出生日期/Date of Birth", p.Birth.Format("2006.01.02"), false)
	g.text(img, lf, 17, 330, 120+72*3, "有效期限/Period of Validity", labelBlue, 1)
	g.text(img, vf, 22, 330, 120+72*3+34, issued.Format("2006.01.02")+"-"+until.Format("2006.01.02"), ink, 0)
	g.text(img, lf, 17, 50, 480, "证件号码/Card No.", labelBlue, 1)
	g.text(img, g.f.mono, 30, 260, 482, number, ink, 3)
	return img, Truth{Kind: ResidencePermit, Fields: map[string]string{
		"name": p.Name, "sex": p.Sex, "birth_date": date(p.Birth), "id_number": number,
		"valid_from": date(issued), "valid_until": date(until),
	}}
}

// place rotates the card by angle degrees on a larger, varied background.
func (g *Generator) place(card *image.RGBA, angle float64) *image.RGBA {
	cw, ch := card.Bounds().Dx(), card.Bounds().Dy()
	mx, my := 30+g.r.IntN(50), 30+g.r.IntN(50)
	W, H := cw+2*mx, ch+2*my
	bgs := []color.RGBA{{90, 70, 50, 255}, {200, 200, 205, 255}, {40, 45, 50, 255}, {150, 120, 90, 255}, {230, 225, 215, 255}, {70, 90, 110, 255}}
	bg := pick(g.r, bgs)
	dst := image.NewRGBA(image.Rect(0, 0, W, H))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			n := float64(g.r.IntN(15)) - 7 + 8*math.Sin(float64(x)/40+float64(y)/90)
			dst.SetRGBA(x, y, color.RGBA{clamp(float64(bg.R) + n), clamp(float64(bg.G) + n), clamp(float64(bg.B) + n), 255})
		}
	}
	rad := angle * math.Pi / 180
	c, s := math.Cos(rad), math.Sin(rad)
	// Maps card coordinates to destination: rotate about the card centre
	// (counter-clockwise on screen), then centre on the canvas.
	ccx, ccy := float64(cw)/2, float64(ch)/2
	dcx, dcy := float64(W)/2, float64(H)/2
	m := f64.Aff3{c, s, dcx - c*ccx - s*ccy, -s, c, dcy + s*ccx - c*ccy}
	draw.BiLinear.Transform(dst, m, card, card.Bounds(), draw.Over, nil)
	return dst
}

// blur applies a separable gaussian blur.
func blur(src *image.RGBA, sigma float64) *image.RGBA {
	rad := int(math.Ceil(sigma * 2.5))
	k := make([]float64, 2*rad+1)
	var sum float64
	for i := range k {
		d := float64(i - rad)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	tmp := image.NewRGBA(src.Bounds())
	dst := image.NewRGBA(src.Bounds())
	pass := func(in, out *image.RGBA, dx, dy int) {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var acc [3]float64
				for i, kv := range k {
					sx := min(max(x+(i-rad)*dx, 0), w-1)
					sy := min(max(y+(i-rad)*dy, 0), h-1)
					o := in.PixOffset(sx, sy)
					acc[0] += kv * float64(in.Pix[o])
					acc[1] += kv * float64(in.Pix[o+1])
					acc[2] += kv * float64(in.Pix[o+2])
				}
				o := out.PixOffset(x, y)
				out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = clamp(acc[0]+0.5), clamp(acc[1]+0.5), clamp(acc[2]+0.5), 255
			}
		}
	}
	pass(src, tmp, 1, 0)
	pass(tmp, dst, 0, 1)
	return dst
}
