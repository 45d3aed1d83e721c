package jobs

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/riverqueue/river"
)

// Rescreener re-screens approved customers in batches (screening.Service).
type Rescreener interface {
	RescreenBatch(ctx context.Context, listID int64, n int) (done bool, err error)
}

// RescreenArgs asks for the re-screening of every approved customer after
// list version ListID was imported.
type RescreenArgs struct {
	ListID int64 `json:"list_id"`
}

// Kind implements river.JobArgs.
func (RescreenArgs) Kind() string { return "screening_rescreen" }

// InsertOpts implements river.JobArgsWithInsertOpts: a queue of its own, one
// worker, so that re-screening never holds up cases.
func (RescreenArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 25, Queue: "screening"}
}

// RescreenBatchSize is how many customers one batch screens (and commits).
const RescreenBatchSize = 500

type rescreenWorker struct {
	river.WorkerDefaults[RescreenArgs]
	q *Queue
}

// Work screens batches for a while, then snoozes to let other jobs run; the
// cursor in the database says where the next run begins, so a run killed
// halfway resumes after its last committed batch.
func (w *rescreenWorker) Work(ctx context.Context, job *river.Job[RescreenArgs]) error {
	if w.q.Screening == nil {
		return errors.New("screening not configured")
	}
	until := time.Now().Add(w.q.timeout / 2)
	for {
		done, err := w.q.Screening.RescreenBatch(ctx, job.Args.ListID, RescreenBatchSize)
		if err != nil || done {
			return err
		}
		if time.Now().After(until) {
			return river.JobSnooze(time.Millisecond)
		}
	}
}

// RescreenTx implements sqlstore.ScreeningJobs.
func (q *Queue) RescreenTx(ctx context.Context, tx *sql.Tx, listID int64) error {
	_, err := q.client.InsertTx(ctx, tx, RescreenArgs{ListID: listID}, nil)
	return err
}
