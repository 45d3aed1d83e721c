package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// loadAccounts reads issue 16's settings: development mode, the internal
// listener, SMTP, the public address and the retention period.
func (c *Config) loadAccounts(str func(flagName, def string) string) error {
	var err error
	if c.Dev, err = strconv.ParseBool(str("dev", "false")); err != nil {
		return errors.New("dev: want true or false")
	}
	c.InternalAddr = str("internal-addr", "")
	c.SMTPURL = str("smtp-url", "")
	c.PublicURL = str("public-url", "")
	if c.Retention, err = time.ParseDuration(str("retention", "43800h")); err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	return nil
}

func (c *Config) validateAccounts() error {
	if c.InternalAddr != "" {
		if _, _, err := net.SplitHostPort(c.InternalAddr); err != nil {
			return fmt.Errorf("internal-addr %q: %w", c.InternalAddr, err)
		}
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || u.Scheme != "smtp" || u.Host == "" || u.Query().Get("from") == "" {
			return errors.New("smtp-url: want smtp://[user:pass@]host:port?from=address")
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("public-url: want http(s)://host")
		}
	}
	if c.Retention < time.Minute {
		return errors.New("retention: at least 1m")
	}
	return nil
}

// ErrDevSender is returned by serve when no SMS gateway is configured and
// development mode is off: codes would go to the log.
var ErrDevSender = errors.New("no SMS gateway (--sms-url): one-time codes would be written to the log; give --dev for development, or configure --sms-url and --sms-secret")
