package identity

import (
	"context"

	"github.com/talent-hub/talent/backend/fieldcrypt"
)

// FaceVerifier is the seam for a cloud face-verification service (ID-4):
// the standard asks for face recognition at step-up; passkeys, whose
// device biometrics verify the person locally, satisfy it today, and a
// deployment that must compare a live face with the ID card photo on file
// plugs an adapter for its provider (e.g. Aliyun or Tencent Cloud real-person
// verification) in here. No adapter ships yet: this interface is the
// contract such an adapter must meet.
//
// Contract:
//   - VerifyFace compares the live capture identified by token (from the
//     provider's client SDK, which the app runs) with the person behind
//     check.IDNumber and check.RealName, and returns a
//     FaceResult. It never stores the images.
//   - It returns an error only when the provider could not give an answer
//     (network, quota, bad credentials); a face that does not match is a
//     FaceResult with Match false, not an error.
//   - It is safe for concurrent use and honours ctx's deadline.
//   - Score is the provider's similarity in [0, 1]; Match is the
//     provider's own decision at its recommended threshold.
//   - It must not log the ID number or the name.
type FaceVerifier interface {
	VerifyFace(ctx context.Context, check FaceCheck) (FaceResult, error)
}

// FaceCheck is one face verification request.
type FaceCheck struct {
	// Token identifies the live capture at the provider.
	Token string
	// IDNumber and RealName identify the person to compare against.
	IDNumber fieldcrypt.Secret
	RealName string
}

// FaceResult is the provider's answer.
type FaceResult struct {
	Match bool
	Score float64
	// ProviderRef is the provider's request ID, for audits and disputes.
	ProviderRef string
}
