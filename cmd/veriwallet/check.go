package main

import (
	"io"
	"time"

	"github.com/veriwallet/veriwallet/internal/checkcmd"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/face"
	"github.com/veriwallet/veriwallet/internal/ocr"
)

func init() {
	checkcmd.Register("image", "[--kind KIND] [--lang en|zh-CN] FILE\n\trun the document image gate on a photo",
		func(args []string, stdout, stderr io.Writer, _ func() time.Time) int {
			return document.RunCheckImage(args, stdout, stderr)
		})
	checkcmd.Register("document", "--kind id_front|id_back|passport|residence_permit FILE\n\tread a document photo (OCR); exit 3 when OCR is not installed",
		func(args []string, stdout, stderr io.Writer, _ func() time.Time) int {
			return ocr.RunCheckDocument(args, stdout, stderr)
		})
	checkcmd.Register("face", "--document FILE --selfie FILE\n\tcompare a selfie with a document's portrait; exit 3 when the face models are not installed",
		func(args []string, stdout, stderr io.Writer, _ func() time.Time) int {
			return face.RunCheckFace(args, stdout, stderr)
		})
	checkcmd.Register("face-eval", "--pairs FILE.csv [--match X --review Y --live Z] [--rows]\n\tfalse match / non-match rates on labelled pairs (document,selfie,same[,live])",
		func(args []string, stdout, stderr io.Writer, _ func() time.Time) int {
			return face.RunEvaluate(args, stdout, stderr)
		})
}

// check runs `veriwallet check …`; its exit status says valid (0), invalid (1)
// or usage error (2).
func check(args []string, stdout, stderr io.Writer) error {
	if code := checkcmd.Run(args, stdout, stderr, time.Now); code != 0 {
		return exitCode(code)
	}
	return nil
}
