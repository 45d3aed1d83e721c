package config

import (
	"io"
	"testing"
)

func TestFaceSettings(t *testing.T) {
	c, err := Load("serve", nil, env(nil), io.Discard)
	if err != nil || c.FaceDir != "" || c.FaceMatch != nil || c.FaceReview != nil || c.FaceLive != nil {
		t.Fatalf("defaults: %v %+v", err, c.FaceSettings)
	}
	c, err = Load("serve", []string{"--face-dir", "/opt/faces", "--face-match-threshold", "0.6", "--face-live-threshold", "0.7"},
		env(map[string]string{"VERIWALLET_FACE_REVIEW_THRESHOLD": "0.35"}), io.Discard)
	if err != nil || c.FaceDir != "/opt/faces" || *c.FaceMatch != 0.6 || *c.FaceReview != 0.35 || *c.FaceLive != 0.7 {
		t.Fatalf("set: %v %+v", err, c.FaceSettings)
	}
	for _, bad := range [][]string{{"--face-match-threshold", "1.5"}, {"--face-live-threshold", "-0.1"}, {"--face-review-threshold", "NaN"},
		{"--face-match-threshold", "x"}, {"--face-match-threshold", "0.4", "--face-review-threshold", "0.5"}} {
		if _, err := Load("serve", bad, env(nil), io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
