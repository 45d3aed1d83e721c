package ocr

import (
	"bytes"
	"context"
	"image"
	"math"
	"strings"
	"testing"
	"time"
)

func TestCTCDecode(t *testing.T) {
	dict := []string{"a", "b", "c"}
	// classes: 0 blank, 1 a, 2 b, 3 c
	steps := [][]float32{
		{0.05, 0.6, 0.35, 0}, // a (b when a is not allowed)
		{0.1, 0.8, 0, 0},     // a (repeat, collapsed)
		{0.9, 0, 0.1, 0},     // blank
		{0.2, 0.7, 0, 0},     // a again (after blank)
		{0.0, 0, 0.1, 0.9},
	}
	var flat []float32
	for _, s := range steps {
		flat = append(flat, s...)
	}
	tests := []struct {
		name     string
		allowed  []bool
		want     string
		wantConf float64
	}{
		{"greedy", nil, "aac", (0.6 + 0.7 + 0.9) / 3},
		{"restricted to b and c", []bool{true, false, true, true}, "bc", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, conf := ctcDecode(flat, len(steps), 4, dict, tt.allowed)
			if got != tt.want {
				t.Fatalf("text = %q, want %q", got, tt.want)
			}
			if tt.wantConf > 0 && math.Abs(conf-tt.wantConf) > 1e-6 {
				t.Errorf("conf = %v, want %v", conf, tt.wantConf)
			}
		})
	}
	if got, conf := ctcDecode(nil, 0, 4, dict, nil); got != "" || conf != 0 {
		t.Errorf("empty input: %q %v", got, conf)
	}
}

func TestCTCDecodeDroppedCharacterLowersConfidence(t *testing.T) {
	// The middle step is a blank the model was unsure about (a dropped
	// character): the confidence must reflect it.
	flat := []float32{0.05, 0.95, 0, 0.55, 0, 0.45, 0.05, 0, 0.95}
	got, conf := ctcDecode(flat, 3, 3, []string{"x", "y"}, nil)
	if got != "xy" {
		t.Fatalf("text = %q", got)
	}
	if conf > 0.6 {
		t.Errorf("conf = %v, want ≤ 0.55", conf)
	}
}

func TestReadDict(t *testing.T) {
	d, err := readDict(strings.NewReader("a\n堃\r\n<\n"))
	if err != nil || len(d) != 3 || d[1] != "堃" || d[2] != "<" {
		t.Fatalf("readDict = %q, %v", d, err)
	}
}

// line builds a Line at (x, y) with the given text; w and h are its size.
func line(text string, x, y, w, h int) Line {
	return Line{Text: text, Confidence: 0.99, Box: image.Rect(x, y, x+w, y+h), Width: float64(w), Height: float64(h)}
}

func TestLayoutGroupsTiltedRows(t *testing.T) {
	// Two rows tilted by 4° counter-clockwise: the right end of a row sits
	// higher than the left; a naive y sort would interleave them.
	tilt := math.Tan(4 * math.Pi / 180)
	mk := func(text string, x, y int) Line {
		l := line(text, x, y-int(float64(x)*tilt), 120, 30)
		l.Angle = 4
		return l
	}
	lines := []Line{mk("B2", 500, 140), mk("A1", 100, 100), mk("B1", 100, 140), mk("A2", 500, 100)}
	rows := layout(lines)
	if len(rows) != 2 {
		t.Fatalf("rows = %d, want 2: %s", len(rows), describe(rows))
	}
	if rows[0].text() != "A1 A2" || rows[1].text() != "B1 B2" {
		t.Errorf("rows = %q, %q", rows[0].text(), rows[1].text())
	}
}

func idFrontLines() []Line {
	return []Line{
		line("姓名", 60, 80, 60, 30), line("欧阳玥珺", 150, 78, 130, 36),
		line("性别", 60, 140, 60, 30), line("女", 150, 138, 36, 36), line("民族", 260, 140, 60, 30), line("维吾尔", 345, 138, 90, 36),
		line("出生", 60, 200, 60, 30), line("1990年3月7日", 150, 198, 260, 36),
		line("住址", 60, 260, 60, 30), line("新疆维吾尔自治区乌鲁木齐市", 150, 258, 360, 36),
		line("天山区人民路12号", 150, 300, 240, 36),
		line("公民身份号码", 60, 440, 160, 30), line(withCheck("65010219900307002"), 270, 436, 400, 40),
	}
}

func withCheck(body string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	s := 0
	for i := 0; i < 17; i++ {
		s += int(body[i]-'0') * w[i]
	}
	return body + string("10X98765432"[s%11])
}

func TestParseIDFront(t *testing.T) {
	f := parseIDFront(layout(idFrontLines()))
	want := map[string]string{
		FieldName: "欧阳玥珺", FieldSex: "女", FieldEthnicity: "维吾尔", FieldBirthDate: "1990-03-07",
		FieldAddress: "新疆维吾尔自治区乌鲁木齐市天山区人民路12号", FieldIDNumber: withCheck("65010219900307002"),
	}
	for k, v := range want {
		if f[k].Value != v {
			t.Errorf("%s = %q, want %q", k, f[k].Value, v)
		}
	}
}

func TestParseIDFrontVariants(t *testing.T) {
	tests := []struct {
		name  string
		edit  func([]Line) []Line
		field string
		want  string
	}{
		{"label and value in one line", func(ls []Line) []Line {
			ls[0] = line("姓名 阿卜杜拉·买买提", 60, 80, 300, 30)
			return ls[:1:1]
		}, FieldName, "阿卜杜拉·买买提"},
		{"dot look-alike in name", func(ls []Line) []Line {
			ls[1].Text = "阿卜杜拉・买买提"
			return ls
		}, FieldName, "阿卜杜拉·买买提"},
		{"spaces in birth date", func(ls []Line) []Line {
			ls[7].Text = "1990 年 12 月 31 日"
			return ls
		}, FieldBirthDate, "1990-12-31"},
		{"impossible date is not read", func(ls []Line) []Line {
			ls[7].Text = "1990年2月30日"
			return ls
		}, FieldBirthDate, ""},
		{"x check character", func(ls []Line) []Line {
			ls[len(ls)-1].Text = "11010519491231002x"
			return ls
		}, FieldIDNumber, "11010519491231002X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parseIDFront(layout(tt.edit(idFrontLines())))
			if got := f[tt.field].Value; got != tt.want {
				t.Errorf("%s = %q, want %q", tt.field, got, tt.want)
			}
		})
	}
}

func TestFindIDNumberPrefersValidChecksum(t *testing.T) {
	good := withCheck("11010119900101123")
	bad := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])
	rows := layout([]Line{line("证件号码/Card No. "+bad, 0, 0, 500, 30), line(good, 0, 100, 400, 30)})
	got, conf, ok := findIDNumber(rows)
	if !ok || got != good || conf < 0.9 {
		t.Errorf("findIDNumber = %q %v %v, want %q", got, conf, ok, good)
	}
	// The label's letters (No. → N0) must not glue onto the number.
	rows = layout([]Line{line("证件号码/CardNo.969649860217266014", 0, 0, 600, 30)})
	if got, _, _ := findIDNumber(rows); got != "969649860217266014" {
		t.Errorf("label noise: got %q", got)
	}
}

func TestParseIDBack(t *testing.T) {
	tests := []struct {
		text      string
		from, end string
	}{
		{"2015.03.01-2035.03.01", "2015-03-01", "2035-03-01"},
		{"2009.02.18-长期", "2009-02-18", "长期"},
		{"2009.02.18 — 2019.02.18", "2009-02-18", "2019-02-18"},
		{"2024.05.12-2034.05.1", "", ""}, // truncated: not a date
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			f := parseIDBack(layout([]Line{
				line("签发机关", 150, 380, 110, 30), line("北京市公安局东城分局", 300, 378, 260, 34),
				line("有效期限", 150, 440, 110, 30), line(tt.text, 300, 438, 260, 34),
			}))
			if f[FieldIssuingAuthority].Value != "北京市公安局东城分局" {
				t.Errorf("authority = %q", f[FieldIssuingAuthority].Value)
			}
			if f[FieldValidFrom].Value != tt.from || f[FieldValidUntil].Value != tt.end {
				t.Errorf("validity = %q..%q, want %q..%q", f[FieldValidFrom].Value, f[FieldValidUntil].Value, tt.from, tt.end)
			}
		})
	}
}

func TestParsePermitForeigner(t *testing.T) {
	num := withCheck("93310019860217266")
	rows := layout([]Line{
		line("中华人民共和国外国人永久居留身份证", 160, 30, 480, 30),
		line("姓名/Name", 50, 100, 100, 20), line("SMITH, JOHN", 50, 126, 200, 30),
		line("中文姓名/Chinese Name", 50, 172, 200, 20), line("史密斯", 50, 198, 90, 30),
		line("性别/Sex", 50, 244, 80, 20), line("男/M", 50, 270, 60, 30), line("国籍/Nationality", 330, 244, 150, 20), line("美国/USA", 330, 270, 120, 30),
		line("出生日期/Date of Birth", 50, 316, 200, 20), line("1986.02.17", 50, 342, 150, 30),
		line("有效期限/Period of Validity", 330, 316, 250, 20), line("2023.12.11-2033.12.11", 330, 342, 280, 30),
		line("证件号码/Card No.", 50, 460, 160, 20), line(num, 260, 456, 400, 34),
	})
	f := parsePermit(rows)
	want := map[string]string{FieldName: "史密斯", FieldSex: "男", FieldBirthDate: "1986-02-17", FieldIDNumber: num,
		FieldSurname: "SMITH", FieldGivenNames: "JOHN",
		FieldValidFrom: "2023-12-11", FieldValidUntil: "2033-12-11", FieldNationality: "美国/USA"}
	for k, v := range want {
		if f[k].Value != v {
			t.Errorf("%s = %q, want %q", k, f[k].Value, v)
		}
	}
}

func TestIDChecksum(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"11010519491231002X", true},
		{"110105194912310021", false},
		{"11010519491231002", false},
		{"1101051949123100A2", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := idChecksumOK(tt.in); got != tt.want {
			t.Errorf("idChecksumOK(%q) = %v", tt.in, got)
		}
	}
}

const (
	td3L1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
	td3L2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
)

func TestParseTD3(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := ParseTD3(td3L1, td3L2, now)
	if !m.Valid {
		t.Fatalf("ICAO specimen not valid: %+v", m.Checks)
	}
	if m.Surname != "ERIKSSON" || m.GivenNames != "ANNA MARIA" || m.DocumentNumber != "L898902C3" ||
		m.BirthDate != "1974-08-12" || m.ExpiryDate != "2012-04-15" || m.Sex != "F" || m.Nationality != "UTO" || m.PersonalNumber != "ZE184226B" {
		t.Errorf("parsed %+v", m)
	}
	for i := 0; i < 44; i++ {
		if td3L2[i] < '0' || td3L2[i] > '9' {
			continue
		}
		bad := []byte(td3L2)
		bad[i] = '0' + (bad[i]-'0'+1)%10
		if ParseTD3(td3L1, string(bad), now).Valid {
			t.Errorf("changing digit %d still valid", i)
		}
	}
	if ParseTD3(td3L1, td3L2[:43], now).Valid {
		t.Error("short line valid")
	}
}

func TestRepairTD3(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		l1, l2 string
		valid  bool
	}{
		{"exact", td3L1, td3L2, true},
		{"O for 0 in dates", td3L1, "L898902C36UTO74O8122F12O4159ZE184226B<<<<<1O", true},
		{"fillers lost in a split read", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<10", true},
		{"extra fillers", td3L1 + "<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<<<10", true},
		{"spaces and lower case", "p<uto eriksson<<anna<maria", "L898902C36 UTO7408122F1204159ZE184226B<<<<<10", true},
		{"wrong digit", td3L1, "L898902C36UTO7408122F1204159ZE184226B<<<<<11", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := repairTD3(tt.l1, tt.l2, now)
			if m.Valid != tt.valid {
				t.Fatalf("valid = %v, want %v (%q %q %v)", m.Valid, tt.valid, m.Lines[0], m.Lines[1], m.Checks)
			}
			if tt.valid && (m.Lines[1] != td3L2 || m.Surname != "ERIKSSON") {
				t.Errorf("lines = %q", m.Lines)
			}
		})
	}
}

func TestMRZLine(t *testing.T) {
	for s, want := range map[string]bool{
		"P<CHNZHU<<WEI<<<<<<":         true,
		"E29930890H26004262M31121022": true,
		"<<<<<<<<<<<<":                true,
		"姓名/Name":                     false,
		"15JUL1943":                   false,
	} {
		if got := mrzLine(s); got != want {
			t.Errorf("mrzLine(%q) = %v, want %v", s, got, want)
		}
	}
}

// drawRect paints a rotated rectangle into a probability map.
func drawRect(prob []float32, w, h int, r rotRect) {
	rad := r.Angle * math.Pi / 180
	c, s := math.Cos(rad), math.Sin(rad)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := float64(x)+0.5-r.CX, float64(y)+0.5-r.CY
			u, v := dx*c+dy*s, -dx*s+dy*c
			if math.Abs(u) <= r.W/2 && math.Abs(v) <= r.H/2 {
				prob[y*w+x] = 0.9
			}
		}
	}
}

func TestFindRegionsDeskewAngle(t *testing.T) {
	for _, angle := range []float64{-5, -2, 0, 2, 3.5, 5} {
		const w, h = 320, 240
		prob := make([]float32, w*h)
		// Three long text lines and a short one, all at the same tilt (in
		// image coordinates; a positive angle turns clockwise on screen).
		for i, cy := range []float64{60, 110, 160} {
			drawRect(prob, w, h, rotRect{CX: 160, CY: cy, W: 200 - float64(i*30), H: 10, Angle: angle})
		}
		drawRect(prob, w, h, rotRect{CX: 60, CY: 210, W: 14, H: 10, Angle: angle})
		regions, dominant := findRegions(prob, w, h)
		if len(regions) != 4 {
			t.Fatalf("angle %v: %d regions, want 4", angle, len(regions))
		}
		if math.Abs(dominant-angle) > 0.6 {
			t.Errorf("dominant angle = %.2f, want %.2f", dominant, angle)
		}
		for _, r := range regions {
			if math.Abs(r.rect.Angle-angle) > 0.6 {
				t.Errorf("angle %v: region at %.0f,%.0f has angle %.2f", angle, r.rect.CX, r.rect.CY, r.rect.Angle)
			}
		}
	}
}

func TestFindRegionsDropsWeakAndTiny(t *testing.T) {
	const w, h = 100, 100
	prob := make([]float32, w*h)
	for i := 0; i < 40; i++ {
		prob[50*w+i] = 0.35 // weak: mean below the box threshold
	}
	prob[10*w+10] = 0.9 // a single pixel
	if regions, _ := findRegions(prob, w, h); len(regions) != 0 {
		t.Errorf("got %d regions, want 0", len(regions))
	}
}

func TestRotateAndWarpStraightenALine(t *testing.T) {
	// A dark bar rotated 4° CCW, then rotated back, is horizontal again.
	img := &rgbImage{W: 200, H: 100, Pix: bytes.Repeat([]byte{255}, 3*200*100)}
	for y := 45; y < 55; y++ {
		for x := 30; x < 170; x++ {
			copy(img.Pix[3*(y*200+x):], []byte{0, 0, 0})
		}
	}
	tilted := img.rotate(4)
	// In the tilted image the right end is higher than the left.
	if darkRow(tilted, 160) >= darkRow(tilted, 40) {
		t.Fatalf("rotate(4) did not turn counter-clockwise: %d vs %d", darkRow(tilted, 160), darkRow(tilted, 40))
	}
	back := tilted.rotate(-4)
	if d := darkRow(back, 160) - darkRow(back, 40); d < -1 || d > 1 {
		t.Errorf("not straight after rotating back: %d", d)
	}
	strip := tilted.warp(rotRect{CX: 100, CY: 50, W: 160, H: 30, Angle: -4}, 160, 30)
	if d := darkRow(strip, 140) - darkRow(strip, 20); d < -1 || d > 1 || darkRow(strip, 20) < 0 {
		t.Errorf("warp not straight: %d", d)
	}
}

// darkRow returns the mean y of dark pixels in column x.
func darkRow(m *rgbImage, x int) int {
	sum, n := 0, 0
	for y := 0; y < m.H; y++ {
		if m.Pix[3*(y*m.W+x)] < 128 {
			sum += y
			n++
		}
	}
	if n == 0 {
		return -1000
	}
	return sum / n
}

func TestResizeAndCrop(t *testing.T) {
	img := &rgbImage{W: 64, H: 32, Pix: make([]byte, 3*64*32)}
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	r := img.resize(16, 8)
	if r.W != 16 || r.H != 8 || r.Pix[0] != 200 {
		t.Errorf("resize: %dx%d %d", r.W, r.H, r.Pix[0])
	}
	c := img.crop(image.Rect(-10, -10, 10, 5))
	if c.W != 10 || c.H != 5 {
		t.Errorf("crop clipped to %dx%d, want 10x5", c.W, c.H)
	}
	if g := toRGB(img.toImage()); !bytes.Equal(g.Pix, img.Pix) {
		t.Error("toImage/toRGB round trip differs")
	}
}

func TestRepairLine2(t *testing.T) {
	const want = "E387120962CHN0302287F2604114<<<<<<<<<<<<<<<6"
	tests := []struct {
		name   string
		raw    string
		states []string
		want   string
	}{
		{"exact", want, nil, want},
		{"final check digit dropped", want[:43], nil, want},
		{"zero read as OQ, state known", "E387120962CHNOQ302287F2604114<<<<<<<<<<<<<<<6", []string{"HNM", "CHN"}, want},
		{"zero read as OQ, state unknown: ambiguous", "E387120962CHNOQ302287F2604114<<<<<<<<<<<<<<<6", nil, ""},
		{"letter O read as zero in the document number", "E026363181CHN4809245M2905040<<<<<<<<<<<<<<<2", nil, "EO26363181CHN4809245M2905040<<<<<<<<<<<<<<<2"},
		{"two digits wrong", "E387120962CHN0302287F2604115<<<<<<<<<<<<<<<7", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := repairLine2(tt.raw, tt.states)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("repairLine2 = %q %v, want %q", got, ok, tt.want)
			}
		})
	}
}

func TestFixLine1DropsLettersAfterNames(t *testing.T) {
	got := fixLine1(fitLength(cleanMRZ("P<CHNKUN<<SUN<<<<<<<<<<K<<<<")))
	if got != "P<CHNKUN<<SUN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<" {
		t.Errorf("fixLine1 = %q", got)
	}
}

func TestCompare(t *testing.T) {
	res := &Result{Kind: KindIDFront, Fields: map[string]Field{
		FieldName:      {Value: "阿卜杜拉·买买提", Confidence: 0.98},
		FieldIDNumber:  {Value: "11010519491231002X", Confidence: 0.99},
		FieldBirthDate: {Value: "1949-12-31", Confidence: 0.99},
		FieldSex:       {Value: "男", Confidence: 0.99},
		FieldAddress:   {Value: "北京市东城区", Confidence: 0.5},
	}}
	r := &Reader{}
	tests := []struct {
		field, typed string
		want         Verdict
	}{
		{FieldName, "阿卜杜拉·买买提", Match},
		{FieldName, "阿卜杜拉.买买提", Match},    // dot variant typed
		{FieldName, "阿卜杜拉 买买提", Mismatch}, // dot missing: a different string
		{FieldName, "阿卜杜拉·买买", Mismatch},  // one character missing (the article's case)
		{FieldIDNumber, "11010519491231002x", Match},
		{FieldIDNumber, "110105194912310021", Mismatch},
		{FieldBirthDate, "1949/12/31", Match},
		{FieldBirthDate, "1949年12月31日", Match},
		{FieldBirthDate, "1949-12-30", Mismatch},
		{FieldSex, "M", Match},
		{FieldSex, "female", Mismatch},
		{FieldAddress, "北京市西城区", Unreadable}, // low confidence
		{FieldEthnicity, "汉", Unreadable},    // not read
	}
	for _, tt := range tests {
		if got := r.Compare(tt.field, tt.typed, res); got != tt.want {
			t.Errorf("Compare(%s, %q) = %s, want %s", tt.field, tt.typed, got, tt.want)
		}
	}
	// A reading that fails its checksum is never a mismatch.
	bad := &Result{Fields: map[string]Field{FieldIDNumber: {Value: "110105194912310021", Confidence: 0.99}}}
	if got := r.Compare(FieldIDNumber, "11010519491231002X", bad); got != Unreadable {
		t.Errorf("checksum-failing reading: %s", got)
	}
	// A reason on the field (printed birth date disagrees with the number)
	// makes a difference unreadable.
	inc := &Result{Fields: map[string]Field{FieldBirthDate: {Value: "1949-12-30", Confidence: 0.99}},
		Reasons: []Reason{reason(ReasonBirthDateMismatch, FieldBirthDate)}}
	if got := r.Compare(FieldBirthDate, "1949-12-31", inc); got != Unreadable {
		t.Errorf("inconsistent reading: %s", got)
	}
	if got := r.Compare(FieldName, "x", nil); got != Unreadable {
		t.Errorf("nil result: %s", got)
	}
}

func TestConsistency(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := "11010519491231002X"
	f := fields{}
	f.set(FieldIDNumber, n, 0.99)
	f.set(FieldBirthDate, "1949-12-30", 0.99)
	f.set(FieldSex, "男", 0.99)
	f.set(FieldValidUntil, "2025-12-30", 0.99)
	codes := map[string]bool{}
	for _, r := range consistency(KindIDFront, f, now) {
		codes[r.Code] = true
	}
	// 17th digit 2 is even: female; birth date in the number is 1949-12-31.
	for _, c := range []string{ReasonBirthDateMismatch, ReasonSexMismatch, ReasonExpired} {
		if !codes[c] {
			t.Errorf("missing reason %s (got %v)", c, codes)
		}
	}
	f2 := fields{}
	f2.set(FieldValidUntil, "长期", 0.99)
	f2.set(FieldIDNumber, "11010519491231002Y", 0.99)
	rs := consistency(KindIDBack, f2, now)
	if len(rs) != 1 || rs[0].Code != ReasonIDChecksum {
		t.Errorf("reasons %v", rs)
	}
}

// stubEngine is an Engine that returns fixed lines.
type stubEngine struct {
	name  string
	lines []Line
}

func (s stubEngine) Name() string                                               { return s.name }
func (s stubEngine) Version() string                                            { return "stub" }
func (s stubEngine) CanRead(r rune) bool                                        { return true }
func (s stubEngine) Close() error                                               { return nil }
func (s stubEngine) Read(context.Context, image.Image, Options) ([]Line, error) { return s.lines, nil }

func TestReaderWithStubEngines(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 100, 100))
	for _, name := range []string{"ppocr", "tesseract"} {
		r := NewReader(stubEngine{name: name, lines: idFrontLines()}, nil)
		r.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
		res, err := r.Read(context.Background(), KindIDFront, img)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Reasons) != 0 || res.Fields[FieldIDNumber].Value != withCheck("65010219900307002") {
			t.Errorf("%s: reasons %v fields %v", name, res.Reasons, res.Fields)
		}
		want := Mismatch
		if name != "ppocr" {
			want = Unreadable // tesseract pages never contradict the customer
		}
		if got := r.Compare(FieldName, "欧阳玥", res); got != want {
			t.Errorf("%s: Compare = %s, want %s", name, got, want)
		}
		if st := r.Status(); !st.Available || !strings.Contains(st.Detail, name) {
			t.Errorf("status %+v", st)
		}
	}
	// A passport page without an MRZ: MRZ_UNREADABLE, fields unreadable.
	r := NewReader(stubEngine{name: "ppocr", lines: []Line{line("姓名/Name", 0, 0, 100, 20), line("张三", 0, 30, 60, 30)}}, nil)
	res, err := r.Read(context.Background(), KindPassport, img)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Reasons) == 0 || res.Reasons[0].Code != ReasonMRZUnreadable || res.Fields[FieldName].Value != "张三" {
		t.Errorf("passport without MRZ: %+v", res)
	}
}

func TestNearVIZ(t *testing.T) {
	want1 := "GAO<<TAOYANG"
	line := func(name string) string { return "P<CHN" + name + strings.Repeat("<", 39-len(name)) }
	for _, c := range []struct {
		read string
		ok   bool
	}{
		{line("GAO<<TAOQYANG"), true}, // one inserted
		{line("GAO<<TAYANG"), true},   // one dropped
		{line("GA0<<TAOYANG"), true},  // look-alike, fixed before comparing
		{line("GAO<<TAOXYANGZ"), false},
		{line("LIU<<TAOYANG<X"), false},
		{"short", false},
		{strings.Replace(line("GAO<<TAOQYANG"), "P", "I", 1), false}, // not a passport line
	} {
		got, ok := nearVIZ([]string{c.read}, want1)
		if ok != c.ok || (ok && got != line(want1)) {
			t.Errorf("nearVIZ(%q) = %q, %v; want ok %v", c.read, got, ok, c.ok)
		}
	}
	if _, ok := nearVIZ([]string{line("GAO<<TAOYANG")}, strings.Repeat("A", 40)); ok {
		t.Error("a printed name longer than line 1 accepted")
	}
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"ABC", "", 3}, {"KITTEN", "SITTING", 3}, {"TAOYANG", "TAOQYANG", 1}} {
		if got := editDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
