// Package config reads veriwallet's configuration from flags and
// VERIWALLET_* environment variables (flags win). Every setting has a
// default that works with zero configuration; secrets can also be given as
// VERIWALLET_X_FILE naming a file that holds them, and are never logged.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/identity"
)

// Config is the whole configuration.
type Config struct {
	Addr           string
	DataDir        string
	DB             string // postgres://… or a SQLite file path; default DataDir/veriwallet.db
	MasterKey      string // secret; base64 32 bytes; default: generated into DataDir/keys.json
	LogLevel       string
	LogFormat      string // json or text
	TrustProxy     bool
	SecureCookies  bool
	TermsVersion   string
	PrivacyVersion string
	SessionTTL     time.Duration
	MaxUploadBytes int64
	LevelsFile     string // JSON verification levels; empty: the defaults
	SMSURL         string // the operator's SMS gateway; empty: codes go to the log
	SMSSecret      string // signs requests to the SMS gateway

	// Reliability and abuse limits (issue 11: crash rescue, registration
	// throttle, CORS for the upload endpoint).
	JobTimeout     time.Duration // longest a verification job may run
	RescueAfter    time.Duration // a job running longer (its process died) is run again
	RegisterLimit  int           // registrations (and *_TAKEN answers) per client address an hour
	AllowedOrigins []string      // origins the upload endpoint answers CORS for; empty: same origin only

	// Abuse limits and the keyring path (issue 11; parsed in limits.go).
	KeyFile            string // the keyring; default DataDir/keys.json
	SMSPerPhoneMinute  int    // one-time codes per phone number a minute
	SMSPerPhoneHour    int    // … an hour
	SMSPerPhoneDay     int    // … 24 hours
	SMSPerUserDay      int    // one-time codes per user, 24 hours
	SMSPerClientHour   int    // one-time codes per client address an hour
	DocumentQuota      int    // stored documents per user
	DocumentQuotaBytes int64  // bytes of stored documents per user
	RefusedDocumentTTL time.Duration

	// Accounts for real life (issue 16; parsed in accounts.go).
	Dev          bool          // development mode: the log SMS sender is allowed
	InternalAddr string        // listener for /metrics and /readyz details ("": the public one serves them)
	SMTPURL      string        // smtp://user:pass@host:port?from=… for recovery links ("": no e-mail)
	PublicURL    string        // the site's address in e-mailed links
	Retention    time.Duration // closed accounts' identity records are kept this long
	// The back office (issue 14; parsed in backoffice.go).
	AuditAnchorFile string // the audit chain's head is appended here every minute and at shutdown
	AuditAnchorURL  string // … and POSTed here
	RiskFile        string // risk rules (JSON); empty: the defaults
	// The wallet (issue 12; parsed in wallet.go).
	WalletAssets        string        // extra assets "CODE:decimals,…" beside CNY, USD, USDT
	WithdrawalTOTPAbove string        // "CNY:10000,…": withdrawals above these need the customer's two-factor code ("off": never)
	WithdrawalHoldTTL   time.Duration // an uncompleted withdrawal's hold is released after this
	AMLRulesFile        string        // JSON AML rule thresholds over the defaults; empty: the defaults
	// The blob store (issue 17; parsed in blob.go).
	Blob                     string // a directory, or s3://bucket/prefix
	S3Endpoint, S3Region     string
	S3PathStyle              string // auto, path or virtual
	S3AccessKey, S3SecretKey string // secrets
	S3SessionToken           string // secret
	S3PartSize               int64
	S3Retries                int
	S3Timeout                time.Duration
	// Faces (issue 18; parsed in faces.go).
	FaceSettings
}

// Setting documents one configuration item (the README's table is made from these).
type Setting struct {
	Flag, Env, Default, Help string
	Secret                   bool
}

// Settings lists every setting.
var Settings = []Setting{
	{"addr", "VERIWALLET_ADDR", "127.0.0.1:8080", "address to listen on", false},
	{"data", "VERIWALLET_DATA_DIR", "./data", "directory for the SQLite database, documents and the generated key file", false},
	{"db", "VERIWALLET_DB", "<data>/veriwallet.db", "database: a SQLite file path, or postgres://user@host/db", true},
	{"master-key", "VERIWALLET_MASTER_KEY", "(generated into <data>/keys.json)", "base64 32-byte master key for encryption at rest", true},
	{"log-level", "VERIWALLET_LOG_LEVEL", "info", "debug, info, warn or error", false},
	{"log-format", "VERIWALLET_LOG_FORMAT", "json", "json or text", false},
	{"trust-proxy", "VERIWALLET_TRUST_PROXY", "false", "take the client address from X-Forwarded-For (only behind your own proxy)", false},
	{"secure-cookies", "VERIWALLET_SECURE_COOKIES", "false", "mark cookies Secure even on plain HTTP (behind a TLS-terminating proxy)", false},
	{"terms-version", "VERIWALLET_TERMS_VERSION", identity.DefaultTermsVersion, "version of the terms of service new users accept", false},
	{"privacy-version", "VERIWALLET_PRIVACY_VERSION", identity.DefaultPrivacyVersion, "version of the privacy policy new users accept", false},
	{"session-ttl", "VERIWALLET_SESSION_TTL", "168h", "idle lifetime of a login session", false},
	{"max-upload-bytes", "VERIWALLET_MAX_UPLOAD_BYTES", "10485760", "largest document upload", false},
	{"levels", "VERIWALLET_LEVELS_FILE", "(built-in basic, standard, enhanced)", "JSON file with the verification levels", false},
	{"sms-url", "VERIWALLET_SMS_URL", "(codes written to the log)", "SMS gateway that sends one-time codes (signed POST)", false},
	{"sms-secret", "VERIWALLET_SMS_SECRET", "", "secret that signs requests to the SMS gateway", true},

	// Reliability and abuse limits.
	{"job-timeout", "VERIWALLET_JOB_TIMEOUT", "45s", "longest a verification (document reading) job may run before it is retried", false},
	{"rescue-after", "VERIWALLET_RESCUE_AFTER", "50s", "a job still marked running this long after it started (its server died) is run again; more than job-timeout", false},
	{"register-limit", "VERIWALLET_REGISTER_LIMIT", "10", "registration attempts per client address an hour (every EMAIL_TAKEN/PHONE_TAKEN answer counts)", false},
	{"allowed-origins", "VERIWALLET_ALLOWED_ORIGINS", "(same origin only)", "comma-separated origins (https://app.example.com) the upload endpoint answers cross-origin requests for", false},

	// Abuse limits and the keyring path (issue 11).
	{"key-file", "VERIWALLET_KEY_FILE", "<data>/keys.json", "the keyring (master keys, generated when missing); keep it off the data volume", false},
	{"sms-per-phone-minute", "VERIWALLET_SMS_PER_PHONE_MINUTE", "1", "one-time codes sent to one phone number per minute (0: no limit)", false},
	{"sms-per-phone-hour", "VERIWALLET_SMS_PER_PHONE_HOUR", "5", "one-time codes sent to one phone number per hour (0: no limit)", false},
	{"sms-per-phone-day", "VERIWALLET_SMS_PER_PHONE_DAY", "10", "one-time codes sent to one phone number per 24 hours (0: no limit)", false},
	{"sms-per-user-day", "VERIWALLET_SMS_PER_USER_DAY", "10", "one-time codes one user may ask for per 24 hours (0: no limit)", false},
	{"sms-per-client-hour", "VERIWALLET_SMS_PER_CLIENT_HOUR", "20", "one-time codes asked for from one client address per hour (0: no limit)", false},
	{"document-quota", "VERIWALLET_DOCUMENT_QUOTA", "50", "documents one user may have stored (0: no limit)", false},
	{"document-quota-bytes", "VERIWALLET_DOCUMENT_QUOTA_BYTES", "209715200", "bytes of documents one user may have stored (0: no limit)", false},
	{"refused-document-ttl", "VERIWALLET_REFUSED_DOCUMENT_TTL", "24h", "how long a refused document's files are kept (its reasons stay)", false},

	// Accounts for real life (issue 16).
	{"dev", "VERIWALLET_DEV", "false", "development mode: without --sms-url, one-time codes go to the log (serve refuses to start that way otherwise)", false},
	{"internal-addr", "VERIWALLET_INTERNAL_ADDR", "(none: the public listener)", "address of an internal listener for /metrics and /readyz details; the public /readyz then answers only its status code", false},
	{"smtp-url", "VERIWALLET_SMTP_URL", "(no e-mail)", "SMTP server for password recovery links: smtp://user:pass@host:587?from=noreply@example.com", true},
	{"public-url", "VERIWALLET_PUBLIC_URL", "(relative links)", "the site's public address, for links in e-mails (https://wallet.example.com)", false},
	{"retention", "VERIWALLET_RETENTION", "43800h", "how long a closed account's identity records and documents are kept before they are purged (5 years)", false},
	// The back office (issue 14).
	{"audit-anchor-file", "VERIWALLET_AUDIT_ANCHOR_FILE", "", "append the audit chain's head (JSON line) to this file every minute and at shutdown; keep it off the database's host", false},
	{"audit-anchor-url", "VERIWALLET_AUDIT_ANCHOR_URL", "", "POST the audit chain's head (JSON) to this URL every minute and at shutdown", false},
	{"risk-file", "VERIWALLET_RISK_FILE", "", "risk rules (JSON: high-risk countries, EDD level, review periods); empty: the defaults", false},
	// The wallet (issue 12).
	{"wallet-assets", "VERIWALLET_WALLET_ASSETS", "(CNY:2,USD:2,USDT:6)", "more wallet assets as CODE:decimals, comma-separated (EUR:2,BTC:8), added to the built-in ones", false},
	{"withdrawal-totp-above", "VERIWALLET_WITHDRAWAL_TOTP_ABOVE", "CNY:10000,USD:1500,USDT:1500", "withdrawals above these amounts need the customer's two-factor code (TOTP); \"off\": never", false},
	{"withdrawal-hold-ttl", "VERIWALLET_WITHDRAWAL_HOLD_TTL", "168h", "a withdrawal not completed or cancelled within this is released by the expiry job", false},
	{"aml-rules", "VERIWALLET_AML_RULES_FILE", "(built-in thresholds)", "JSON file with the AML monitoring thresholds (keys absent keep their default)", false},
}

// Load parses args (after the subcommand) and the environment.
func Load(name string, args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	vals := map[string]*string{}
	for _, s := range Settings {
		if s.Flag == "dev" { // a switch: --dev alone means true
			v := new(string)
			vals[s.Flag] = v
			fs.BoolFunc(s.Flag, s.Help+" (env "+s.Env+")", func(x string) error { *v = x; return nil })
			continue
		}
		vals[s.Flag] = fs.String(s.Flag, "", s.Help+" (env "+s.Env+")")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	get := func(flagName string) (string, error) {
		if v := *vals[flagName]; v != "" {
			return v, nil
		}
		var env string
		for _, s := range Settings {
			if s.Flag == flagName {
				env = s.Env
			}
		}
		if v := getenv(env); v != "" {
			return v, nil
		}
		if f := getenv(env + "_FILE"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return "", fmt.Errorf("%s_FILE: %w", env, err)
			}
			return strings.TrimSpace(string(b)), nil
		}
		return "", nil
	}
	c := &Config{}
	var firstErr error
	str := func(flagName, def string) string {
		v, err := get(flagName)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if v == "" {
			return def
		}
		return v
	}
	c.Addr = str("addr", "127.0.0.1:8080")
	c.DataDir = str("data", "./data")
	c.DB = str("db", filepath.Join(c.DataDir, "veriwallet.db"))
	c.MasterKey = str("master-key", "")
	c.LogLevel = str("log-level", "info")
	c.LogFormat = str("log-format", "json")
	c.LevelsFile = str("levels", "")
	c.AMLRulesFile = str("aml-rules", "")
	c.SMSURL = str("sms-url", "")
	c.SMSSecret = str("sms-secret", "")
	c.TermsVersion = str("terms-version", identity.DefaultTermsVersion)
	c.PrivacyVersion = str("privacy-version", identity.DefaultPrivacyVersion)
	var err error
	if c.TrustProxy, err = strconv.ParseBool(str("trust-proxy", "false")); err != nil {
		return nil, errors.New("trust-proxy: want true or false")
	}
	if c.SecureCookies, err = strconv.ParseBool(str("secure-cookies", "false")); err != nil {
		return nil, errors.New("secure-cookies: want true or false")
	}
	if c.SessionTTL, err = time.ParseDuration(str("session-ttl", "168h")); err != nil {
		return nil, fmt.Errorf("session-ttl: %w", err)
	}
	if c.MaxUploadBytes, err = strconv.ParseInt(str("max-upload-bytes", "10485760"), 10, 64); err != nil {
		return nil, fmt.Errorf("max-upload-bytes: %w", err)
	}
	// Reliability and abuse limits.
	if c.JobTimeout, err = time.ParseDuration(str("job-timeout", "45s")); err != nil {
		return nil, fmt.Errorf("job-timeout: %w", err)
	}
	if c.RescueAfter, err = time.ParseDuration(str("rescue-after", "50s")); err != nil {
		return nil, fmt.Errorf("rescue-after: %w", err)
	}
	if c.RegisterLimit, err = strconv.Atoi(str("register-limit", "10")); err != nil {
		return nil, fmt.Errorf("register-limit: %w", err)
	}
	for o := range strings.SplitSeq(str("allowed-origins", ""), ",") {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			c.AllowedOrigins = append(c.AllowedOrigins, o)
		}
	}
	if err := c.loadLimits(str); err != nil {
		return nil, err
	}
	if err := c.loadAccounts(str); err != nil {
		return nil, err
	}
	c.loadBackoffice(str)
	if err := c.loadWallet(str); err != nil {
		return nil, err
	}
	if err := c.loadBlob(str); err != nil {
		return nil, err
	}
	if err := c.loadFaces(str); err != nil {
		return nil, err
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return c, c.Validate()
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("addr %q: %w", c.Addr, err)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("log-format %q: want json or text", c.LogFormat)
	}
	if c.SessionTTL < time.Minute {
		return errors.New("session-ttl: at least 1m")
	}
	if c.MaxUploadBytes < 1024 {
		return errors.New("max-upload-bytes: at least 1024")
	}
	if c.SMSURL != "" && !strings.HasPrefix(c.SMSURL, "https://") && !strings.HasPrefix(c.SMSURL, "http://") {
		return errors.New("sms-url: want an http(s) URL")
	}
	if c.SMSURL != "" && c.SMSSecret == "" {
		return errors.New("sms-secret: required with sms-url")
	}
	if c.TermsVersion == "" || c.PrivacyVersion == "" {
		return errors.New("terms-version and privacy-version must not be empty")
	}
	// Reliability and abuse limits.
	if c.JobTimeout < time.Second {
		return errors.New("job-timeout: at least 1s")
	}
	if c.RescueAfter <= c.JobTimeout {
		return errors.New("rescue-after: must be more than job-timeout")
	}
	if c.RegisterLimit < 1 {
		return errors.New("register-limit: at least 1")
	}
	for _, o := range c.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" {
			return fmt.Errorf("allowed-origins: %q is not an origin (want scheme://host[:port])", o)
		}
	}
	if err := c.validateAccounts(); err != nil {
		return err
	}
	if err := c.validateBlob(); err != nil {
		return err
	}
	return c.validateLimits()
}
