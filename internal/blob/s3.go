package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// S3Config configures an S3 store (Amazon S3 or any S3-compatible server:
// MinIO, Ceph RGW, versitygw, Aliyun OSS, …).
type S3Config struct {
	Bucket string // must exist: veriwallet never creates buckets
	Prefix string // objects go under Prefix/ ("": the bucket's root)
	// Endpoint is the server's URL ("http://127.0.0.1:7070",
	// "https://oss-cn-hangzhou.aliyuncs.com") or host[:port] for HTTPS;
	// "" means Amazon S3 (s3.amazonaws.com).
	Endpoint string
	Region   string // "" lets the client ask the server (us-east-1 for most self-hosted ones)
	// Lookup picks how the bucket is addressed: "auto" (or ""): virtual-hosted
	// for Amazon and Aliyun, path-style elsewhere; "path": always
	// http://host/bucket/key (self-hosted stores); "virtual": always
	// http://bucket.host/key.
	Lookup                             string
	AccessKey, SecretKey, SessionToken string
	// PartSize: objects larger than this go up in parts of this size, in
	// parallel (0: DefaultS3PartSize; at least 5 MiB, S3's minimum).
	PartSize uint64
	// MaxRetries bounds the attempts of one request on a 5xx answer, a
	// throttle or a network failure or timeout, with exponential backoff
	// and jitter from 200 ms to 1 s between them (0: DefaultS3Retries).
	MaxRetries int
	// Timeout bounds the wait for the answer's headers of one attempt; a
	// server that does not answer in time counts as a failed attempt and is
	// retried (0: DefaultS3Timeout).
	Timeout time.Duration
}

// Defaults for S3Config.
const (
	DefaultS3PartSize = 16 << 20
	DefaultS3Retries  = 8
	DefaultS3Timeout  = 30 * time.Second
	minS3PartSize     = 5 << 20
	// maxS3Prefix keeps prefix + "/" + the longest key (MaxKeyLen) within
	// S3's 1024-byte object names.
	maxS3Prefix = 1024 - 1 - MaxKeyLen
)

// Start-up errors of NewS3; each is returned as a copy wrapping the detail
// (bucket, endpoint, the server's answer) for the operator, so test with
// errs.Is(err, ErrS3BucketMissing.Code).
var (
	// ErrS3Config: the settings cannot work (bucket name, endpoint URL,
	// prefix, part size, half of the credentials).
	ErrS3Config = errs.New(errs.Invalid, "BLOB_S3_CONFIG_INVALID",
		"The S3 storage settings are not valid.",
		"S3 存储配置无效。")
	// ErrS3BucketMissing: the server answered that the bucket does not exist.
	ErrS3BucketMissing = errs.New(errs.Unavailable, "BLOB_S3_BUCKET_MISSING",
		"The S3 bucket does not exist: create it first (veriwallet never creates buckets).",
		"S3 存储桶不存在：请先创建（veriwallet 不会自动创建存储桶）。")
	// ErrS3AccessDenied: the credentials are wrong, or may not read, write
	// or list the bucket.
	ErrS3AccessDenied = errs.New(errs.Unavailable, "BLOB_S3_ACCESS_DENIED",
		"The S3 store refused the credentials or their permissions: check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's policy (read, write, delete and list are needed).",
		"S3 存储拒绝了凭据或其权限：请检查 AWS_ACCESS_KEY_ID、AWS_SECRET_ACCESS_KEY 以及存储桶策略（需要读、写、删除和列出权限）。")
	// ErrS3Unreachable: no answer from the endpoint (after the retries).
	ErrS3Unreachable = errs.New(errs.Unavailable, "BLOB_S3_UNREACHABLE",
		"The S3 store cannot be reached: check the endpoint and the network.",
		"无法连接 S3 存储：请检查端点地址和网络。")
	// ErrUnavailable: a store operation failed after its retries (the S3
	// server is down, overloaded or refusing); the caller may try again.
	// Returned wrapping the cause: test with errs.Is(err, ErrUnavailable.Code).
	ErrUnavailable = retryAfter(errs.New(errs.Unavailable, "BLOB_UNAVAILABLE",
		"File storage is unavailable right now. Please try again in a moment; nothing you sent before was lost.",
		"文件存储暂时不可用，请稍后重试；您之前提交的内容没有丢失。"), 5*time.Second)
)

func retryAfter(e *errs.Error, d time.Duration) *errs.Error { e.RetryAfter = d; return e }

// S3 is a Store on an S3 bucket, under a prefix. Puts are atomic (S3
// replaces an object whole); objects larger than the part size go up as
// multipart uploads (an interrupted one is aborted). Walk lists keys in
// byte order of the whole key ("d-2/y" before "d/x", unlike Local). Safe for
// concurrent use.
type S3 struct {
	c        *minio.Client
	bucket   string
	prefix   string // "" or ending in "/"
	partSize uint64
	endpoint string
}

var _ Store = (*S3)(nil)

// ParseS3URL splits "s3://bucket/prefix" (the --blob setting) into the
// bucket and the prefix (without slashes at either end). ok is false when
// s is not an s3:// URL. Errors: ErrS3Config.
func ParseS3URL(s string) (bucket, prefix string, ok bool, err error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return "", "", false, nil
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")
	if strings.ContainsAny(s, "?#") {
		return "", "", true, ErrS3Config.Wrap(fmt.Errorf("%q: no query or fragment in the blob URL (endpoint, region and credentials have their own settings)", s))
	}
	if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
		return "", "", true, ErrS3Config.Wrap(fmt.Errorf("bucket %q: %w", bucket, err))
	}
	if prefix != "" && (!ValidKey(prefix) || len(prefix) > maxS3Prefix) {
		return "", "", true, ErrS3Config.Wrap(fmt.Errorf("prefix %q: at most %d bytes of letters, digits and / _ . -, no empty or dot-led segments", prefix, maxS3Prefix))
	}
	return bucket, prefix, true, nil
}

// NewS3 connects to the bucket and checks, before anything is stored, that it
// exists and that the credentials may write, read, list and delete there
// (with a small probe object that no key can name, deleted at once). ctx
// bounds the check. Errors: ErrS3Config, ErrS3BucketMissing,
// ErrS3AccessDenied, ErrS3Unreachable (each wrapping the detail).
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	host, secure, err := s3Endpoint(cfg.Endpoint)
	if err != nil {
		return nil, ErrS3Config.Wrap(err)
	}
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return nil, ErrS3Config.Wrap(fmt.Errorf("bucket %q: %w", cfg.Bucket, err))
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" && (!ValidKey(prefix) || len(prefix) > maxS3Prefix) {
		return nil, ErrS3Config.Wrap(fmt.Errorf("prefix %q: at most %d bytes of letters, digits and / _ . -", cfg.Prefix, maxS3Prefix))
	}
	if prefix != "" {
		prefix += "/"
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return nil, ErrS3Config.Wrap(errors.New("give both the access key (AWS_ACCESS_KEY_ID) and the secret key (AWS_SECRET_ACCESS_KEY), or neither"))
	}
	lookup := minio.BucketLookupAuto
	switch cfg.Lookup {
	case "", "auto":
	case "path":
		lookup = minio.BucketLookupPath
	case "virtual":
		lookup = minio.BucketLookupDNS
	default:
		return nil, ErrS3Config.Wrap(fmt.Errorf("path style %q: want auto, path or virtual", cfg.Lookup))
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultS3PartSize
	}
	if cfg.PartSize < minS3PartSize || cfg.PartSize > 5<<30 {
		return nil, ErrS3Config.Wrap(fmt.Errorf("part size %d: between 5 MiB and 5 GiB", cfg.PartSize))
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = DefaultS3Retries
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultS3Timeout
	}
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, ErrS3Config.Wrap(err)
	}
	tr.ResponseHeaderTimeout = cfg.Timeout
	tr.DialContext = (&net.Dialer{Timeout: min(cfg.Timeout, 10*time.Second), KeepAlive: 30 * time.Second}).DialContext
	var creds *credentials.Credentials
	if cfg.AccessKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	} else {
		// No keys given: the instance's role (EC2, ECS, web identity).
		creds = credentials.NewIAM("")
		if _, err := creds.GetWithContext(&credentials.CredContext{Client: &http.Client{Transport: tr}, Context: ctx}); err != nil {
			return nil, ErrS3AccessDenied.Wrap(fmt.Errorf("no access key given (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and no instance role found: %w", err))
		}
	}
	c, err := minio.New(host, &minio.Options{Creds: creds, Secure: secure, Region: cfg.Region, BucketLookup: lookup,
		Transport: tr, MaxRetries: cfg.MaxRetries})
	if err != nil {
		return nil, ErrS3Config.Wrap(err)
	}
	scheme := "https"
	if !secure {
		scheme = "http"
	}
	s := &S3{c: c, bucket: cfg.Bucket, prefix: prefix, partSize: cfg.PartSize, endpoint: scheme + "://" + host}
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// s3Endpoint turns the endpoint setting into minio's host and TLS flag.
func s3Endpoint(e string) (host string, secure bool, err error) {
	if e == "" {
		return "s3.amazonaws.com", true, nil
	}
	if !strings.Contains(e, "://") {
		e = "https://" + e
	}
	u, err := url.Parse(e)
	if err != nil {
		return "", false, fmt.Errorf("endpoint: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", false, fmt.Errorf("endpoint %q: want http(s)://host[:port] (the bucket goes in --blob, credentials in their own settings)", e)
	}
	return u.Host, u.Scheme == "https", nil
}

// check is NewS3's start-up probe. It lists first (a GET: unlike HEAD, its
// error answer has a body saying why), then writes and deletes a probe.
func (s *S3) check(ctx context.Context) error {
	where := fmt.Errorf("bucket %q at %s", s.bucket, s.endpoint)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range s.c.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, MaxKeys: 1}) {
		if o.Err != nil {
			return s.startErr(fmt.Errorf("%w: listing", where), o.Err)
		}
		break
	}
	if err := ctx.Err(); err != nil {
		return ErrS3Unreachable.Wrap(fmt.Errorf("%w: %w", where, err))
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	probe := s.prefix + ".veriwallet-probe-" + hex.EncodeToString(b[:])
	if _, err := s.c.PutObject(ctx, s.bucket, probe, bytes.NewReader([]byte("probe")), 5,
		minio.PutObjectOptions{ContentType: "application/octet-stream"}); err != nil {
		return s.startErr(fmt.Errorf("%w: writing a probe object", where), err)
	}
	if err := s.c.RemoveObject(ctx, s.bucket, probe, minio.RemoveObjectOptions{}); err != nil {
		return s.startErr(fmt.Errorf("%w: deleting the probe object %s", where, probe), err)
	}
	return nil
}

// deniedCodes are the S3 answers that mean the credentials are wrong or
// lack a permission (XAdminUserNotFound: versitygw's unknown access key).
var deniedCodes = map[string]bool{"AccessDenied": true, "InvalidAccessKeyId": true, "SignatureDoesNotMatch": true,
	"InvalidToken": true, "ExpiredToken": true, "TokenRefreshRequired": true, "XAdminUserNotFound": true, "AllAccessDisabled": true}

func (s *S3) startErr(where, err error) error {
	cause := fmt.Errorf("%w: %w", where, err)
	r := minio.ToErrorResponse(err)
	switch {
	case r.Code == minio.NoSuchBucket:
		return ErrS3BucketMissing.Wrap(cause)
	case deniedCodes[r.Code] || r.StatusCode == http.StatusForbidden || r.StatusCode == http.StatusUnauthorized:
		return ErrS3AccessDenied.Wrap(cause)
	}
	// No answer, or not one S3 gives for these cases (a wrong endpoint).
	return ErrS3Unreachable.Wrap(cause)
}

// name is the object name of key.
func (s *S3) name(key string) string { return s.prefix + key }

// Put uploads data under key, in parallel parts when it is larger than the
// part size. Errors: ErrInvalidKey, ctx.Err(), ErrUnavailable (wrapping the
// server's answer) after the retries.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.c.PutObject(ctx, s.bucket, s.name(key), bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: s.partSize})
	if err != nil {
		return s.opErr(ctx, "put", key, err)
	}
	return nil
}

// Get downloads the object under key. Errors: ErrInvalidKey, ErrNotFound,
// ctx.Err(), ErrUnavailable.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A body cut off half way is fetched once more (the client retries
	// only until the answer's headers).
	b, cut, err := s.get(ctx, key)
	if cut && ctx.Err() == nil {
		b, _, err = s.get(ctx, key)
	}
	return b, err
}

// get is one GET: Core's, not Client.GetObject's Object, which stats first
// and then reads with If-Match, so that a concurrent replace would fail it.
// cut: the answer began but its body did not arrive whole.
func (s *S3) get(ctx context.Context, key string) (b []byte, cut bool, err error) {
	body, st, _, err := minio.Core{Client: s.c}.GetObject(ctx, s.bucket, s.name(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, false, s.opErr(ctx, "get", key, err)
	}
	defer body.Close()
	var buf bytes.Buffer
	if st.Size > 0 && st.Size < 1<<34 {
		buf.Grow(int(st.Size) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(body); err != nil {
		return nil, true, s.opErr(ctx, "get", key, err)
	}
	if st.Size >= 0 && int64(buf.Len()) != st.Size {
		return nil, true, s.opErr(ctx, "get", key, fmt.Errorf("short read: %d of %d bytes", buf.Len(), st.Size))
	}
	return buf.Bytes(), false, nil
}

// Delete removes the object under key (S3 answers success for a missing
// one). Errors: ErrInvalidKey, ctx.Err(), ErrUnavailable.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, s.name(key), minio.RemoveObjectOptions{}); err != nil {
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil
		}
		return s.opErr(ctx, "delete", key, err)
	}
	return nil
}

// Walk lists every object under the prefix, in byte order of the key,
// skipping names that are not valid keys (the start-up probe, objects other
// programs put there). Errors: fn's error unchanged, ctx.Err(),
// ErrUnavailable.
func (s *S3) Walk(ctx context.Context, fn func(key string) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine when fn stops early
	for o := range s.c.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if o.Err != nil {
			return s.opErr(ctx, "walk", "", o.Err)
		}
		key, ok := strings.CutPrefix(o.Key, s.prefix)
		if !ok || !ValidKey(key) {
			continue
		}
		if err := fn(key); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// opErr translates a client error: a missing object is ErrNotFound, a
// cancelled request its context's error, anything else ErrUnavailable.
func (s *S3) opErr(ctx context.Context, op, key string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	r := minio.ToErrorResponse(err)
	if r.Code == minio.NoSuchKey {
		return ErrNotFound
	}
	return ErrUnavailable.Wrap(fmt.Errorf("blob: s3 %s %q: %w", op, key, err))
}

// Check lists at most one object under the prefix: whether the bucket
// answers, for /readyz. Errors: ErrUnavailable, ctx.Err().
func (s *S3) Check(ctx context.Context) error {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range s.c.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, MaxKeys: 1}) {
		if o.Err != nil {
			return s.opErr(ctx, "check", "", fmt.Errorf("bucket %q at %s: %w", s.bucket, s.endpoint, o.Err))
		}
		break
	}
	return ctx.Err()
}

// AbortStaleUploads aborts the multipart uploads under the prefix that
// were started more than olderThan before now: those of a process killed
// in the middle of a large Put, whose parts take space and are never
// completed (a bucket lifecycle rule does the same where the store has
// them). It returns how many it aborted. Errors: ErrUnavailable (listing
// needs s3:ListBucketMultipartUploads), ctx.Err().
func (s *S3) AbortStaleUploads(ctx context.Context, olderThan time.Duration, now time.Time) (int, error) {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := 0
	for u := range s.c.ListIncompleteUploads(lctx, s.bucket, s.prefix, true) {
		if u.Err != nil {
			return n, s.opErr(ctx, "list uploads", "", u.Err)
		}
		if !strings.HasPrefix(u.Key, s.prefix) || now.Sub(u.Initiated) < olderThan {
			continue
		}
		if err := (minio.Core{Client: s.c}).AbortMultipartUpload(ctx, s.bucket, u.Key, u.UploadID); err != nil {
			return n, s.opErr(ctx, "abort upload", u.Key, err)
		}
		n++
	}
	return n, ctx.Err()
}
