package support

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// Article is one help-centre page, in both languages.
type Article struct {
	Slug  string    `json:"slug"`
	Title i18n.Text `json:"title"`
	// Code is the reason code a generated article explains ("" for the
	// written ones).
	Code     string    `json:"code,omitempty"`
	Sections []Section `json:"sections"`
}

// Section is a heading and its text.
type Section struct {
	Heading i18n.Text `json:"heading"`
	Body    i18n.Text `json:"body"`
}

// ReasonSlug is the slug of the article for a reason code: the wizard and
// the status page link every reason they show to /help/<ReasonSlug(code)>.
func ReasonSlug(code string) string {
	return "reason-" + strings.ToLower(strings.ReplaceAll(code, "_", "-"))
}

// CustomerVisible reports whether a registry entry may be shown to a
// customer (neither sensitive nor internal), and so has an article.
func CustomerVisible(r verification.ReasonInfo) bool { return !r.Sensitive && !r.OurFault }

var (
	hMeans = i18n.T("What it means", "这是什么意思")
	hWhy   = i18n.T("Why it happens", "为什么会出现")
	hFix   = i18n.T("How to fix it", "如何解决")
	hHelp  = i18n.T("Still stuck?", "仍然无法解决？")
	tHelp  = i18n.T("Contact support from the verification's status page: the case and its reasons are attached to your request automatically, so you do not need to describe them again. Add screenshots if something looks wrong.",
		"请在认证状态页面联系客服：认证编号和原因会自动附在您的请求中，无需重复描述。如页面显示异常，可以附上截图。")
)

// why explains, per disposition, why a reason comes up.
func why(r verification.ReasonInfo) i18n.Text {
	switch r.Disposition {
	case verification.Retry:
		if strings.HasPrefix(r.Code, "SELFIE_") {
			return i18n.T("At some verification levels we compare a selfie with the photo on your ID and check that it was taken live, by you, just now. A selfie with no face, with several faces, or that looks like a photo of a photo or of a screen cannot be compared reliably, so we ask for a new one.",
				"部分认证等级需要将自拍照与证件照片比对，并确认自拍是您本人现场拍摄的。没有人脸、有多张人脸，或看起来是翻拍照片或屏幕的自拍无法可靠比对，因此我们会请您重新自拍。")
		}
		if strings.HasPrefix(r.Code, "IMAGE_") || strings.HasPrefix(r.Code, "DOCUMENT_") || strings.HasPrefix(r.Code, "FILE_") {
			return i18n.T("We check every photo automatically before a person or a machine reads it. A photo that is blurry, dark, cut off, reflective or of the wrong document cannot be read reliably, so we ask for a new one instead of guessing.",
				"每张照片在识别前都会自动检查。模糊、过暗、不完整、反光或拍错证件的照片无法可靠识别，因此我们会请您重新拍摄，而不是猜测内容。")
		}
		return i18n.T("We compare what you typed with the rules for that kind of information and with what we read from your document. When they do not agree we cannot verify you, so we ask you to correct it; everything else you entered is kept.",
			"我们会按规则核对您填写的信息，并与从证件上读取的内容比对。两者不一致时无法完成认证，因此请您更正；其他已填写的内容会保留。")
	case verification.Final:
		return i18n.T("Some situations cannot be fixed by submitting again, because the law or our rules do not allow the account to be verified as it stands.",
			"有些情况无法通过重新提交解决，因为法律或我们的规则不允许在当前情况下完成认证。")
	default:
		return i18n.T("Some verifications are checked by a person, for example when a document cannot be read automatically. This is normal and not a sign that you did anything wrong.",
			"部分认证需要人工审核，例如证件无法自动识别时。这很正常，并不表示您做错了什么。")
	}
}

// reasonArticle is the generated article for one registry entry.
func reasonArticle(r verification.ReasonInfo) Article {
	return Article{Slug: ReasonSlug(r.Code), Code: r.Code, Title: r.Message, Sections: []Section{
		{hMeans, r.Message},
		{hWhy, why(r)},
		{hFix, r.Hint},
		{hHelp, tHelp},
	}}
}

// Articles returns every help article: one per customer-visible reason
// code of the registry (generated, so it cannot fall out of step), then
// the written ones.
func Articles() []Article {
	var out []Article
	for _, r := range verification.Registry() {
		if CustomerVisible(r) {
			out = append(out, reasonArticle(r))
		}
	}
	return append(out, written...)
}

// ArticleBySlug returns an article; ok is false when there is none.
func ArticleBySlug(slug string) (Article, bool) {
	for _, a := range Articles() {
		if a.Slug == slug {
			return a, true
		}
	}
	return Article{}, false
}

// Terms splits text into search terms: lower-case words for letters and
// digits, and for Chinese (written without spaces) every character and
// every pair of neighbouring characters (n-grams of 1 and 2).
func Terms(text string) []string {
	var out []string
	var word []rune
	var han []rune
	flushWord := func() {
		if len(word) > 0 {
			out = append(out, stem(string(word)))
			word = word[:0]
		}
	}
	flushHan := func() {
		for i := range han {
			out = append(out, string(han[i]))
			if i+1 < len(han) {
				out = append(out, string(han[i:i+2]))
			}
		}
		han = han[:0]
	}
	for _, c := range strings.ToLower(text) {
		switch {
		case unicode.Is(unicode.Han, c):
			flushWord()
			han = append(han, c)
		case unicode.IsLetter(c) || unicode.IsDigit(c):
			flushHan()
			word = append(word, c)
		default:
			flushWord()
			flushHan()
		}
	}
	flushWord()
	flushHan()
	return out
}

// stem folds a few English endings so that "photos" finds "photo" and
// "blurred" finds "blurry".
func stem(w string) string {
	for _, suf := range []string{"ing", "ed", "ies", "es", "s", "y"} {
		if len(w) > len(suf)+3 && strings.HasSuffix(w, suf) {
			return strings.TrimSuffix(w, suf)
		}
	}
	return w
}

type indexed struct {
	a           Article
	title, body map[string]bool
}

// searchIndex is every article's terms, built once (the articles are
// fixed at build time).
var searchIndex = sync.OnceValue(func() []indexed {
	var out []indexed
	for _, a := range Articles() {
		e := indexed{a: a, title: map[string]bool{}, body: map[string]bool{}}
		for _, t := range Terms(a.Title.In(i18n.EN) + " " + a.Title.In(i18n.ZH) + " " + a.Code) {
			e.title[t] = true
		}
		for _, s := range a.Sections {
			for _, t := range Terms(s.Heading.In(i18n.EN) + " " + s.Body.In(i18n.EN) + " " + s.Heading.In(i18n.ZH) + " " + s.Body.In(i18n.ZH)) {
				e.body[t] = true
			}
		}
		out = append(out, e)
	}
	return out
})

// Hit is a search result.
type Hit struct {
	Article Article
	Score   float64
}

// Search finds articles for a query in Chinese or English, best first. A
// term in the title counts three times one in the text; single Chinese
// characters count a quarter of a pair (too common on their own).
func Search(query string) []Hit {
	q := Terms(query)
	if len(q) == 0 {
		return nil
	}
	// With pairs of Chinese characters in the query, single characters
	// only add noise (片 is in every photo article).
	if slices.ContainsFunc(q, isHanPair) {
		q = slices.DeleteFunc(q, func(t string) bool {
			r := []rune(t)
			return len(r) == 1 && unicode.Is(unicode.Han, r[0])
		})
	}
	var hits []Hit
	for _, e := range searchIndex() {
		a, title, body := e.a, e.title, e.body
		score := 0.0
		for _, t := range q {
			w := 1.0
			if r := []rune(t); len(r) == 1 && unicode.Is(unicode.Han, r[0]) {
				w = 0.25
			}
			if title[t] {
				score += 3 * w
			} else if body[t] {
				score += w
			}
		}
		if score > 0 {
			hits = append(hits, Hit{a, score})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	// Only the articles that match at least half as well as the best.
	for i, h := range hits {
		if h.Score < hits[0].Score/2 {
			return hits[:i]
		}
	}
	return hits
}

func isHanPair(t string) bool {
	r := []rune(t)
	return len(r) == 2 && unicode.Is(unicode.Han, r[0]) && unicode.Is(unicode.Han, r[1])
}
