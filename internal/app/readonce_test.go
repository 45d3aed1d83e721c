package app

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	docsynth "github.com/veriwallet/veriwallet/internal/document/gen/synth"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// slowReader reads what is printed on the test's card, slowly (as OCR
// does), and counts its reads.
type slowReader struct {
	n    atomic.Int32
	name string
	num  string
}

func (*slowReader) Available() error    { return nil }
func (*slowReader) CanRead(string) bool { return true }
func (r *slowReader) Read(ctx context.Context, kind document.Kind, img []byte) (verification.Reading, error) {
	r.n.Add(1)
	time.Sleep(150 * time.Millisecond)
	rd := verification.Reading{Kind: string(kind), KindConfidence: 1, Engine: "slow", Version: "1"}
	if kind == document.KindIDBack {
		rd.Fields = verification.ReadFields{"valid_until": {Value: "2040-01-01", Confidence: 1}}
	} else {
		rd.Fields = verification.ReadFields{"name": {Value: r.name, Confidence: 1}, "id_number": {Value: r.num, Confidence: 1}}
	}
	return rd, nil
}

// Under load the upload-time reading jobs wait in the queue behind others
// while the case is decided: the decision runs a pending reading itself and
// keeps it, so each photo is read once, not once by the decision and again
// by its job (or by both at the same moment).
func TestEachPhotoReadOnce(t *testing.T) {
	reader := &slowReader{name: "王小明", num: "11010519491231002X"}
	codes := &lastCode{}
	cfg := identity.DefaultConfig
	cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	a, err := New(context.Background(), Options{DB: sqltest.Open(t, "sqlite"), Keys: sqltest.Keyring(t), DataDir: t.TempDir(),
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Accounts: cfg, Reader: reader, Sender: codes})
	if err != nil {
		t.Fatal(err)
	}
	ctx, v := context.Background(), a.Verifications
	u, err := a.Accounts.Register(ctx, identity.RegisterInput{Email: "once@example.com", Password: "long enough pass", AcceptTermsVersion: identity.DefaultTermsVersion})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Accounts.GiveConsent(ctx, u.ID, identity.ConsentSensitive, identity.DefaultConfig.PrivacyVersion); err != nil {
		t.Fatal(err)
	}
	c, err := v.Create(ctx, u.ID, verification.LevelStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, fes, err := v.UpdateApplicant(ctx, u.ID, c.ID, verification.Applicant{FullName: reader.name, IDType: verification.IDCNResident,
		IDNumber: reader.num, Phone: "13800138000"}); err != nil || len(fes) > 0 {
		t.Fatalf("applicant: %v %+v", err, fes)
	}
	if err := v.SendPhoneCode(ctx, u.ID, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := v.ConfirmPhone(ctx, u.ID, c.ID, codes.code); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, slot := range []string{verification.DocIDFront, verification.DocIDBack} {
		side := docsynth.Front
		if i == 1 {
			side = docsynth.Back
		}
		photo, err := docsynth.Encode(docsynth.Spec{Seed: uint64(40 + i), W: 1000, H: 750, Side: side, CardWidth: 0.7,
			CX: 0.5, CY: 0.5, Angle: 3, Noise: 0.8, Quality: 88})
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := a.Documents.Create(ctx, u.ID, verification.GateKind(slot), photo)
		if err != nil || !d.Accepted {
			t.Fatalf("upload %s: %v %+v", slot, err, d)
		}
		if r, err := v.QueueReading(ctx, d); err != nil || r.Status != verification.ReadingPending {
			t.Fatalf("queue reading: %v %+v", err, r)
		}
		if _, err := v.AttachDocument(ctx, u.ID, c.ID, slot, d.ID); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	if _, err := v.Submit(ctx, u.ID, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	// The front's reading job starts at the moment the decision needs it.
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := v.ReadDocument(ctx, ids[0]); err != nil {
			t.Error(err)
		}
	})
	if err := v.Process(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	// The back's job runs late, after the decision.
	if err := v.ReadDocument(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if n := reader.n.Load(); n != 2 {
		t.Errorf("two photos read %d times", n)
	}
	for _, id := range ids {
		r, err := v.DocumentReading(ctx, id)
		if err != nil || r == nil || r.Status != verification.ReadingDone {
			t.Errorf("reading of %s: %v %+v", id, err, r)
		}
	}
	got, err := v.Store.Case(ctx, c.ID)
	if err != nil || got.Status != verification.StatusApproved {
		t.Errorf("case: %v %s %+v", err, got.Status, got.Decision)
	}
}
