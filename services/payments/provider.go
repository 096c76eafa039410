package payments

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Provider is an external payment provider (WeChat Pay, a bank): where
// top-ups are paid and mandates signed, and what charges a linked
// external account. Its answers about top-ups and mandates come later,
// as signed notifications (Verify), possibly repeated and out of order.
type Provider interface {
	// ID names the provider in URLs and in the ledger ("sandbox").
	ID() string
	// CheckoutURL is where the person completes a top-up or a mandate
	// (its id) at the provider.
	CheckoutURL(id string) string
	// Verify checks a notification's signature over its raw body and
	// reads it; an error wrapping ErrSignature when it does not verify.
	Verify(header http.Header, body []byte) (Notice, error)
	// Charge takes amount fen from the external account of mandate,
	// once per reference: the same reference again answers the first
	// charge's transaction. An error is a charge not made.
	Charge(ctx context.Context, mandate, reference string, amount int64) (txn string, err error)
	// Refund gives amount fen of charge txn back to the external
	// account, once per reference.
	Refund(ctx context.Context, txn, reference string, amount int64) error
}

// Notice is a provider's notification about a top-up (TopUp) or a
// mandate (Mandate): one of the two ids is set.
type Notice struct {
	TopUp       string `json:"topup_id,omitempty"`
	Mandate     string `json:"mandate_id,omitempty"`
	ProviderTxn string `json:"provider_txn,omitempty"`
	Amount      int64  `json:"amount_fen,omitempty"`
	// Status is succeeded or failed for a top-up, active or failed for
	// a mandate.
	Status string `json:"status"`
}

// check says what is wrong with a notice, if anything.
func (n Notice) check() error {
	switch {
	case (n.TopUp == "") == (n.Mandate == ""):
		return invalid("topup_id", "a notification names one top-up (topup_id) or one mandate (mandate_id)", "通知须指明一笔充值（topup_id）或一项授权（mandate_id）")
	case n.TopUp != "" && n.Status != Succeeded && n.Status != Failed:
		return invalid("status", "a top-up's status is succeeded or failed, not %q", "充值状态须为 succeeded 或 failed，而非 %q", n.Status)
	case n.Mandate != "" && n.Status != Active && n.Status != Failed:
		return invalid("status", "a mandate's status is active or failed, not %q", "授权状态须为 active 或 failed，而非 %q", n.Status)
	case n.TopUp != "" && n.Status == Succeeded && (n.ProviderTxn == "" || len(n.ProviderTxn) > 64):
		return invalid("provider_txn", "a succeeded top-up names the provider's transaction (1 to 64 bytes)", "成功的充值须给出支付机构的交易号（1 至 64 字节）")
	}
	return nil
}

// SignatureHeader carries the sandbox's signature: HMAC-SHA256 of the
// raw body under the shared secret, in hex.
const SignatureHeader = "X-Signature"

// Sandbox is the provider the project ships (id "sandbox"), the default:
// it behaves as a real one does. A top-up or mandate is completed at its
// checkout (Complete), and its outcome arrives later as a notification
// signed with HMAC-SHA256 under Secret, delivered by Deliver, sometimes
// twice, sometimes late and out of order, retried with backoff until the
// engine answers 2xx. Charges of password-free payments succeed at once,
// unless Decline says no.
type Sandbox struct {
	Secret []byte
	// Base is the URL checkout pages hang from (the server's public
	// URL and API prefix).
	Base string
	// Deliver sends a signed notification; nil: posted to Notify.
	Deliver func(ctx context.Context, body []byte, signature string) error
	// Notify is the URL notifications are posted to, when Deliver is nil.
	Notify string
	// Duplicates is the share of notifications delivered twice;
	// MaxDelay the longest wait before one is sent.
	Duplicates float64
	MaxDelay   time.Duration
	// Decline, if set, refuses a charge of the mandate (an account
	// emptied or closed).
	Decline func(mandate string, amount int64) bool
	Log     *slog.Logger

	once    sync.Once
	charges *lru.Cache[string, string] // reference -> txn
	mu      sync.Mutex
	pending sync.WaitGroup
}

// NewSandbox is a sandbox signing with secret, its checkout under base.
func NewSandbox(secret []byte, base string) *Sandbox {
	return &Sandbox{Secret: secret, Base: strings.TrimSuffix(base, "/"), Duplicates: 0.1, MaxDelay: 2 * time.Second}
}

func (s *Sandbox) init() {
	s.once.Do(func() {
		s.charges, _ = lru.New[string, string](1 << 16)
		if s.Log == nil {
			s.Log = slog.Default()
		}
	})
}

// ID is "sandbox".
func (s *Sandbox) ID() string { return "sandbox" }

// CheckoutURL is the sandbox's page for a top-up or mandate.
func (s *Sandbox) CheckoutURL(id string) string {
	return s.Base + "/payments/sandbox/checkout/" + id
}

// Sign is the signature of a body: HMAC-SHA256 under the secret, hex.
func (s *Sandbox) Sign(body []byte) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks X-Signature against the body, in constant time, and
// reads the notice.
func (s *Sandbox) Verify(h http.Header, body []byte) (Notice, error) {
	got, err := hex.DecodeString(h.Get(SignatureHeader))
	if err != nil || len(got) != sha256.Size || len(s.Secret) == 0 {
		return Notice{}, &Error{Kind: ErrSignature, Field: SignatureHeader, En: "the notification has no valid X-Signature", Zh: "通知缺少有效的 X-Signature 签名"}
	}
	want, _ := hex.DecodeString(s.Sign(body))
	if !hmac.Equal(got, want) {
		return Notice{}, &Error{Kind: ErrSignature, Field: SignatureHeader, En: "the notification's X-Signature does not match its body", Zh: "通知的 X-Signature 签名与内容不符"}
	}
	var n Notice
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&n); err != nil {
		return Notice{}, invalid("body", "the notification is not the JSON expected: %v", "通知不是预期的 JSON：%v", err)
	}
	return n, n.check()
}

// Charge charges a mandate's account: at once, once per reference.
func (s *Sandbox) Charge(_ context.Context, mandate, reference string, amount int64) (string, error) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	if txn, ok := s.charges.Get(reference); ok {
		return txn, nil
	}
	if s.Decline != nil && s.Decline(mandate, amount) {
		return "", fmt.Errorf("sandbox: the external account declined %d fen", amount)
	}
	txn := "sbx_" + rand.Text()[:20]
	s.charges.Add(reference, txn)
	return txn, nil
}

// Refund gives a charge back; the sandbox's accounts always take it.
func (s *Sandbox) Refund(context.Context, string, string, int64) error { return nil }

// Complete is the person finishing at the sandbox's checkout: the
// outcome of a top-up (succeeded or failed, for amount fen) or of a
// mandate (active or failed) is notified later, as a real provider does.
func (s *Sandbox) Complete(n Notice) {
	s.init()
	if n.TopUp != "" && n.Status == Succeeded {
		n.ProviderTxn = "sbx_" + rand.Text()[:20]
	}
	body, _ := json.Marshal(n)
	copies := 1
	if mrand.Float64() < s.Duplicates {
		copies = 2
	}
	for range copies {
		s.pending.Add(1)
		go func() {
			defer s.pending.Done()
			s.deliver(body)
		}()
	}
}

// Wait waits for the notifications under way (tests, shutdown).
func (s *Sandbox) Wait() { s.pending.Wait() }

// deliver sends one notification after a random delay, retrying with
// backoff (as WeChat Pay does: 15 s, 15 s, 30 s ... here scaled down)
// until it is taken, at most 8 times.
func (s *Sandbox) deliver(body []byte) {
	if s.MaxDelay > 0 {
		time.Sleep(time.Duration(mrand.Int64N(int64(s.MaxDelay))))
	}
	sig := s.Sign(body)
	wait := 200 * time.Millisecond
	for try := 1; try <= 8; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := s.send(ctx, body, sig)
		cancel()
		if err == nil {
			return
		}
		s.Log.Warn("sandbox: a notification was not taken; retrying", "try", try, "err", err)
		time.Sleep(wait)
		wait *= 2
	}
}

func (s *Sandbox) send(ctx context.Context, body []byte, sig string) error {
	if s.Deliver != nil {
		return s.Deliver(ctx, body, sig)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Notify, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the engine answered %s", resp.Status)
	}
	return nil
}

// newID is a fresh id with a prefix: "tu_" a top-up, "md_" a mandate.
func newID(prefix string) string { return prefix + rand.Text()[:22] }
