package ocr

import (
	"image"
	"testing"
)

func textLines(texts ...string) []Line {
	out := make([]Line, len(texts))
	for i, t := range texts {
		out[i] = Line{Text: t, Confidence: 0.95, Box: image.Rect(10, 10+40*i, 400, 40+40*i)}
	}
	return out
}

// TestClassifyLines runs the classifier on the lines the page engine
// produced for each kind (taken from the testdata fixtures, and variants
// with a line lost or misread) and on photos of nothing in particular.
func TestClassifyLines(t *testing.T) {
	tests := []struct {
		name  string
		lines []Line
		want  string
		conf  float64 // at least
	}{
		{"ID front", textLines("姓名", "孔雪霞", "性别", "女", "民族蒙古", "出生", "1997年8月22日", "住址", "陕西省西安市雁塔区文化路", "公民身份号码", "610113199708228302"), KindIDFront, 0.9},
		{"ID front, number misread", textLines("姓名", "孔雪霞", "性别", "女", "民族蒙古", "出生", "住址", "公民身份号码", "61011319970822830Z"), KindIDFront, 0.8},
		{"ID front, labels lost", textLines("孔雪霞", "女", "610113199708228302", "姓名"), KindIDFront, 0.9},
		{"ID back", textLines("中华人民共和国", "居民身份证", "签发机关", "北京市公安局朝阳区分局", "有效期限", "2017.04.21-2027.04.21"), KindIDBack, 0.9},
		{"ID back, title lost", textLines("签发机关", "北京市公安局朝阳区分局", "有效期限", "2017.04.21-长期"), KindIDBack, 0.8},
		{"permit back", textLines("中华人民共和国", "港澳居民居住证", "签发机关", "深圳市公安局", "有效期限", "2020.01.01-2025.01.01", "通行证号码", "H12345678", "签发次数", "01"), KindIDBack, 0.8},
		{"passport page", textLines("中华人民共和国PEOPLE'SREPUBLICOFCHINA", "护照PASSPORT", "国家码/Country Code", "护照号/Passport No.", "姓名/Name", "杜明泽", "GUO,MINCHAO", "性别/Sex", "出生日期/Date of birth",
			"<HNG00M1N0<<<<<<<<<<<<<<<<<<<<<", "E421323012CHN9504279F3311112<<<<<<<<<<<<<<<8"), KindPassport, 0.9},
		{"passport page, only line 2", textLines("E421323012CHN9504279F3311112<<<<<<<<<<<<<<<8"), KindPassport, 0.8},
		{"foreign passport, MRZ line 1", textLines("P<USASMITH<<JOHN<PAUL<<<<<<<<<<<<<<<<<<<<<<<", "5331234558USA8001014M3001012<<<<<<<<<<<<<<04"), KindPassport, 0.9},
		{"passport page, MRZ cut off", textLines("护照PASSPORT", "国家码/Country Code", "护照号/Passport No.", "姓名/Name", "性别/Sex", "出生日期/Date of birth"), KindPassport, 0.8},
		{"HMT residence permit", textLines("姓名", "潘翀", "性别", "女", "出生", "住址", "公民身份号码", "82000019720923054X"), KindResidencePermit, 0.9},
		{"foreigner's permanent residence card", textLines("中华人民共和国外国人永久居留身份证", "姓名/Name", "SMITH, JOHN", "国籍/Nationality", "美国/USA", "性别/Sex", "有效期限/Period of Validity", "证件号码/Card No."), KindResidencePermit, 0.8},
		{"visa (MRV-A), not a passport", textLines("VISA", "中华人民共和国签证", "V<CHNSMITH<<JOHN<PAUL<<<<<<<<<<<<<<<<<<<<<<<", "5331234558USA8001014M3001012<<<<<<<<<<<<<<04"), KindUnknown, 0},
		{"nothing", textLines("收据", "合计 35.00", "谢谢惠顾"), KindUnknown, 0},
		{"no text", nil, KindUnknown, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Classify(tt.lines)
			if c.Kind != tt.want || c.Confidence < tt.conf {
				t.Fatalf("Classify = %+v, want %s at confidence ≥ %.2f", c, tt.want, tt.conf)
			}
			if tt.want != KindUnknown && !c.Accepts(tt.want) {
				t.Errorf("Accepts(%s) = false", tt.want)
			}
			for _, k := range Kinds {
				if k != tt.want && c.Accepts(k) {
					t.Errorf("Accepts(%s) = true for a %s", k, tt.want)
				}
				if tt.want != KindUnknown && k != tt.want && !c.WrongKind(k) {
					t.Errorf("WrongKind(%s) = false for a %s", k, tt.want)
				}
			}
		})
	}
}

func TestResultClassifyTrustsAValidMRZ(t *testing.T) {
	r := &Result{Lines: textLines("garbled"), MRZ: &MRZ{Valid: true}}
	if c := r.Classify(); c.Kind != KindPassport || c.Confidence < 0.9 {
		t.Fatalf("Classify = %+v", c)
	}
	var nilRes *Result
	if c := nilRes.Classify(); c.Kind != KindUnknown {
		t.Fatalf("nil result: %+v", c)
	}
}

func BenchmarkClassify(b *testing.B) {
	lines := textLines("中华人民共和国PEOPLE'SREPUBLICOFCHINA", "护照PASSPORT", "国家码/Country Code", "护照号/Passport No.", "姓名/Name", "杜明泽", "GUO,MINCHAO", "性别/Sex", "出生日期/Date of birth",
		"<HNG00M1N0<<<<<<<<<<<<<<<<<<<<<", "E421323012CHN9504279F3311112<<<<<<<<<<<<<<<8", "27APR1995", "11NOV2033", "12NOV2023", "女/F", "CHN", "E42132301")
	for b.Loop() {
		Classify(lines)
	}
}
