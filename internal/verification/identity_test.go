package verification

import (
	"slices"
	"testing"
	"time"
)

func TestIdentityHash(t *testing.T) {
	key := []byte("server-key")
	a := adult()
	h := IdentityHash(key, a)
	if len(h) != 64 {
		t.Fatalf("hash %q", h)
	}
	spaced := a
	spaced.IDNumber = a.IDNumber[:6] + " " + a.IDNumber[6:]
	spaced.IDType = " CN_RESIDENT"
	spaced.FullName = "李四"
	if IdentityHash(key, spaced) != h {
		t.Error("normalisation or the name changes the identity")
	}
	if IdentityHash([]byte("other"), a) == h {
		t.Error("the key does not matter")
	}
	p1, p2 := foreigner(), foreigner()
	p2.Nationality = "IRL"
	if IdentityHash(key, p1) == IdentityHash(key, p2) {
		t.Error("same passport number of two countries is one identity")
	}
	if IdentityHash(key, Applicant{IDType: IDCNResident}) != "" {
		t.Error("empty number hashed")
	}
	if h == a.IDNumber || len(h) == len(a.IDNumber) {
		t.Error("not a hash")
	}
}

func TestWebhookEvent(t *testing.T) {
	n := 0
	for _, s := range Statuses {
		ev, ok := WebhookEvent(s)
		if ok {
			n++
			if ev != "verification."+string(s) {
				t.Errorf("%s → %s", s, ev)
			}
		}
	}
	if n != 5 {
		t.Errorf("%d statuses send webhooks, want 5", n)
	}
}

func TestSteps(t *testing.T) {
	got := Steps(Requirements(LevelStandard, foreigner(), at))
	want := []string{StepApplicant, StepPhone, "documents:passport", "documents:visa"}
	if !slices.Equal(got, want) {
		t.Errorf("steps = %v, want %v", got, want)
	}
	if got := Steps(Requirements(LevelEnhanced, adult(), at)); got[len(got)-1] != "review" {
		t.Errorf("enhanced steps = %v", got)
	}
}

func TestAttemptPolicyLeft(t *testing.T) {
	p := DefaultLevels().Attempts
	now := at
	subs := []time.Time{now.Add(-time.Hour), now.Add(-2 * time.Hour), now.Add(-3 * time.Hour), now.Add(-4 * time.Hour), now.Add(-5 * time.Hour)}
	if left, next := p.Left(subs, now); left != 0 || !next.Equal(now.Add(19*time.Hour)) {
		t.Errorf("left %d next %v", left, next)
	}
}
