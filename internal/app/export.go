package app

import (
	"context"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/export"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
)

// ExportTTL is how long a finished export can be downloaded (once).
const ExportTTL = 24 * time.Hour

// RequestExport asks for a personal data export of userID: a job builds
// it (a pending one is returned instead of a second).
func (a *App) RequestExport(ctx context.Context, userID string) (*sqlstore.Export, error) {
	now := a.now().UTC().Truncate(time.Microsecond)
	e := &sqlstore.Export{ID: newID("exp"), UserID: userID, Status: "pending", CreatedAt: now, ExpiresAt: now.Add(ExportTTL)}
	return a.db.Exports().Create(ctx, e, a.Queue.ExportTx)
}

// LatestExport returns the user's latest export request.
// Errors: NotFound EXPORT_NOT_FOUND.
func (a *App) LatestExport(ctx context.Context, userID string) (*sqlstore.Export, error) {
	return a.db.Exports().Latest(ctx, userID, a.now())
}

// DownloadExport returns the ZIP of the user's ready export id, once: the
// file is deleted as it is handed out. Errors: NotFound EXPORT_NOT_FOUND.
func (a *App) DownloadExport(ctx context.Context, userID, id string) ([]byte, error) {
	if id == "" || len(id) > 64 {
		return nil, sqlstore.ErrExportNotFound()
	}
	key, err := a.db.Exports().TakeDownload(ctx, userID, id, a.now())
	if err != nil {
		return nil, err
	}
	b, err := a.blobs.Get(ctx, key)
	if errs.KindOf(err) == errs.NotFound {
		return nil, sqlstore.ErrExportNotFound()
	}
	if err != nil {
		return nil, err
	}
	_ = a.blobs.Delete(context.WithoutCancel(ctx), key)
	return b, nil
}

// BuildExport implements jobs.Exporter.
func (a *App) BuildExport(ctx context.Context, id string) error {
	e, err := a.db.Exports().Get(ctx, id)
	if err != nil || e.Status != "pending" {
		return err
	}
	now := a.now().UTC().Truncate(time.Microsecond)
	zip, err := export.ZIP(ctx, e.UserID, now, a.exportSources())
	if err != nil {
		return err
	}
	key := "exports/" + e.ID + ".zip"
	if err := a.blobs.Put(ctx, key, zip); err != nil {
		return err
	}
	return a.db.Exports().MarkReady(ctx, e.ID, key, int64(len(zip)), now, now.Add(ExportTTL))
}

// sweepExports deletes the files of exports nobody downloaded in time.
func (a *App) sweepExports(ctx context.Context) error {
	keys, err := a.db.Exports().Expired(ctx, a.now())
	for _, k := range keys {
		if err := a.blobs.Delete(ctx, k); err != nil && errs.KindOf(err) != errs.NotFound {
			return err
		}
	}
	return err
}

// exportSources are the sections of an export: the account, its
// verifications (with decisions and the reasons a customer may see), its
// documents (with their photos), its messages, then those the options add
// (tickets, transactions).
func (a *App) exportSources() []export.Source {
	src := []export.Source{
		export.SourceFunc(func(ctx context.Context, uid string) (*export.Section, error) {
			u, err := a.db.Accounts().UserByID(ctx, uid)
			if err != nil {
				return nil, err
			}
			consents, err := a.Accounts.Consents(ctx, uid)
			if err != nil {
				return nil, err
			}
			rec := map[string]any{"id": u.ID, "email": u.Email, "phone": u.Phone, "role": string(u.Role),
				"created_at": u.CreatedAt.Format(time.RFC3339), "consents": consents}
			return &export.Section{Name: "account", Records: []map[string]any{rec}}, nil
		}),
		export.SourceFunc(func(ctx context.Context, uid string) (*export.Section, error) {
			cs, err := a.Verifications.List(ctx, uid)
			if err != nil {
				return nil, err
			}
			var views []any
			for _, c := range cs {
				if c.UserID != uid {
					continue
				}
				v, err := a.Verifications.ViewOf(ctx, c, i18n.ZH)
				if err != nil {
					return nil, err
				}
				views = append(views, v)
			}
			recs, err := export.Records(views)
			return &export.Section{Name: "verifications", Records: recs}, err
		}),
		export.SourceFunc(func(ctx context.Context, uid string) (*export.Section, error) {
			ids, err := a.db.Accounts().DocumentIDs(ctx, uid)
			if err != nil {
				return nil, err
			}
			s := &export.Section{Name: "documents", Records: []map[string]any{}}
			for _, id := range ids {
				d, img, err := a.Documents.Image(ctx, uid, false, id)
				if err != nil && errs.KindOf(err) != errs.NotFound {
					return nil, err
				}
				if d == nil {
					if d, err = a.Documents.Get(ctx, uid, false, id); err != nil {
						return nil, err
					}
				}
				rec := map[string]any{"id": d.ID, "kind": string(d.Kind), "format": d.Format, "accepted": d.Accepted,
					"created_at": d.CreatedAt.Format(time.RFC3339), "reasons": d.PublicReasons()}
				if img != nil {
					rec["file"] = "documents/" + d.ID + ".jpg"
					s.Files = append(s.Files, export.File{Name: d.ID + ".jpg", Data: img})
				}
				s.Records = append(s.Records, rec)
			}
			return s, nil
		}),
		export.SourceFunc(func(ctx context.Context, uid string) (*export.Section, error) {
			ms, err := a.Cases.Messages(ctx, uid, 10000)
			if err != nil {
				return nil, err
			}
			recs, err := export.Records(ms)
			if err != nil {
				return nil, err
			}
			ns, err := a.Accounts.Notices(ctx, uid)
			if err != nil {
				return nil, err
			}
			nrecs, err := export.Records(ns)
			return &export.Section{Name: "messages", Records: append(recs, nrecs...)}, err
		}),
	}
	return append(src, a.extraSources...)
}
