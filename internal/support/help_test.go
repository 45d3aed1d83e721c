package support

import (
	"slices"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// TestEveryVisibleReasonHasAnArticle: every registry code a customer can be
// shown has its article in both languages (a new code without one fails
// here), and no sensitive or internal code has one.
func TestEveryVisibleReasonHasAnArticle(t *testing.T) {
	n := 0
	for _, r := range verification.Registry() {
		a, ok := ArticleBySlug(ReasonSlug(r.Code))
		if !CustomerVisible(r) {
			if ok {
				t.Errorf("%s is hidden from customers but has an article", r.Code)
			}
			continue
		}
		n++
		if !ok {
			t.Errorf("%s: no help article", r.Code)
			continue
		}
		for _, l := range []i18n.Lang{i18n.EN, i18n.ZH} {
			if a.Title.In(l) == "" {
				t.Errorf("%s: no title in %s", r.Code, l)
			}
			for _, s := range a.Sections {
				if s.Body.In(l) == "" || s.Heading.In(l) == "" {
					t.Errorf("%s: empty section in %s", r.Code, l)
				}
			}
		}
		if a.Sections[2].Body != r.Hint {
			t.Errorf("%s: the fix is not the wizard's hint", r.Code)
		}
	}
	if n < 20 {
		t.Fatalf("only %d visible reasons: is the registry read?", n)
	}
	for _, a := range written {
		if a.Title.In(i18n.EN) == "" || a.Title.In(i18n.ZH) == "" || a.Title.In(i18n.EN) == a.Title.In(i18n.ZH) {
			t.Errorf("%s: title not in both languages", a.Slug)
		}
	}
}

func TestSearchFindsPhotoArticle(t *testing.T) {
	// Both photo-quality articles (the blurry-photo reason's and the
	// how-to) come first, for Chinese and English words.
	for _, q := range []string{"照片模糊", "blurry photo", "Blurry photos", "模糊"} {
		hits := Search(q)
		var got []string
		for _, h := range hits[:min(2, len(hits))] {
			got = append(got, h.Article.Slug)
		}
		if len(got) != 2 || !slices.Contains(got, "good-photo") || !slices.Contains(got, "reason-image-blurry") {
			t.Errorf("%q: first hits %v, want good-photo and reason-image-blurry", q, got)
		}
	}
	if hits := Search("怎么拍证件照片"); len(hits) < 2 || hits[0].Article.Slug != "good-photo" && hits[1].Article.Slug != "good-photo" {
		t.Errorf("怎么拍证件照片: %v", hits)
	}
	if hits := Search("反洗钱"); len(hits) == 0 || hits[0].Article.Slug != "legal-basis" {
		t.Errorf("反洗钱: %v", hits)
	}
	// A precise query does not list every photo article.
	if hits := Search("照片模糊"); len(hits) > 5 {
		t.Errorf("照片模糊 found %d articles", len(hits))
	}
	if hits := Search("zzzz qqqq"); len(hits) != 0 {
		t.Errorf("nonsense found %d", len(hits))
	}
	if got := strings.Join(Terms("照片模糊 Blurry"), ","); got != "照,照片,片,片模,模,模糊,糊,blurr" {
		t.Errorf("terms: %s", got)
	}
}

func BenchmarkSearch(b *testing.B) {
	Search("warm")
	for b.Loop() {
		Search("照片模糊 blurry photo")
	}
}

// TestSelfieArticles: the selfie reasons have articles that explain the
// selfie (not the typed data); the face comparison's reasons have none.
func TestSelfieArticles(t *testing.T) {
	for _, code := range []string{verification.CodeSelfieNoFace, verification.CodeSelfieManyFaces, verification.CodeSelfieNotLive} {
		a, ok := ArticleBySlug(ReasonSlug(code))
		if !ok || len(a.Sections) < 3 {
			t.Fatalf("%s: no article", code)
		}
		if why := a.Sections[1].Body; !strings.Contains(why.EN, "selfie") || !strings.Contains(why.ZH, "自拍") {
			t.Errorf("%s: why %+v", code, why)
		}
	}
	if a, _ := ArticleBySlug(ReasonSlug(verification.CodeSelfieNotLive)); !strings.Contains(a.Sections[2].Body.EN, "not a photo of a photo") {
		t.Errorf("SELFIE_NOT_LIVE fix: %q", a.Sections[2].Body.EN)
	}
	for _, code := range []string{verification.CodeFaceMismatch, verification.CodeFaceReviewRequired} {
		if _, ok := ArticleBySlug(ReasonSlug(code)); ok {
			t.Errorf("%s has a public article", code)
		}
	}
}

// TestWrittenArticlesNameTheSelfie: the articles on what is asked for and
// how data is kept say that a selfie may be asked for and how the face
// (biometric data) is handled, in both languages.
func TestWrittenArticlesNameTheSelfie(t *testing.T) {
	all := func(slug string) i18n.Text {
		a, ok := ArticleBySlug(slug)
		if !ok {
			t.Fatalf("no article %s", slug)
		}
		var x i18n.Text
		for _, s := range a.Sections {
			x.EN += s.Heading.EN + " " + s.Body.EN + " "
			x.ZH += s.Heading.ZH + s.Body.ZH
		}
		return x
	}
	if x := all("information-needed"); !strings.Contains(x.EN, "selfie") || !strings.Contains(x.ZH, "自拍") {
		t.Errorf("information-needed does not name the selfie: %+v", x)
	}
	if x := all("data-protection"); !strings.Contains(x.EN, "biometric") || !strings.Contains(x.ZH, "生物识别") || !strings.Contains(x.EN, "never stored") {
		t.Errorf("data-protection does not say how the face is handled: %+v", x)
	}
}
