// Package jobs is veriwallet's durable work queue: River on the same
// database as everything else (riversqlite on SQLite, riverdatabasesql on
// PostgreSQL, so jobs are inserted in the very database/sql transaction
// that causes them). It runs verification cases and webhook deliveries.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

// VerifyArgs asks for one case to be processed.
type VerifyArgs struct {
	CaseID string `json:"case_id"`
}

// Kind implements river.JobArgs.
func (VerifyArgs) Kind() string { return "verify_case" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (VerifyArgs) InsertOpts() river.InsertOpts {
	// One spare attempt: River discards a job rescued on its last attempt
	// (its server died) without running it, which would strand the case;
	// the spare runs it, and its failure sends the case to a reviewer.
	return river.InsertOpts{MaxAttempts: verifyAttempts + 1, Queue: "verify"}
}

// verifyAttempts bounds how long a case waits on our faults before a
// reviewer gets it (with the backoff below: under a minute in all).
const verifyAttempts = 5

type verifyWorker struct {
	river.WorkerDefaults[VerifyArgs]
	q *Queue
}

func (w *verifyWorker) Work(ctx context.Context, job *river.Job[VerifyArgs]) error {
	// A job can run twice: River runs it again when its server died mid-way
	// (after RescueAfter), even if the decision was saved just before. Only
	// a run that finds the case undecided decides it (and counts it); the
	// decision is saved on the case's version, so of two runs racing one
	// saves and the other finds the case decided.
	c, err := w.q.Verification.Store.Case(ctx, job.Args.CaseID)
	if err != nil {
		return err
	}
	if c.Status != verification.StatusSubmitted && c.Status != verification.StatusProcessing {
		return nil // decided already (by an earlier run, or a reviewer)
	}
	err = w.q.Verification.Process(ctx, job.Args.CaseID)
	if errs.KindOf(err) == errs.Conflict {
		if c, cerr := w.q.Verification.Store.Case(ctx, job.Args.CaseID); cerr == nil &&
			c.Status != verification.StatusSubmitted && c.Status != verification.StatusProcessing {
			return nil // another run decided it meanwhile
		}
	}
	if err != nil && job.Attempt >= verifyAttempts {
		// Our fault, again and again: a person decides; the customer is
		// never failed for it.
		w.q.log.Error("verification failed repeatedly; sent to review", "case_id", job.Args.CaseID, "err", err)
		err = w.q.Verification.FailToReview(ctx, job.Args.CaseID, err)
	}
	if err == nil && w.q.metrics != nil {
		if c, cerr := w.q.Verification.Store.Case(ctx, job.Args.CaseID); cerr == nil && c.SubmittedAt != nil {
			w.q.metrics.decisions.WithLabelValues(string(c.Status)).Inc()
			w.q.metrics.latency.Observe(time.Since(*c.SubmittedAt).Seconds())
		}
	} else if err != nil && w.q.metrics != nil {
		w.q.metrics.failures.Inc()
	}
	return err
}

// metrics are the pipeline's Prometheus metrics.
type metrics struct {
	decisions *prometheus.CounterVec
	latency   prometheus.Histogram
	failures  prometheus.Counter
}

// Register adds the pipeline's metrics to reg: decisions by status, the
// time from submission to decision, and processing attempts that failed
// (our faults, retried).
func (q *Queue) Register(reg prometheus.Registerer) {
	q.metrics = &metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "veriwallet_verification_decisions_total",
			Help: "Automatic decisions by resulting status."}, []string{"status"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "veriwallet_verification_decision_seconds",
			Help: "Time from a case's submission to its decision.", Buckets: []float64{.1, .25, .5, 1, 2, 5, 10, 30, 60, 300}}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "veriwallet_verification_processing_failures_total",
			Help: "Processing attempts that failed on our side (retried, then sent to a reviewer)."}),
	}
	reg.MustRegister(q.metrics.decisions, q.metrics.latency, q.metrics.failures)
}

// NextRetry retries quickly: 1, 4, 9, 16 s.
func (w *verifyWorker) NextRetry(job *river.Job[VerifyArgs]) time.Time {
	return time.Now().Add(time.Duration(job.Attempt*job.Attempt) * time.Second)
}

// Timeout bounds one run: what reading a case's documents needs, with room
// (a case reads in about a second; see the README's benchmarks).
func (w *verifyWorker) Timeout(*river.Job[VerifyArgs]) time.Duration { return w.q.timeout }

// ReadDocumentArgs asks for the upload-time reading of one document.
type ReadDocumentArgs struct {
	DocumentID string `json:"document_id"`
}

// Kind implements river.JobArgs.
func (ReadDocumentArgs) Kind() string { return "read_document" }

// InsertOpts implements river.JobArgsWithInsertOpts: a queue of its own, so
// that reads at upload never hold up the processing of submitted cases.
func (ReadDocumentArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: readAttempts, Queue: "read"}
}

const readAttempts = 3

type readWorker struct {
	river.WorkerDefaults[ReadDocumentArgs]
	q *Queue
}

func (w *readWorker) Work(ctx context.Context, job *river.Job[ReadDocumentArgs]) error {
	err := w.q.Verification.ReadDocument(ctx, job.Args.DocumentID)
	if err != nil && job.Attempt >= job.MaxAttempts {
		// Ours: the reading says so; the pipeline reads again at submission.
		w.q.log.Error("document reading failed repeatedly", "document_id", job.Args.DocumentID, "err", err)
		err = w.q.Verification.FailReading(ctx, job.Args.DocumentID)
	}
	return err
}

// NextRetry retries quickly: the customer is waiting on the slot.
func (w *readWorker) NextRetry(job *river.Job[ReadDocumentArgs]) time.Time {
	return time.Now().Add(time.Duration(job.Attempt) * time.Second)
}

func (w *readWorker) Timeout(*river.Job[ReadDocumentArgs]) time.Duration { return time.Minute }

// ReadDocumentTx implements sqlstore.ReadingJobs.
func (q *Queue) ReadDocumentTx(ctx context.Context, tx *sql.Tx, documentID string) error {
	_, err := q.client.InsertTx(ctx, tx, ReadDocumentArgs{DocumentID: documentID}, nil)
	return err
}

// Webhooks is what the queue needs of the webhook service.
type Webhooks interface {
	// Deliver attempts one delivery; an error makes the queue retry it.
	Deliver(ctx context.Context, deliveryID string) error
	// EnqueueTx records one delivery per subscribed endpoint.
	EnqueueTx(ctx context.Context, tx *sql.Tx, event string, payload []byte, at time.Time) ([]string, error)
}

// WebhookArgs asks for one webhook delivery.
type WebhookArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (WebhookArgs) Kind() string { return "deliver_webhook" }

// InsertOpts implements river.JobArgsWithInsertOpts: a receiver that is
// down gets the event later (River's backoff, over about three days).
func (WebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 20, Queue: "webhooks"}
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	q *Queue
}

// Timeout bounds one delivery (the HTTP client gives up after 10 s).
func (w *webhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration { return w.q.timeout }

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	if w.q.Webhooks == nil {
		return nil
	}
	err := w.q.Webhooks.Deliver(ctx, job.Args.DeliveryID)
	if errs.Is(err, "WEBHOOK_DELIVERY_GAVE_UP") {
		return river.JobCancel(err) // marked failed; an operator can redeliver
	}
	return err
}

// NextRetry follows the webhook retry schedule (30 s doubling, at most 12 h).
func (w *webhookWorker) NextRetry(job *river.Job[WebhookArgs]) time.Time {
	return time.Now().Add(webhook.RetryDelay(job.Attempt))
}

// Queue runs the workers and queues jobs in callers' transactions.
type Queue struct {
	Verification *verification.Service // set before Start
	Webhooks     Webhooks              // nil: no webhooks
	Exports      Exporter              // nil: exports are not built
	Screening    Rescreener            // nil: re-screening jobs fail until set

	client  *river.Client[*sql.Tx]
	driver  riverdriver.Driver[*sql.Tx]
	log     *slog.Logger
	metrics *metrics
	timeout time.Duration
}

// Defaults of Options. A server killed mid-job leaves its job marked
// running; River's rescuer (on the leader, every 30 s) runs it again once
// it has been running RescueAfter. With these defaults a case whose server
// died is decided within about 90 s: 50 s, at most 30 s until the rescuer
// looks, a second's backoff, up to 5 s until the scheduler makes it
// available, and the run itself.
const (
	DefaultJobTimeout  = 45 * time.Second
	DefaultRescueAfter = 50 * time.Second
)

// Options configure the queue.
type Options struct {
	// Workers is how many verification runs and how many document
	// readings may run at once (0: Workers()).
	Workers     int
	Poll        time.Duration // how often idle workers look for jobs (0: 200 ms)
	JobTimeout  time.Duration // longest one run of a job (0: DefaultJobTimeout)
	RescueAfter time.Duration // a job running this long is run again (0: DefaultRescueAfter); more than JobTimeout
}

// Workers is the default number of CPU-bound jobs of each kind (deciding a
// case, reading a document) run at once: one per core the process may use
// (GOMAXPROCS, which follows the container's CPU limit). Reading is almost
// all of their work and waits for one of as many OCR readers (the binary
// opens Workers() of them), so the cores are kept busy without more
// readings at once than cores; the queues hand jobs out oldest first.
func Workers() int { return max(1, runtime.GOMAXPROCS(0)) }

// New prepares the queue on db. Set Verification (and Webhooks) before Start.
func New(db *sqlstore.DB, log *slog.Logger, o Options) (*Queue, error) {
	poll := o.Poll
	timeout := cmp.Or(o.JobTimeout, DefaultJobTimeout)
	rescue := cmp.Or(o.RescueAfter, DefaultRescueAfter)
	if rescue <= timeout {
		return nil, fmt.Errorf("jobs: rescue delay %s must be more than the job timeout %s", rescue, timeout)
	}
	q := &Queue{log: log, timeout: timeout}
	if db.Engine == sqlstore.Postgres {
		q.driver = riverdatabasesql.New(db.DB)
	} else {
		q.driver = riversqlite.New(db.DB)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &verifyWorker{q: q})
	river.AddWorker(workers, &webhookWorker{q: q})
	river.AddWorker(workers, &readWorker{q: q})
	river.AddWorker(workers, &exportWorker{q: q})
	river.AddWorker(workers, &rescreenWorker{q: q})
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	n := o.Workers
	if n <= 0 {
		n = Workers()
	}
	client, err := river.NewClient(q.driver, &river.Config{
		Queues: map[string]river.QueueConfig{
			"verify":    {MaxWorkers: n},
			"webhooks":  {MaxWorkers: 4},
			"read":      {MaxWorkers: n},
			"export":    {MaxWorkers: 1},
			"screening": {MaxWorkers: 1},
		},
		Workers:           workers,
		FetchPollInterval: poll,
		FetchCooldown:     poll / 2,
		JobTimeout:        timeout,
		// Just above the timeout: a job still running after it has no live
		// worker (a run that ends by timeout is retried by its own worker).
		RescueStuckJobsAfter: rescue,
		Logger:               log.With("component", "river"),
	})
	if err != nil {
		return nil, err
	}
	q.client = client
	return q, nil
}

// Migrate creates or updates River's tables.
func (q *Queue) Migrate(ctx context.Context) error {
	m, err := rivermigrate.New(q.driver, nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// Start starts working jobs until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if q.Verification == nil {
		return errors.New("jobs: Verification not set")
	}
	return q.client.Start(ctx)
}

// Stop stops the workers, letting running jobs finish. When ctx has a
// deadline, jobs still running 4 s before it are cancelled (River's hard
// stop): their attempt ends as an error, and the job is retried, on this
// or any other server, instead of waiting for the rescue of a dead one.
func (q *Queue) Stop(ctx context.Context) error {
	d, ok := ctx.Deadline()
	if !ok {
		return q.client.Stop(ctx)
	}
	soft, cancel := context.WithDeadline(ctx, d.Add(-4*time.Second))
	defer cancel()
	if err := q.client.Stop(soft); err == nil || ctx.Err() != nil {
		return err
	}
	return q.client.StopAndCancel(ctx)
}

// VerifyCaseTx implements sqlstore.Jobs.
func (q *Queue) VerifyCaseTx(ctx context.Context, tx *sql.Tx, caseID string) error {
	_, err := q.client.InsertTx(ctx, tx, VerifyArgs{CaseID: caseID}, nil)
	return err
}

// Redeliver queues a webhook delivery again.
func (q *Queue) Redeliver(ctx context.Context, deliveryID string) error {
	_, err := q.client.Insert(ctx, WebhookArgs{DeliveryID: deliveryID}, nil)
	return err
}

// Payload is the body of a verification webhook.
type Payload struct {
	Event        string              `json:"event"`
	OccurredAt   time.Time           `json:"occurred_at"`
	Verification PayloadVerification `json:"verification"`
}

// PayloadVerification is the case in a webhook: ids, status and the codes
// a customer may see (never sensitive ones, never personal data).
type PayloadVerification struct {
	ID      string   `json:"id"`
	UserID  string   `json:"user_id"`
	Level   string   `json:"level"`
	Status  string   `json:"status"`
	Reasons []string `json:"reasons"`
}

// DecidedTx implements sqlstore.Jobs: it queues the webhook event of the
// case's new status.
func (q *Queue) DecidedTx(ctx context.Context, tx *sql.Tx, c *verification.Case, d verification.Decision, at time.Time) error {
	if q.Webhooks == nil {
		return nil
	}
	event, ok := verification.WebhookEvent(d.Status)
	if !ok {
		return nil
	}
	reasons := []string{}
	for _, r := range verification.CustomerReasons(d.Status, d.Findings, "en") {
		reasons = append(reasons, r.Code)
	}
	body, err := json.Marshal(Payload{Event: event, OccurredAt: at.UTC(), Verification: PayloadVerification{
		ID: c.ID, UserID: c.UserID, Level: string(c.Level), Status: string(d.Status), Reasons: reasons}})
	if err != nil {
		return err
	}
	ids, err := q.Webhooks.EnqueueTx(ctx, tx, event, body, at)
	if err != nil {
		return fmt.Errorf("webhook outbox: %w", err)
	}
	for _, id := range ids {
		if _, err := q.client.InsertTx(ctx, tx, WebhookArgs{DeliveryID: id}, nil); err != nil {
			return err
		}
	}
	return nil
}

// WalletEventTx implements sqlstore.WalletJobs: it queues the deliveries
// of a wallet webhook event in the caller's transaction.
func (q *Queue) WalletEventTx(ctx context.Context, tx *sql.Tx, event string, payload []byte, at time.Time) error {
	if q.Webhooks == nil {
		return nil
	}
	ids, err := q.Webhooks.EnqueueTx(ctx, tx, event, payload, at)
	if err != nil {
		return fmt.Errorf("webhook outbox: %w", err)
	}
	for _, id := range ids {
		if _, err := q.client.InsertTx(ctx, tx, WebhookArgs{DeliveryID: id}, nil); err != nil {
			return err
		}
	}
	return nil
}
