package jobs

import (
	"context"
	"database/sql"
	"time"

	"github.com/riverqueue/river"
)

// Exporter builds personal data exports (the app implements it).
type Exporter interface {
	// BuildExport makes export id's ZIP and stores it; an error retries.
	BuildExport(ctx context.Context, id string) error
}

// ExportArgs asks for one personal data export.
type ExportArgs struct {
	ExportID string `json:"export_id"`
}

// Kind implements river.JobArgs.
func (ExportArgs) Kind() string { return "build_export" }

// InsertOpts implements river.JobArgsWithInsertOpts: the verification
// queue's workers are not held up by exports.
func (ExportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, Queue: "export"}
}

type exportWorker struct {
	river.WorkerDefaults[ExportArgs]
	q *Queue
}

func (w *exportWorker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	if w.q.Exports == nil {
		return nil
	}
	return w.q.Exports.BuildExport(ctx, job.Args.ExportID)
}

func (w *exportWorker) Timeout(*river.Job[ExportArgs]) time.Duration { return 5 * time.Minute }

// ExportTx queues the building of export id in tx.
func (q *Queue) ExportTx(ctx context.Context, tx *sql.Tx, id string) error {
	_, err := q.client.InsertTx(ctx, tx, ExportArgs{ExportID: id}, nil)
	return err
}
