package verification

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// HTTPSender posts one-time codes to the operator's SMS gateway:
// POST URL with {"phone","code","purpose","expires_in_seconds"} and the
// header Veriwallet-Signature "t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">"
// (the webhook recipe: VerifyWebhook checks it). Any 2xx is success.
type HTTPSender struct {
	URL    string
	Secret []byte
	Client *http.Client // nil: 10 s timeout
	Now    func() time.Time
}

// SendCode implements PhoneSender.
func (s HTTPSender) SendCode(ctx context.Context, phone, code string) error {
	body, _ := json.Marshal(map[string]any{"phone": phone, "code": code, "purpose": "verification_phone", "expires_in_seconds": 600})
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(WebhookHeader, SignWebhook(s.Secret, now(), body))
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("sms gateway answered %s", strconv.Itoa(res.StatusCode))
	}
	return nil
}

// SendText implements identity.TextSender: an SMS notice (a password
// reset, a login from a new device) posted as
// {"phone","text","purpose":"notice"}, signed as SendCode's requests.
func (s HTTPSender) SendText(ctx context.Context, phone, text string) error {
	body, _ := json.Marshal(map[string]any{"phone": phone, "text": text, "purpose": "notice"})
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(WebhookHeader, SignWebhook(s.Secret, now(), body))
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("sms gateway answered %s", strconv.Itoa(res.StatusCode))
	}
	return nil
}
