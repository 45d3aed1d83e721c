package document

import "github.com/veriwallet/veriwallet/internal/i18n"

// Reason is one finding of the gate: a stable code, a message that says what
// is wrong and a hint that says how to fix it, both in zh-CN and en.
//
// Sensitive reasons (fraud signals) must never be shown to the customer; they
// are for reviewers. Signal reasons do not refuse the image on their own.
type Reason struct {
	Code      string    `json:"code"`
	Message   i18n.Text `json:"message"`
	Hint      i18n.Text `json:"hint"`
	Sensitive bool      `json:"sensitive,omitempty"`
	Signal    bool      `json:"signal,omitempty"`
}

// The reason codes. Every code has an entry in the reasons table below.
const (
	CodeFileEmpty         = "FILE_EMPTY"
	CodeFileTooLarge      = "FILE_TOO_LARGE"
	CodeFormatHEIC        = "FORMAT_HEIC"
	CodeFormatAVIF        = "FORMAT_AVIF"
	CodeFormatWebP        = "FORMAT_WEBP"
	CodeFormatGIF         = "FORMAT_GIF"
	CodeFormatPDF         = "FORMAT_PDF"
	CodeFormatBMP         = "FORMAT_BMP"
	CodeFormatTIFF        = "FORMAT_TIFF"
	CodeFormatSVG         = "FORMAT_SVG"
	CodeFormatVideo       = "FORMAT_VIDEO"
	CodeFormatOffice      = "FORMAT_OFFICE"
	CodeFormatArchive     = "FORMAT_ARCHIVE"
	CodeFormatText        = "FORMAT_TEXT"
	CodeFormatUnsupported = "FORMAT_UNSUPPORTED"
	CodeImageCorrupt      = "IMAGE_CORRUPT"
	CodeImageUnsupported  = "IMAGE_UNSUPPORTED_VARIANT"
	CodeTooManyPixels     = "IMAGE_TOO_MANY_PIXELS"
	CodeDimensions        = "IMAGE_DIMENSIONS"
	CodeTooSmall          = "IMAGE_TOO_SMALL"
	CodeBlurry            = "IMAGE_BLURRY"
	CodeTooDark           = "IMAGE_TOO_DARK"
	CodeOverexposed       = "IMAGE_OVEREXPOSED"
	CodeGlare             = "IMAGE_GLARE"
	CodeCutOff            = "IMAGE_CUT_OFF"
	CodeNoFace            = "NO_FACE_ON_DOCUMENT"
	CodeSelfieNoFace      = "SELFIE_NO_FACE"
	CodeEdgesNotFound     = "DOCUMENT_EDGES_NOT_FOUND"
	CodeScreenCapture     = "IMAGE_SCREEN_CAPTURE"
	CodeDuplicate         = "DUPLICATE_IMAGE"
)

// reasons is the one table of every reason the gate can give.
var reasons = map[string]Reason{
	CodeFileEmpty: {
		Message: i18n.T("The file is empty.", "文件是空的。"),
		Hint:    i18n.T("Choose the photo again; if it keeps happening, take a new photo.", "请重新选择照片；如果反复出现，请重新拍摄。"),
	},
	CodeFileTooLarge: {
		Message: i18n.T("The file is too large.", "文件太大。"),
		Hint:    i18n.T("Upload a photo of at most 10 MB: take it with the normal camera (not RAW or ProRAW) or export a smaller JPEG.", "请上传不超过 10 MB 的照片：用普通相机模式拍摄（不要用 RAW/ProRAW），或导出一张较小的 JPEG。"),
	},
	CodeFormatHEIC: {
		Message: i18n.T("This is an HEIC/HEIF photo, which we cannot accept.", "这是 HEIC/HEIF 格式的照片，我们无法接收。"),
		Hint:    i18n.T("On iPhone choose Settings > Camera > Formats > 'Most Compatible' and take the photo again, or export it as JPEG.", "在 iPhone 上选择 设置 > 相机 > 格式 >「兼容性最佳」后重新拍摄，或将照片导出为 JPEG。"),
	},
	CodeFormatAVIF: {
		Message: i18n.T("This is an AVIF image, which we cannot accept.", "这是 AVIF 格式的图片，我们无法接收。"),
		Hint:    i18n.T("Export or save the photo as JPEG or PNG, or take it with the camera app directly.", "请将照片导出或另存为 JPEG 或 PNG，或直接用相机拍摄。"),
	},
	CodeFormatWebP: {
		Message: i18n.T("This is a WebP image, which we cannot accept.", "这是 WebP 格式的图片，我们无法接收。"),
		Hint:    i18n.T("Upload the original photo from your camera, or save the image as JPEG or PNG.", "请上传相机拍摄的原图，或将图片另存为 JPEG 或 PNG。"),
	},
	CodeFormatGIF: {
		Message: i18n.T("This is a GIF image, which we cannot accept.", "这是 GIF 动图/图片，我们无法接收。"),
		Hint:    i18n.T("Take a photo of the document with the camera and upload it as JPEG or PNG.", "请用相机拍摄证件，以 JPEG 或 PNG 格式上传。"),
	},
	CodeFormatPDF: {
		Message: i18n.T("This is a PDF document, not a photo.", "这是 PDF 文档，不是照片。"),
		Hint:    i18n.T("Take a photo of the document itself, or export the page as a JPEG or PNG image.", "请直接拍摄证件原件，或将该页导出为 JPEG 或 PNG 图片。"),
	},
	CodeFormatBMP: {
		Message: i18n.T("This is a BMP bitmap, which we cannot accept.", "这是 BMP 位图，我们无法接收。"),
		Hint:    i18n.T("Save the image as JPEG or PNG and upload it again.", "请将图片另存为 JPEG 或 PNG 后重新上传。"),
	},
	CodeFormatTIFF: {
		Message: i18n.T("This is a TIFF or camera RAW file, which we cannot accept.", "这是 TIFF 或相机 RAW 文件，我们无法接收。"),
		Hint:    i18n.T("Export the photo as JPEG, or take it in the camera's normal (JPEG) mode.", "请将照片导出为 JPEG，或用相机的普通（JPEG）模式拍摄。"),
	},
	CodeFormatSVG: {
		Message: i18n.T("This is an SVG drawing, not a photo.", "这是 SVG 矢量图，不是照片。"),
		Hint:    i18n.T("Take a photo of the original document and upload it as JPEG or PNG.", "请拍摄证件原件，以 JPEG 或 PNG 格式上传。"),
	},
	CodeFormatVideo: {
		Message: i18n.T("This is a video or Live Photo, not a still photo.", "这是视频或实况照片（Live Photo），不是静态照片。"),
		Hint:    i18n.T("Take a still photo (turn Live off) and upload it as JPEG or PNG.", "请关闭「实况」拍摄静态照片，以 JPEG 或 PNG 格式上传。"),
	},
	CodeFormatOffice: {
		Message: i18n.T("This is an office document (Word, Excel or similar), not a photo.", "这是 Word、Excel 等办公文档，不是照片。"),
		Hint:    i18n.T("Take a photo of the original document and upload it as JPEG or PNG.", "请拍摄证件原件，以 JPEG 或 PNG 格式上传。"),
	},
	CodeFormatArchive: {
		Message: i18n.T("This is a compressed archive (ZIP, RAR, 7z…), not a photo.", "这是压缩包（ZIP、RAR、7z 等），不是照片。"),
		Hint:    i18n.T("Unpack it and upload the photo itself, as JPEG or PNG.", "请解压后上传照片本身（JPEG 或 PNG）。"),
	},
	CodeFormatText: {
		Message: i18n.T("This is a text file, not a photo.", "这是文本文件，不是照片。"),
		Hint:    i18n.T("Take a photo of the original document and upload it as JPEG or PNG.", "请拍摄证件原件，以 JPEG 或 PNG 格式上传。"),
	},
	CodeFormatUnsupported: {
		Message: i18n.T("This file is not a JPEG or PNG photo.", "该文件不是 JPEG 或 PNG 格式的照片。"),
		Hint:    i18n.T("Take a photo with the camera app and upload it as JPEG or PNG.", "请用相机拍照，以 JPEG 或 PNG 格式上传。"),
	},
	CodeImageCorrupt: {
		Message: i18n.T("The image is damaged or incomplete and cannot be read.", "图片已损坏或不完整，无法读取。"),
		Hint:    i18n.T("The upload or the file may have been cut short: take the photo again and upload it on a stable connection.", "文件可能没有完整保存或上传：请重新拍摄，并在网络稳定时上传。"),
	},
	CodeImageUnsupported: {
		Message: i18n.T("This JPEG or PNG uses an unusual encoding we cannot read (for example arithmetic coding or 12-bit colour).", "该 JPEG 或 PNG 使用了我们无法读取的特殊编码（例如算术编码或 12 位色深）。"),
		Hint:    i18n.T("Take the photo again with the camera app, or save it again as a standard JPEG.", "请用相机重新拍摄，或将图片重新保存为标准 JPEG。"),
	},
	CodeTooManyPixels: {
		Message: i18n.T("The image has too many pixels.", "图片像素过多。"),
		Hint:    i18n.T("Upload a normal camera photo of at most 40 megapixels, or export a smaller copy.", "请上传不超过 4000 万像素的普通相机照片，或导出一张较小的副本。"),
	},
	CodeDimensions: {
		Message: i18n.T("The image has an unusable size or shape.", "图片的尺寸或长宽比无法使用。"),
		Hint:    i18n.T("Upload an ordinary photo of the document, not a strip, icon or panorama.", "请上传证件的普通照片，不要上传长条图、图标或全景图。"),
	},
	CodeTooSmall: {
		Message: i18n.T("The document is too small in the photo to be read.", "照片中的证件太小，无法看清。"),
		Hint:    i18n.T("Move the camera closer so the document fills most of the frame, and upload the original photo, not a thumbnail.", "请将镜头靠近，让证件占满画面的大部分，并上传原图而不是缩略图。"),
	},
	CodeBlurry: {
		Message: i18n.T("The photo is blurry.", "照片模糊。"),
		Hint:    i18n.T("Hold the phone still, tap the document to focus, and take the photo again in good light.", "请拿稳手机，点击屏幕上的证件对焦，在光线充足处重新拍摄。"),
	},
	CodeTooDark: {
		Message: i18n.T("The photo is too dark.", "照片太暗。"),
		Hint:    i18n.T("Take the photo in a brighter place, for example near a window or under a lamp.", "请在更明亮的地方拍摄，例如靠近窗户或灯下。"),
	},
	CodeOverexposed: {
		Message: i18n.T("The photo is overexposed (too bright); details are washed out.", "照片曝光过度（太亮），细节看不清。"),
		Hint:    i18n.T("Avoid direct sunlight and the flash; take the photo in even, softer light.", "请避开阳光直射和闪光灯，在均匀、柔和的光线下拍摄。"),
	},
	CodeGlare: {
		Message: i18n.T("There is glare or a reflection on the document.", "证件上有反光或光斑。"),
		Hint:    i18n.T("Turn off the flash and tilt the document slightly away from the light so no bright spot covers it.", "请关闭闪光灯，并将证件稍微倾斜避开光源，不要让光斑遮住证件内容。"),
	},
	CodeCutOff: {
		Message: i18n.T("Part of the document is cut off or outside the photo.", "证件有部分被裁掉或在画面之外。"),
		Hint:    i18n.T("Place the whole document in the frame with a small margin on all four sides; do not crop the photo.", "请让证件完整出现在画面中，四边都留出一点空白；不要裁剪照片。"),
	},
	CodeNoFace: {
		Message: i18n.T("We cannot see the portrait on the document.", "无法看到证件上的人像照片。"),
		Hint:    i18n.T("Photograph the side of the document that carries the photo, and make sure the portrait is not covered, blurred or hidden by glare.", "请拍摄带有人像照片的一面，确保人像没有被遮挡、模糊或被反光覆盖。"),
	},
	CodeSelfieNoFace: {
		Message: i18n.T("We cannot find a face in the selfie.", "自拍照中没有找到人脸。"),
		Hint:    i18n.T("Face the camera in good light, with your whole face inside the oval and nothing covering it (no mask, no sunglasses).", "请在光线充足处正对镜头，让整张脸位于椭圆框内，不要遮挡（不戴口罩、墨镜）。"),
	},
	CodeEdgesNotFound: {
		Message: i18n.T("We could not find the edges of the document in the photo.", "未能在照片中找到证件的边缘。"),
		Hint:    i18n.T("Place the document on a plain, darker surface so its edges stand out.", "请将证件放在颜色较深、纯色的平面上拍摄，让证件边缘清晰可见。"),
		Signal:  true,
	},
	CodeScreenCapture: {
		Message: i18n.T("This looks like a screenshot or a photo of a screen.", "这看起来像截图或翻拍的屏幕。"),
		Hint:    i18n.T("Take a photo of the original physical document with your camera.", "请用相机直接拍摄证件原件。"),
		Signal:  true,
	},
	CodeDuplicate: {
		Message:   i18n.T("The same image was already used by another account.", "同一张图片已被其他账户使用。"),
		Hint:      i18n.T("For reviewers: compare the two cases.", "供审核人员使用：请比对两个案件。"),
		Sensitive: true,
		Signal:    true,
	},
}

// ReasonFor returns the reason with the given code (and ok=false for an
// unknown code, which then carries a generic message).
func ReasonFor(code string) (Reason, bool) {
	r, ok := reasons[code]
	if !ok {
		r = reasons[CodeFormatUnsupported]
	}
	r.Code = code
	return r, ok
}

// Codes returns every reason code the gate knows, for help-centre pages and
// tests.
func Codes() []string {
	out := make([]string, 0, len(reasons))
	for c := range reasons {
		out = append(out, c)
	}
	sortStrings(out)
	return out
}

func reason(code string) Reason {
	r, _ := ReasonFor(code)
	return r
}
