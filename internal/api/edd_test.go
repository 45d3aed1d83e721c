package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	xdraw "golang.org/x/image/draw"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// stubFaces stands in for the face models: one face in every photo, the
// same embedding (the same person), scored live. It counts the selfies
// analysed (the calls with liveness).
type stubFaces struct{ selfies atomic.Int32 }

func (f *stubFaces) Available() error { return nil }
func (f *stubFaces) Analyze(ctx context.Context, img []byte, liveness bool) (verification.FaceAnalysis, error) {
	if liveness {
		f.selfies.Add(1)
	}
	return verification.FaceAnalysis{Faces: []verification.FaceBox{{X: 10, Y: 10, W: 100, H: 120, Score: 0.99}},
		Embedding: []float32{0.6, 0.8, 0}, Liveness: 0.93, Engine: "stub"}, nil
}

// selfieJPEG is a real photograph of a person (pigo's test portrait) in a
// 640×480 frame: what the selfie gate accepts.
func selfieJPEG(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "document", "testdata", "face", "portrait.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	src, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
	xdraw.Draw(dst, dst.Bounds(), &image.Uniform{color.Gray{128}}, image.Point{}, xdraw.Src)
	xdraw.CatmullRom.Scale(dst, image.Rect(160, 40, 480, 440), src, src.Bounds(), xdraw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEDDAsksForTheSelfie: a high-risk customer at the standard level is
// asked for what the enhanced level holds and the case lacks, the selfie
// included (EDD_REQUIRED, one reason per field and one naming the selfie,
// in both languages; the selfie step among the case's steps); a
// resubmission without the selfie is refused before it counts; with the
// selfie and the fields, the face checks run on it and a reviewer, who sees
// them, decides.
func TestEDDAsksForTheSelfie(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			rules := review.DefaultRiskRules()
			rules.HighRiskCountries = []string{"CHN"}
			faces := &stubFaces{}
			base, _ := newServerWith(t, engine, func(o *app.Options) {
				o.Risk = &rules
				o.Faces, o.FaceThresholds = faces, verification.FaceThresholds{Match: 0.5, Review: 0.3, Live: 0.5}
			})
			srv := &testServer{base}
			const number = "110105199003072311"
			testReader.set("edd", document.KindIDFront, verification.ReadFields{"name": hi(0.99, "赵六"), "id_number": hi(0.99, number), "birth_date": hi(0.99, "1990-03-07"), "sex": hi(0.99, "male")})
			testReader.set("edd", document.KindIDBack, verification.ReadFields{"valid_until": hi(0.99, "2036-01-01")})
			testReader.use("edd")
			register(t, base, `"email":"edd@example.com"`, "long enough pass")
			tok := login(t, base, `"email":"edd@example.com"`, "long enough pass")
			cid := submitCase(t, srv, tok, "赵六", number, "13800138005", "")
			v := waitStatus(t, srv, tok, cid, "approved", "manual_review", "retry_required", "rejected")
			if v["status"] != "retry_required" {
				t.Fatalf("high risk at the standard level: %v", v)
			}
			if faces.selfies.Load() != 0 {
				t.Fatalf("face checks ran without a selfie: %d", faces.selfies.Load())
			}
			// One reason per thing asked for: the three fields and the selfie.
			asked := map[string]map[string]any{}
			for _, r := range v["reasons"].([]any) {
				r := r.(map[string]any)
				if r["code"] != "EDD_REQUIRED" {
					t.Fatalf("reason %v", r)
				}
				asked[str(r["field"])+str(r["document"])] = r
			}
			for _, k := range []string{"address", "occupation", "source_of_funds", "selfie"} {
				if asked[k] == nil {
					t.Fatalf("EDD_REQUIRED does not ask for %s: %v", k, v["reasons"])
				}
			}
			if s := asked["selfie"]; s["step"] != "documents:selfie" || !strings.Contains(str(s["message"]), "selfie") {
				t.Fatalf("the selfie reason: %v", s)
			}
			zh := view(do(t, base, "GET", "/api/v1/verifications/"+cid, tok, "", "Accept-Language", "zh-CN"))
			if !strings.Contains(mustJSON(t, zh["reasons"]), "自拍照") || !strings.Contains(mustJSON(t, zh["reasons"]), "住址") {
				t.Fatalf("zh reasons: %v", zh["reasons"])
			}
			// The wizard's slots are the case's steps: the selfie is one, to do.
			steps := map[string]map[string]any{}
			for _, s := range v["steps"].([]any) {
				steps[str(s.(map[string]any)["step"])] = s.(map[string]any)
			}
			if st := steps["documents:selfie"]; st == nil || st["done"] != false || st["redo"] != true {
				t.Fatalf("selfie step: %v", v["steps"])
			}

			// The fields alone: refused before it counts, naming the selfie.
			edd := `{"full_name":"赵六","id_type":"cn_resident","id_number":"` + number + `","phone":"13800138005","address":"北京市朝阳区","occupation":"engineer","source_of_funds":"salary"}`
			if r := do(t, base, "PUT", "/api/v1/verifications/"+cid+"/applicant", tok, edd); r.status != 200 {
				t.Fatalf("EDD fields: %d %s", r.status, r.raw)
			}
			left := v["attempts_left"]
			r := do(t, base, "POST", "/api/v1/verifications/"+cid+"/submit", tok, "")
			if r.status != 400 || r.code() != "SUBMISSION_INCOMPLETE" || !strings.Contains(r.raw, `{"code":"EDD_REQUIRED","field":"selfie"`) ||
				strings.Contains(r.raw, `"field":"address"`) {
				t.Fatalf("resubmit without the selfie: %d %s", r.status, r.raw)
			}
			if v := view(do(t, base, "GET", "/api/v1/verifications/"+cid, tok, "")); v["attempts_left"] != left {
				t.Fatalf("the refused resubmission used an attempt: %v → %v", left, v["attempts_left"])
			}

			// The selfie, through the same upload path and gate.
			st, m := postMultipart(t, base, tok, "selfie", selfieJPEG(t), "")
			if st != 201 {
				t.Fatalf("selfie upload: %d %v", st, m)
			}
			doc := m["document"].(map[string]any)["id"].(string)
			if r := do(t, base, "POST", "/api/v1/verifications/"+cid+"/documents", tok, `{"kind":"selfie","document_id":"`+doc+`"}`); r.status != 200 {
				t.Fatalf("attach the selfie: %d %s", r.status, r.raw)
			}
			if v := view(do(t, base, "GET", "/api/v1/verifications/"+cid, tok, "")); len(v["missing"].([]any)) != 0 {
				t.Fatalf("still missing: %v", v["missing"])
			}
			if r := do(t, base, "POST", "/api/v1/verifications/"+cid+"/submit", tok, ""); r.status != 202 {
				t.Fatalf("resubmit: %d %s", r.status, r.raw)
			}
			if v := waitStatus(t, srv, tok, cid, "approved", "manual_review", "rejected", "retry_required"); v["status"] != "manual_review" {
				t.Fatalf("high risk with the EDD data and selfie: %v", v)
			}
			if faces.selfies.Load() == 0 {
				t.Fatal("the face checks did not run on the selfie")
			}

			// The reviewer sees the face checks, run as required ones.
			ctx := context.Background()
			if _, err := lastAccounts.Register(ctx, identity.RegisterInput{Email: "e1@example.com", Password: "reviewer password", Role: identity.RoleReviewer}); err != nil {
				t.Fatal(err)
			}
			rv := login(t, base, `"email":"e1@example.com"`, "reviewer password")
			rc := do(t, base, "GET", "/api/v1/review/verifications/"+cid, rv, "")
			if rc.status != 200 {
				t.Fatalf("review: %d %s", rc.status, rc.raw)
			}
			var detail struct {
				Review verification.ReviewDetail `json:"review"`
			}
			if err := json.Unmarshal([]byte(rc.raw), &detail); err != nil {
				t.Fatal(err)
			}
			got := map[string]verification.CheckResult{}
			for _, c := range detail.Review.Checks {
				got[c.Kind] = c
			}
			if m := got[verification.CheckFaceMatch]; m.Outcome != verification.OutcomePass || m.Detail["similarity"] == "" || m.Detail["portrait_document"] != "id_front" {
				t.Fatalf("face_match for the reviewer: %+v", m)
			}
			if l := got[verification.CheckLiveness]; l.Outcome != verification.OutcomePass || l.Score < 0.9 {
				t.Fatalf("liveness for the reviewer: %+v", l)
			}
			if d := detail.Review.Decision; d == nil || !strings.Contains(strings.Join(d.Reasons, ","), "RISK_HIGH") {
				t.Fatalf("decision: %+v", d)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
