package web

import "github.com/veriwallet/veriwallet/internal/i18n"

// The selfie step's texts (static/selfie.js); the "js." prefix puts them in
// the wizard's configuration.
var selfieMessages = map[string]i18n.Text{
	"js.selfie.open":   i18n.T("Take the selfie with the front camera", "用前置摄像头自拍"),
	"js.selfie.title":  i18n.T("Selfie: your face in the oval", "自拍：请将面部置于椭圆框内"),
	"js.selfie.lead":   i18n.T("We compare your face with the photo on your ID. Take it yourself, now: not a photo of a photo or of a screen.", "我们会将您的面部与证件照片比对。请本人现场拍摄，不要翻拍照片或屏幕。"),
	"js.selfie.look":   i18n.T("Look at the camera, your face inside the oval…", "请看向镜头，让面部位于椭圆框内…"),
	"js.selfie.noface": i18n.T("No face found: look straight at the camera, nothing covering your face.", "未检测到人脸：请正对镜头，不要遮挡面部。"),
	"js.selfie.many":   i18n.T("Several faces: only you should be in the picture.", "检测到多张人脸：画面中只能有您本人。"),
	"js.selfie.far":    i18n.T("Too far: bring the phone closer so your face fills the oval.", "距离太远：请将手机靠近，让面部占满椭圆框。"),
	"js.selfie.hold":   i18n.T("Good, hold still: taking the selfie…", "很好，请保持不动：即将自动拍摄…"),
	"js.selfie.check":  i18n.T("Is your whole face visible and sharp?", "您的面部是否完整、清晰？"),
}

func init() {
	for _, m := range []map[string]i18n.Text{selfieMessages, consoleFaceMessages} {
		for k, v := range m {
			messages[k] = v
		}
	}
}

// The reviewer's case page: the faces side by side.
var consoleFaceMessages = map[string]i18n.Text{
	"console.faces":            i18n.T("Faces", "人脸比对"),
	"console.faces.selfie":     i18n.T("selfie", "自拍"),
	"console.faces.none":       i18n.T("no face found (whole photo shown)", "未检测到人脸（显示整张照片）"),
	"console.faces.similarity": i18n.T("Similarity", "相似度"),
	"console.faces.thresholds": i18n.T("match / review thresholds", "判定一致 / 转人工复核的阈值"),
	"console.faces.portrait":   i18n.T("portrait on the document", "证件人像"),
	// The face_match check's outcome, said as what it means for the faces.
	"console.faces.match.pass":       i18n.T("same person", "判定为同一人"),
	"console.faces.match.fail":       i18n.T("not the same person, or not comparable (see the reason)", "不一致或无法比对（见原因代码）"),
	"console.faces.match.unreadable": i18n.T("unsure: compare the faces yourself", "无法确定：请人工比对"),
	"console.faces.match.error":      i18n.T("not compared (face engine unavailable)", "未比对（人脸引擎不可用）"),
	"console.faces.match.skipped":    i18n.T("not compared", "未比对"),
	// The liveness check's outcome.
	"console.faces.live.pass":       i18n.T("live", "判定为真人现场拍摄"),
	"console.faces.live.fail":       i18n.T("not live (a photo of a photo or a screen?)", "判定为非现场拍摄（疑似翻拍照片或屏幕）"),
	"console.faces.live.unreadable": i18n.T("unsure", "无法确定"),
	"console.faces.live.error":      i18n.T("not scored (face engine unavailable)", "未评分（人脸引擎不可用）"),
	"console.faces.live.skipped":    i18n.T("not scored", "未评分"),
	"console.faces.liveness":        i18n.T("Liveness", "活体分数"),
	"console.faces.note": i18n.T("The machine never rejects on a face comparison: compare the faces yourself. Drawn, old or laminated portraits often score low.",
		"系统不会因人脸比对自动拒绝：请您亲自比对。手绘、年代久远或覆膜的证件照片得分往往偏低。"),
}
