package payments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
)

// Service is the money on the card, over a store, the card's access
// control (codes are checked at tills as at gates) and the venue (where
// each till stands).
type Service struct {
	store     Store
	access    *access.Service
	providers map[string]Provider
	sandbox   *Sandbox
	merchants map[string]Merchant  // by till reader id
	rooms     map[string]*geo.Unit // by reference, for bills
	unitRef   map[string]string    // a room's id -> its reference
	now       func() time.Time
	log       *slog.Logger
	// pays commits the tills' payments together.
	pays *payBatcher
}

// Config tunes a Service.
type Config struct {
	// Providers are the external payment providers; a *Sandbox among
	// them takes the sandbox's checkout.
	Providers []Provider
	Now       func() time.Time
	Logger    *slog.Logger
}

// New is the service over a store, the card's access control and the
// venue.
func New(st Store, acc *access.Service, v *geo.Venue, cfg Config) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{store: st, access: acc, providers: map[string]Provider{}, merchants: map[string]Merchant{}, now: cfg.Now, log: cfg.Logger,
		pays: &payBatcher{store: st, log: cfg.Logger}}
	for _, p := range cfg.Providers {
		if _, dup := s.providers[p.ID()]; dup {
			return nil, fmt.Errorf("payments: provider %q twice", p.ID())
		}
		s.providers[p.ID()] = p
		if sb, ok := p.(*Sandbox); ok {
			s.sandbox = sb
		}
	}
	s.rooms, s.unitRef = map[string]*geo.Unit{}, map[string]string{}
	for _, u := range v.Units {
		if u.Ref != "" && u.Category == "room" {
			s.rooms[u.Ref] = u
			s.unitRef[u.ID] = u.Ref
		}
	}
	for _, r := range v.Readers {
		if r.Kind == geo.ReaderPOS {
			s.merchants[r.ID] = MerchantOf(r)
		}
	}
	return s, nil
}

// MerchantOf is who takes till r's payments: the unit its till stands in
// (a canteen, the café), named with its building and floor.
func MerchantOf(r *geo.Reader) Merchant {
	m := Merchant{ID: r.ID, Name: r.Name}
	var u *geo.Unit
	if a, ok := r.Guards.(*geo.Amenity); ok && len(a.Units) > 0 {
		u = a.Units[0]
	}
	if u != nil {
		m.ID, m.Name = u.ID, u.Name
		if len(m.Name) == 0 {
			m.Name = r.Name
		}
	}
	m.Place = geo.Labels{}
	for _, lang := range []string{"en", "zh-Hans"} {
		place := m.Name.In(lang)
		where := ""
		if r.Building != nil {
			where = r.Building.Ref
		}
		if r.Level != nil {
			sep := " "
			if where == "" {
				sep = ""
			}
			where += sep + geo.FloorName(r.Level, lang)
		}
		if where != "" {
			sep := ", "
			if lang != "en" {
				sep = "，"
			}
			place += sep + where
		}
		m.Place[lang] = place
	}
	return m
}

// Merchant is the merchant of a ledger merchant id (a unit's), if a till
// stands in it; ok false otherwise.
func (s *Service) Merchant(id string) (Merchant, bool) {
	for _, m := range s.merchants {
		if m.ID == id {
			return m, true
		}
	}
	return Merchant{}, false
}

func (s *Service) provider(id string) (Provider, error) {
	if id == "" {
		id = "sandbox"
	}
	p, ok := s.providers[id]
	if !ok {
		return nil, invalid("provider", "no payment provider %q", "没有支付机构 %q", id)
	}
	return p, nil
}

// cardOf is u's card (made at the first call); people who hold no card
// (visitors, tourists) have no wallet either.
func (s *Service) cardOf(ctx context.Context, u auth.User) (access.Card, error) {
	return s.access.Card(ctx, u)
}

// WalletView is GET /wallet.
type WalletView struct {
	Balance      int64            `json:"balance_fen"`
	PasswordFree PasswordFreeView `json:"password_free"`
}

// PasswordFreeView is the password-free setting.
type PasswordFreeView struct {
	Enabled  bool    `json:"enabled"`
	Limit    int64   `json:"limit_fen"`
	Provider *string `json:"provider"`
	// DailyLimit is the most charged to the external account in a day.
	DailyLimit int64 `json:"daily_limit_fen"`
}

func view(w Wallet) WalletView {
	v := WalletView{Balance: w.Balance, PasswordFree: PasswordFreeView{Enabled: w.PasswordFree, Limit: w.Limit, DailyLimit: DailyExternalLimit}}
	if w.Provider != "" {
		p := w.Provider
		v.PasswordFree.Provider = &p
	}
	return v
}

// Wallet is u's balance and settings.
func (s *Service) Wallet(ctx context.Context, u auth.User) (WalletView, error) {
	c, err := s.cardOf(ctx, u)
	if err != nil {
		return WalletView{}, err
	}
	w, err := s.store.WalletOf(ctx, c.ID)
	return view(w), err
}

// TopUpView is the answer to POST /wallet/topups.
type TopUpView struct {
	ID     string `json:"topup_id"`
	Status string `json:"status"`
	PayURL string `json:"pay_url"`
}

// TopUp begins a top-up of amount fen at a provider: pending until the
// provider's notification settles it.
func (s *Service) TopUp(ctx context.Context, u auth.User, amount int64, provider string) (TopUpView, error) {
	if err := checkAmount("amount_fen", amount, MinTopUp, MaxTopUp); err != nil {
		return TopUpView{}, err
	}
	p, err := s.provider(provider)
	if err != nil {
		return TopUpView{}, err
	}
	c, err := s.cardOf(ctx, u)
	if err != nil {
		return TopUpView{}, err
	}
	t, err := s.store.AddTopUp(ctx, TopUp{ID: newID("tu_"), Card: c.ID, Provider: p.ID(), Amount: amount, Status: Pending, Created: s.now()})
	if err != nil {
		return TopUpView{}, err
	}
	return TopUpView{ID: t.ID, Status: t.Status, PayURL: p.CheckoutURL(t.ID)}, nil
}

// TopUpStatus is a top-up of u's, as its holder polls it.
func (s *Service) TopUpStatus(ctx context.Context, u auth.User, id string) (TopUp, error) {
	c, err := s.cardOf(ctx, u)
	if err != nil {
		return TopUp{}, err
	}
	t, err := s.store.TopUpByID(ctx, id)
	if err == nil && t.Card != c.ID {
		err = fmt.Errorf("%w (top-up %s)", ErrNotFound, id)
	}
	return t, err
}

// Notify takes a provider's notification: verified, then applied once.
// It answers whether the notice changed anything (a repeat does not).
func (s *Service) Notify(ctx context.Context, provider string, h http.Header, body []byte) (bool, error) {
	p, ok := s.providers[provider]
	if !ok {
		return false, fmt.Errorf("%w (provider %q)", ErrNotFound, provider)
	}
	n, err := p.Verify(h, body)
	if err != nil {
		return false, err
	}
	at := s.now()
	if n.TopUp != "" {
		_, changed, err := s.store.SettleTopUp(ctx, provider, n, at)
		return changed, err
	}
	_, changed, err := s.store.SettleMandate(ctx, provider, n, at)
	return changed, err
}

// Checkout is the sandbox's checkout: the person pays the top-up (or
// signs the mandate) id, or not (outcome failed); the sandbox notifies
// the engine later, as a real provider does.
func (s *Service) Checkout(ctx context.Context, id, outcome string) error {
	if outcome != Succeeded && outcome != Failed {
		return invalid("outcome", "outcome is succeeded or failed, not %q", "outcome 须为 succeeded 或 failed，而非 %q", outcome)
	}
	ck, err := s.CheckoutOf(ctx, id)
	if err != nil {
		return err
	}
	if ck.TopUp {
		s.sandbox.Complete(Notice{TopUp: id, Amount: ck.Amount, Status: outcome})
		return nil
	}
	status := Active
	if outcome == Failed {
		status = Failed
	}
	s.sandbox.Complete(Notice{Mandate: id, Status: status})
	return nil
}

// Checking is what the sandbox's checkout shows of a top-up or a
// mandate.
type Checking struct {
	TopUp  bool
	Amount int64
	Status string
}

// CheckoutOf is the sandbox's top-up or mandate id: ErrNotFound for
// neither, or another provider's.
func (s *Service) CheckoutOf(ctx context.Context, id string) (Checking, error) {
	if s.sandbox == nil {
		return Checking{}, fmt.Errorf("%w (the sandbox provider is off)", ErrNotFound)
	}
	if t, err := s.store.TopUpByID(ctx, id); err == nil && t.Provider == s.sandbox.ID() {
		return Checking{TopUp: true, Amount: t.Amount, Status: t.Status}, nil
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return Checking{}, err
	}
	m, err := s.store.MandateByID(ctx, id)
	if err == nil && m.Provider != s.sandbox.ID() {
		err = fmt.Errorf("%w (mandate %s is not the sandbox's)", ErrNotFound, id)
	}
	return Checking{Status: m.Status}, err
}

// MandateView is the answer to POST /wallet/external-account.
type MandateView struct {
	ID      string `json:"mandate_id"`
	Status  string `json:"status"`
	SignURL string `json:"sign_url"`
}

// LinkExternal begins linking an external account at a provider: the
// person signs the mandate at its URL, and the provider's notification
// links it.
func (s *Service) LinkExternal(ctx context.Context, u auth.User, provider string) (MandateView, error) {
	p, err := s.provider(provider)
	if err != nil {
		return MandateView{}, err
	}
	c, err := s.cardOf(ctx, u)
	if err != nil {
		return MandateView{}, err
	}
	m, err := s.store.AddMandate(ctx, Mandate{ID: newID("md_"), Card: c.ID, Provider: p.ID(), Status: Pending, Created: s.now()})
	if err != nil {
		return MandateView{}, err
	}
	return MandateView{ID: m.ID, Status: m.Status, SignURL: p.CheckoutURL(m.ID)}, nil
}

// SetPasswordFree turns u's password-free payments on, with limit fen a
// payment, or off.
func (s *Service) SetPasswordFree(ctx context.Context, u auth.User, enabled bool, limit int64) (WalletView, error) {
	if enabled {
		if err := checkAmount("limit_fen", limit, 1, MaxPasswordFreeLimit); err != nil {
			return WalletView{}, err
		}
	} else if limit < 0 || limit > MaxPasswordFreeLimit {
		return WalletView{}, checkAmount("limit_fen", limit, 0, MaxPasswordFreeLimit)
	}
	c, err := s.cardOf(ctx, u)
	if err != nil {
		return WalletView{}, err
	}
	w, err := s.store.SetPasswordFree(ctx, c.ID, u.ID, enabled, limit, s.now())
	return view(w), err
}

// external charges the external account of a mandate for a payment, once
// per reference.
func (s *Service) external(reference string, amount int64) func(ctx context.Context, mandate, provider string) (string, error) {
	return func(ctx context.Context, mandate, provider string) (string, error) {
		p, ok := s.providers[provider]
		if !ok {
			return "", Insufficient(fmt.Sprintf(", and the external account's provider %q is not configured", provider), fmt.Sprintf("，且外部账户的支付机构 %q 未配置", provider))
		}
		txn, err := p.Charge(ctx, mandate, reference, amount)
		if err != nil {
			s.log.Info("an external charge was declined", "provider", provider, "err", err)
			return "", Insufficient(", and the external account declined it", "，外部账户也拒绝了扣款")
		}
		return txn, nil
	}
}
