package app

import (
	"context"

	"github.com/veriwallet/veriwallet/internal/server"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// facesCheck is the /readyz component "faces": optional, so that a replica
// without the face models stays in the balancer (cases that need a selfie
// go to a reviewer meanwhile), while the body says why it is unavailable.
func facesCheck(f verification.FaceAnalyzer) server.Check {
	return server.Check{Name: "faces", Optional: true, Check: func(context.Context) error {
		if f == nil {
			return verification.ErrFacesUnavailable
		}
		return f.Available()
	}}
}
