package idrules

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Country is an ISO 3166-1 country with its names, for choice lists.
type Country struct {
	Alpha3 string `json:"alpha3"`
	Alpha2 string `json:"alpha2"`
	EN     string `json:"en"`
	ZH     string `json:"zh"`
}

// Countries lists the ISO 3166-1 countries that have names (withdrawn codes
// such as ANT or YUG are left out), sorted by alpha-3 code.
func Countries() []Country {
	out := make([]Country, 0, len(countryTable))
	for i, c := range countryTable {
		n := countryNames[i]
		if n[0] == "" || n[1] == "" || c.alpha2 == "" {
			continue
		}
		out = append(out, Country{Alpha3: c.alpha3, Alpha2: c.alpha2, EN: n[0], ZH: n[1]})
	}
	return out
}

// demonyms are the adjectives people write for their nationality, in
// English and Chinese, for the countries customers most often name so.
var demonyms = map[string]string{
	"BRITISH": "GBR", "ENGLISH": "GBR", "SCOTTISH": "GBR", "WELSH": "GBR", "UK": "GBR", "GREAT BRITAIN": "GBR", "ENGLAND": "GBR",
	"AMERICAN": "USA", "US": "USA", "U.S.": "USA", "U.S.A.": "USA", "UNITED STATES OF AMERICA": "USA", "AMERICA": "USA",
	"CHINESE": "CHN", "CANADIAN": "CAN", "AUSTRALIAN": "AUS", "NEW ZEALANDER": "NZL", "IRISH": "IRL",
	"FRENCH": "FRA", "GERMAN": "DEU", "ITALIAN": "ITA", "SPANISH": "ESP", "PORTUGUESE": "PRT", "DUTCH": "NLD",
	"BELGIAN": "BEL", "SWISS": "CHE", "AUSTRIAN": "AUT", "SWEDISH": "SWE", "NORWEGIAN": "NOR", "DANISH": "DNK",
	"FINNISH": "FIN", "POLISH": "POL", "CZECH": "CZE", "GREEK": "GRC", "RUSSIAN": "RUS", "UKRAINIAN": "UKR",
	"TURKISH": "TUR", "JAPANESE": "JPN", "KOREAN": "KOR", "SOUTH KOREAN": "KOR", "KOREA": "KOR", "SOUTH KOREA": "KOR",
	"NORTH KOREAN": "PRK", "NORTH KOREA": "PRK", "VIETNAMESE": "VNM", "VIETNAM": "VNM", "THAI": "THA", "MALAYSIAN": "MYS",
	"SINGAPOREAN": "SGP", "INDONESIAN": "IDN", "FILIPINO": "PHL", "PHILIPPINE": "PHL", "INDIAN": "IND", "PAKISTANI": "PAK",
	"BANGLADESHI": "BGD", "NEPALI": "NPL", "NEPALESE": "NPL", "SRI LANKAN": "LKA", "MONGOLIAN": "MNG", "KAZAKH": "KAZ",
	"LAOTIAN": "LAO", "LAOS": "LAO", "CAMBODIAN": "KHM", "BURMESE": "MMR", "MYANMAR": "MMR", "BRAZILIAN": "BRA",
	"MEXICAN": "MEX", "ARGENTINE": "ARG", "ARGENTINIAN": "ARG", "CHILEAN": "CHL", "COLOMBIAN": "COL", "PERUVIAN": "PER",
	"SOUTH AFRICAN": "ZAF", "NIGERIAN": "NGA", "EGYPTIAN": "EGY", "KENYAN": "KEN", "ETHIOPIAN": "ETH", "MOROCCAN": "MAR",
	"ISRAELI": "ISR", "IRANIAN": "IRN", "SAUDI": "SAU", "EMIRATI": "ARE", "UAE": "ARE",
	"RUSSIA": "RUS", "CZECHIA": "CZE", "HOLLAND": "NLD", "TURKIYE": "TUR", "TÜRKIYE": "TUR",
	"英国人": "GBR", "美国人": "USA", "中国人": "CHN", "日本人": "JPN", "韩国人": "KOR", "法国人": "FRA", "德国人": "DEU",
	"俄罗斯人": "RUS", "加拿大人": "CAN", "澳大利亚人": "AUS", "新加坡人": "SGP", "马来西亚人": "MYS", "泰国人": "THA",
	"越南人": "VNM", "印度人": "IND", "意大利人": "ITA", "西班牙人": "ESP", "美利坚合众国": "USA", "大不列颠及北爱尔兰联合王国": "GBR",
	"中华人民共和国": "CHN", "南韩": "KOR", "大韩民国": "KOR", "朝鲜民主主义人民共和国": "PRK", "澳洲": "AUS", "新西兰人": "NZL",
}

var nationalityIndex = func() map[string]string {
	m := map[string]string{}
	for _, c := range Countries() {
		m[c.Alpha3] = c.Alpha3
		m[c.Alpha2] = c.Alpha3
		m[nationalityKey(c.EN)] = c.Alpha3
		m[nationalityKey(c.ZH)] = c.Alpha3
	}
	for k, v := range demonyms {
		m[nationalityKey(k)] = v
	}
	return m
}()

// nationalityKey folds a written nationality for lookup: NFKC (full-width
// letters become ASCII), upper case, spaces collapsed, a trailing "国籍" or
// "citizen" dropped.
func nationalityKey(s string) string {
	s = norm.NFKC.String(s)
	s = strings.Join(strings.FieldsFunc(strings.ToUpper(s), func(r rune) bool { return unicode.IsSpace(r) }), " ")
	for _, suf := range []string{" CITIZEN", " NATIONAL", "国籍", "籍"} {
		s = strings.TrimSuffix(s, suf)
	}
	return strings.TrimSpace(s)
}

// ParseNationality reads a nationality as customers write it: an ISO 3166-1
// alpha-3 or alpha-2 code, an ICAO special code, or the country's name or
// demonym in English or Chinese ("GBR", "gb", "United Kingdom", "British",
// "英国"). It returns the alpha-3 code (ICAO's for its special codes), or
// ok false when it cannot tell.
func ParseNationality(s string) (alpha3 string, ok bool) {
	k := nationalityKey(s)
	if k == "" {
		return "", false
	}
	if a, ok := nationalityIndex[k]; ok {
		return a, true
	}
	if len(k) == 3 && KnownStateCode(k) {
		return k, true
	}
	return "", false
}
