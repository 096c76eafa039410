package visitor

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// The external office workflow (CAMPUS_VISIT_WEBHOOK): each visitor's
// own registration is POSTed to it by a job of the outbox (written with
// the visit, retried until it answers 2xx), and it decides by POSTing a
// callback (POST /api/v1/visits/webhook). Both ways are signed alike:
// the header X-Campus-Timestamp holds the Unix time in seconds, and
// X-Campus-Signature "v1=" and the hex HMAC-SHA256, under the shared
// secret (CAMPUS_VISIT_WEBHOOK_SECRET), of the timestamp, ".", and the
// body. A timestamp more than WebhookWindow from the receiver's clock is
// refused, so a captured request cannot be replayed later; within the
// window a replayed callback decides nothing new (the same decision
// again answers the visit as it stands; another is a 409).

// Webhook headers, window and job kind.
const (
	WebhookTimestamp = "X-Campus-Timestamp"
	WebhookSignature = "X-Campus-Signature"
	WebhookWindow    = 5 * time.Minute
	KindWebhook      = "visit_webhook"
	// EventSubmitted is the submission's event.
	EventSubmitted = "visit.submitted"
)

// WebhookJob is a webhook job's arguments: the visit and the body to
// POST (signed when sent, so each attempt's timestamp is fresh).
type WebhookJob struct {
	Visit int64  `json:"visit"`
	Body  string `json:"body"`
}

// Submission is the body POSTed to the workflow.
type Submission struct {
	Event    string `json:"event"`
	Visit    View   `json:"visit"`
	Callback string `json:"callback"`
}

// SignWebhook is the signature of body at Unix time ts under secret:
// "v1=" and hex(HMAC-SHA256(secret, ts "." body)).
func SignWebhook(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// badSignature is a callback refused, saying little.
var badSignature = &Error{Kind: ErrSignature, Field: WebhookSignature,
	En: "the callback's signature or timestamp does not hold", Zh: "回调的签名或时间戳无效"}

// VerifyWebhook checks a signed body: its timestamp (header ts) within
// WebhookWindow of now, and its signature (header sig) under secret.
func VerifyWebhook(secret []byte, ts, sig string, body []byte, now time.Time) error {
	t, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil || len(secret) == 0 {
		return badSignature
	}
	if d := now.Sub(time.Unix(t, 0)); d > WebhookWindow || d < -WebhookWindow {
		return badSignature
	}
	want := SignWebhook(secret, t, body)
	if !hmac.Equal([]byte(strings.TrimSpace(sig)), []byte(want)) {
		return badSignature
	}
	return nil
}

// submitted are the jobs of a visitor's own visit: its submission to
// the workflow, when one decides.
func (s *Service) submitted(v Visit) []Job {
	if !s.webhook {
		return nil
	}
	b, err := json.Marshal(Submission{Event: EventSubmitted, Visit: s.View(v), Callback: s.link + "/api/v1/visits/webhook"})
	if err != nil {
		return nil // a View always marshals
	}
	return []Job{{Kind: KindWebhook, Args: WebhookJob{Visit: v.ID, Body: string(b)}}}
}

// Callback is the workflow's decision.
type Callback struct {
	Visit    int64  `json:"visit"`
	Decision string `json:"decision"` // approve or reject
	Note     string `json:"note"`
	Place    string `json:"place"`
}

// ErrNoWebhook is a callback where no workflow is configured.
var ErrNoWebhook = &Error{Kind: ErrNotFound, En: "no office workflow is configured", Zh: "未配置办公审批流程"}

// DecideExternal takes the workflow's signed callback (the raw body and
// its headers): the visit is approved or rejected as it says.
func (s *Service) DecideExternal(ctx context.Context, ts, sig string, body []byte) (Visit, error) {
	if !s.webhook {
		return Visit{}, ErrNoWebhook
	}
	if err := VerifyWebhook(s.secret, ts, sig, body, s.now()); err != nil {
		return Visit{}, err
	}
	var cb Callback
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cb); err != nil {
		return Visit{}, invalid("body", "the callback is not the JSON expected: %v", "回调不是预期的 JSON：%v", err)
	}
	if cb.Decision != "approve" && cb.Decision != "reject" {
		return Visit{}, invalid("decision", "decision %q is not approve or reject", "decision %q 不是 approve 或 reject", cb.Decision)
	}
	approve := cb.Decision == "approve"
	v, err := s.decide(ctx, cb.Visit, approve, Decision{Note: cb.Note, Place: cb.Place}, 0, func(v *Visit) error {
		if v.Source != SourceSelf {
			return refuse(ErrConflict, "not_external", "visit", "the office workflow decides visitors' own registrations only",
				"办公流程只审批访客自行登记的预约")
		}
		return nil
	})
	// The same decision again (a retried or replayed callback) answers
	// the visit as it stands.
	if e, ok := err.(*Error); ok && e.Code == "status" {
		if got, gerr := s.st.Visit(ctx, cb.Visit); gerr == nil && (approve && got.Status == Approved || !approve && got.Status == Rejected) &&
			got.DecidedBy == 0 {
			return got, nil
		}
	}
	return v, err
}
