package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/card"
)

// Service is the card and access control over a venue and a store.
type Service struct {
	store  Store
	venue  *geo.Venue
	policy *Policy
	walks  *walks
	log    *slog.Logger
	now    func() time.Time

	readers map[string]*geo.Reader
	limits  map[*geo.Reader]*rate.Limiter // each reader's checks, in this replica

	keysMu    sync.Mutex
	keys      []StoredKey // newest first
	keysAt    time.Time   // when keys were read
	verifier  *card.Verifier
	refreshed time.Time // the last reread for an unknown key

	tokens  *expirable.LRU[string, string] // token hash -> reader id
	cardIDs *lru.Cache[int64, int64]       // account -> card id

	batch *batcher

	// pins says whom a PIN at a lock names, or why it names no one
	// (the locks' part of the service).
	pins func(ctx context.Context, r *geo.Reader, pin string, at time.Time) (int64, string)
	// pinParams are the argon2id parameters PINs are hashed with.
	pinParams auth.Params
	// visitors decides visitors' credentials at the gates; nil: denied.
	visitors Visitors
}

// Config tunes a Service.
type Config struct {
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Workers are the transactions deciding at once (default 1; on
	// PostgreSQL more overlap their round trips).
	Workers int
	// MaxBatch is the most attempts decided in one transaction
	// (default 64).
	MaxBatch int
	// ReaderRate bounds each reader's checks a second (bursts twice as
	// many): 0 is ReaderRate, below 0 no bound (load tests that move
	// people faster than turnstiles turn).
	ReaderRate float64
	Logger     *slog.Logger
	// PINParams are the argon2id parameters of locks' PINs (default
	// auth.DefaultParams, as passwords).
	PINParams auth.Params
}

// KeyRotation is how long a signing key signs: then a new one is made.
// A key is published at /card/keys until every certificate and code it
// signed has expired.
const KeyRotation = 24 * time.Hour

// keyPublished is how long after its making a key verifies.
const keyPublished = KeyRotation + card.CertificateLifetime + 2*card.StepSeconds*time.Second + time.Minute

// keysTTL is how long a replica trusts the keys it read.
const keysTTL = time.Minute

// ReaderTokenTTL is how long a reader's token is trusted without asking
// the store: a revocation reaches other replicas within it.
const ReaderTokenTTL = 5 * time.Second

// A reader's checks are bounded, so that a reader's token, stolen or a
// device gone wrong, cannot grow the history and the audit log at will:
// ReaderRate a second with bursts of ReaderBurst, per replica (a
// turnstile passes a person a second or two; a check over the bound is
// ErrTooMany, recorded nowhere).
const (
	ReaderRate  = 10
	ReaderBurst = 20
)

// CertificateCache is how many phones' certificates a replica keeps
// verified (about 1.5 KiB each, 24 MiB in all): a campus's phones that
// sign their own codes on a day. One not kept costs a second signature
// check.
const CertificateCache = 1 << 14

// MaxDevices is how many phones a card keeps registered; registering
// another revokes the oldest.
const MaxDevices = 5

// New is the service over a venue (its readers and access.json), its
// routing graph (walking times; nil: straight lines) and a store.
func New(st Store, v *geo.Venue, g *routing.Graph, cfg Config) (*Service, error) {
	p, err := ParsePolicy(v.Access, v)
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PINParams == (auth.Params{}) {
		cfg.PINParams = auth.DefaultParams
	}
	s := &Service{store: st, venue: v, policy: p, walks: newWalks(g, v.Readers), log: cfg.Logger, now: cfg.Now,
		readers: map[string]*geo.Reader{}, verifier: card.NewVerifierSize(nil, CertificateCache),
		tokens: expirable.NewLRU[string, string](1<<14, nil, ReaderTokenTTL), pinParams: cfg.PINParams}
	s.cardIDs, _ = lru.New[int64, int64](1 << 16)
	s.pins = s.lockPIN
	s.limits = make(map[*geo.Reader]*rate.Limiter, len(v.Readers))
	limit, burst := rate.Limit(ReaderRate), ReaderBurst
	switch {
	case cfg.ReaderRate < 0:
		limit = rate.Inf
	case cfg.ReaderRate > 0:
		limit, burst = rate.Limit(cfg.ReaderRate), max(1, int(2*cfg.ReaderRate))
	}
	for _, r := range v.Readers {
		s.readers[r.ID] = r
		s.limits[r] = rate.NewLimiter(limit, burst)
	}
	s.batch = newBatcher(s, cfg.Workers, cfg.MaxBatch)
	return s, nil
}

// Close stops the deciding workers, once the attempts queued are decided.
func (s *Service) Close() { s.batch.close() }

func (s *Service) reader(id string) (*geo.Reader, bool) {
	r, ok := s.readers[id]
	return r, ok
}

// Reader is the venue's reader id; ErrNotFound.
func (s *Service) Reader(id string) (*geo.Reader, error) {
	if r, ok := s.readers[id]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("%w (reader %q)", ErrNotFound, id)
}

// holder is the account u if it may carry a card, else a Forbidden.
func holder(u auth.User) error {
	if !HasCard(u.Role) {
		return &Forbidden{En: "only staff, students and family carry a campus card",
			Zh: "只有教职工、学生和家属持有校园卡"}
	}
	return nil
}

// Card is u's card, made at the first request.
func (s *Service) Card(ctx context.Context, u auth.User) (Card, error) {
	if err := holder(u); err != nil {
		return Card{}, err
	}
	return s.store.CardOf(ctx, u.ID, holderName(u.Email), cardNumber)
}

// cardNumber is a new physical card number: ten random digits, the
// first not 0.
func cardNumber() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return fmt.Sprintf("%010d", n.Int64()+1_000_000_000)
}

// Code is a server-signed code for u's card, valid from now for at least
// 30 s (until ExpiresAt).
type Code struct {
	Code         string    `json:"code"`
	ExpiresAt    time.Time `json:"expires_at"`
	RefreshAfter int       `json:"refresh_after_s"`
}

// RefreshAfter is the longest a phone shows one code (and it shows a new
// one after every scan): a code is single use, and the same code at a
// second reader freezes the card, so a code must not still be on the
// screen when its holder reaches the next reader.
const RefreshAfter = 5

// Code signs a code for u's card now. A phone asks every few seconds
// while the code is shown, so the card's id (which never changes) is
// kept per account rather than read each time.
func (s *Service) Code(ctx context.Context, u auth.User) (Code, error) {
	if err := holder(u); err != nil {
		return Code{}, err
	}
	id, ok := s.cardIDs.Get(u.ID)
	if !ok {
		c, err := s.Card(ctx, u)
		if err != nil {
			return Code{}, err
		}
		id = c.ID
		s.cardIDs.Add(u.ID, id)
	}
	k, err := s.signingKey(ctx)
	if err != nil {
		return Code{}, err
	}
	nonce, err := card.Nonce()
	if err != nil {
		return Code{}, err
	}
	now := s.now()
	step := card.StepOf(now)
	return Code{Code: k.Code(id, step, nonce), ExpiresAt: card.ExpiresAt(step),
		RefreshAfter: min(card.RefreshAfter(now), RefreshAfter)}, nil
}

// Keys are the public keys readers verify codes with, newest first.
func (s *Service) Keys(ctx context.Context) ([]card.JWK, error) {
	ks, err := s.loadKeys(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make([]card.JWK, len(ks))
	for i, k := range ks {
		out[i] = k.Key.Public().JWK()
	}
	return out, nil
}

// loadKeys are the published keys, read again after keysTTL (or now,
// when force and not within a second of the last forced read), with a
// new one made when the newest is older than KeyRotation.
func (s *Service) loadKeys(ctx context.Context, force bool) ([]StoredKey, error) {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	now := s.now()
	if force && now.Sub(s.refreshed) < time.Second {
		force = false
	}
	if !force && s.keys != nil && now.Sub(s.keysAt) < keysTTL && now.Sub(s.keys[0].Created) < KeyRotation {
		return s.keys, nil
	}
	if force {
		s.refreshed = now
	}
	all, err := s.store.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 || now.Sub(all[0].Created) >= KeyRotation {
		k, err := card.NewSigningKey()
		if err != nil {
			return nil, err
		}
		nk := StoredKey{Key: k, Created: now.UTC().Truncate(time.Microsecond)}
		if err := s.store.AddSigningKey(ctx, nk); err != nil {
			return nil, err
		}
		all = append([]StoredKey{nk}, all...)
	}
	var published []StoredKey
	var pubs []card.PublicKey
	for _, k := range all {
		if now.Sub(k.Created) < keyPublished {
			published = append(published, k)
			pubs = append(pubs, k.Key.Public())
		}
	}
	s.keys, s.keysAt = published, now
	s.verifier.SetKeys(pubs)
	return published, nil
}

func (s *Service) signingKey(ctx context.Context) (card.SigningKey, error) {
	ks, err := s.loadKeys(ctx, false)
	if err != nil {
		return card.SigningKey{}, err
	}
	return ks[0].Key, nil
}

// Registered is a phone's certificate (POST /card/devices).
type Registered struct {
	DeviceID    int64     `json:"device_id"`
	Certificate string    `json:"certificate"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// RegisterDevice certifies a phone's Ed25519 public key (base64url) for
// u's card, for card.CertificateLifetime.
func (s *Service) RegisterDevice(ctx context.Context, u auth.User, publicKey string) (Registered, error) {
	c, err := s.Card(ctx, u)
	if err != nil {
		return Registered{}, err
	}
	pub, err := base64.RawURLEncoding.DecodeString(publicKey)
	if err != nil {
		pub, err = base64.URLEncoding.DecodeString(publicKey)
	}
	if err != nil || card.CheckDeviceKey(pub) != nil {
		return Registered{}, fieldError("public_key", "public_key 须为 Ed25519 公钥（32 字节，base64url 编码）",
			"must be an Ed25519 public key: 32 bytes in base64url")
	}
	k, err := s.signingKey(ctx)
	if err != nil {
		return Registered{}, err
	}
	now := s.now().UTC().Truncate(time.Second)
	d, err := s.store.AddDevice(ctx, Device{Card: c.ID, PublicKey: pub, Created: now, Expires: now.Add(card.CertificateLifetime)}, MaxDevices)
	if err != nil {
		return Registered{}, err
	}
	cert := k.Certify(card.Certificate{Key: k.ID, Card: c.ID, Device: d.ID, Public: pub, NotAfter: d.Expires})
	return Registered{DeviceID: d.ID, Certificate: base64.RawURLEncoding.EncodeToString(cert), ExpiresAt: d.Expires}, nil
}

// Capture freezes u's card: the phone reported a screenshot or a screen
// recording while the code was shown.
func (s *Service) Capture(ctx context.Context, u auth.User, kind string) (Card, error) {
	if kind != CaptureShot && kind != CaptureRecording {
		return Card{}, fieldError("kind", "kind 须为 screenshot 或 recording", "must be screenshot or recording, not %q", kind)
	}
	c, err := s.Card(ctx, u)
	if err != nil {
		return Card{}, err
	}
	return s.store.ChangeCard(ctx, CardChange{Card: c.ID, By: u.ID, Freeze: FrozenCapture, At: s.now()})
}

// Physical marks u's physical card lost (or found again).
func (s *Service) Physical(ctx context.Context, u auth.User, lost bool) (Card, error) {
	c, err := s.Card(ctx, u)
	if err != nil {
		return Card{}, err
	}
	return s.store.ChangeCard(ctx, CardChange{Card: c.ID, By: u.ID, Lost: lost, Found: !lost, At: s.now()})
}

// mayOperate is an admin, or an operator of the service desk (where the
// IT / campus card repair tickets go).
func mayOperate(u auth.User) error {
	if !u.Has(auth.Desk) {
		return &Forbidden{En: "only admins and the service desk may freeze or unfreeze cards",
			Zh: "只有管理员和服务台可以冻结或解冻校园卡"}
	}
	return nil
}

// SetFrozen freezes (reason admin) or unfreezes a card, by an admin or
// the service desk.
func (s *Service) SetFrozen(ctx context.Context, op auth.User, cardID int64, frozen bool) (Card, error) {
	if err := mayOperate(op); err != nil {
		return Card{}, err
	}
	ch := CardChange{Card: cardID, By: op.ID, Unfreeze: !frozen, At: s.now()}
	if frozen {
		ch.Freeze = FrozenAdmin
	}
	return s.store.ChangeCard(ctx, ch)
}

// History is a page of u's card's decisions, newest first.
func (s *Service) History(ctx context.Context, u auth.User, before int64, limit int) ([]Use, error) {
	c, err := s.Card(ctx, u)
	if err != nil {
		return nil, err
	}
	return s.store.History(ctx, c.ID, before, limit)
}

// NewReaderToken makes a bearer token for reader id, replacing its old
// one; the store keeps only its hash.
func (s *Service) NewReaderToken(ctx context.Context, id string) (string, error) {
	if _, err := s.Reader(id); err != nil {
		return "", err
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := "rdr_" + base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(tok))
	return tok, s.store.SetReaderToken(ctx, id, h[:])
}

// RevokeReader deletes reader id's token: it is refused at once on this
// replica, within ReaderTokenTTL on others.
func (s *Service) RevokeReader(ctx context.Context, id string) (bool, error) {
	ok, err := s.store.RevokeReader(ctx, id)
	if err == nil {
		s.tokens.Purge()
	}
	return ok, err
}

// ReaderOf is the reader a bearer token is for; ErrReader.
func (s *Service) ReaderOf(ctx context.Context, token string) (*geo.Reader, error) {
	h := sha256.Sum256([]byte(token))
	key := string(h[:])
	id, ok := s.tokens.Get(key)
	if !ok {
		var err error
		id, err = s.store.ReaderOfToken(ctx, h[:])
		if err != nil {
			return nil, err
		}
		s.tokens.Add(key, id)
	}
	r, ok := s.readers[id]
	if !ok {
		return nil, fmt.Errorf("%w (reader %q is not in the venue)", ErrReader, id)
	}
	return r, nil
}

// Check is one credential presented at a reader.
type Check struct {
	Reader     string `json:"reader"`
	Code       string `json:"code,omitempty"`
	CardNumber string `json:"card_number,omitempty"`
	PIN        string `json:"pin,omitempty"`
	// Fingerprint is the enrolled fingerprint a lock matched.
	Fingerprint FingerprintID `json:"fingerprint,omitempty"`
	Floor       *int          `json:"floor,omitempty"`
	// IDNumber, VisitorPass and Plate are a visitor's credentials: an
	// ID card a turnstile read, the pass they show
	// (GET /visits/{id}/pass), a car's plate a barrier read. The visitor
	// service decides them (Visitors).
	IDNumber    string `json:"id_number,omitempty"`
	VisitorPass string `json:"visitor_pass,omitempty"`
	Plate       string `json:"plate,omitempty"`
	// Direction is "out" at a gate's exit side (a visitor leaving),
	// else "in" (the default).
	Direction string `json:"direction,omitempty"`
	// Ref, if set, names the attempt for the service that asks (a
	// till's charge: its reference): the same code at the same reader
	// under the same Ref is that attempt again, whenever it comes, even
	// once the code has expired; it answers the first decision
	// (Result.Again) and is never a copy. Never read from a reader.
	Ref string `json:"-"`
}

// Check decides a credential at reader r (the one the caller's token is
// for). Anything malformed is a deny, never an error: a copier learns
// nothing more than "no".
func (s *Service) Check(ctx context.Context, r *geo.Reader, c Check) (Result, error) {
	now := s.now()
	if lim := s.limits[r]; lim != nil && !lim.AllowN(now, 1) {
		return Result{}, ErrTooMany
	}
	if c.VisitorPass != "" || c.IDNumber != "" || c.Plate != "" {
		return s.visitorCheck(ctx, r, c, now)
	}
	a := &Attempt{At: now, Reader: r, Floor: c.Floor, Ref: c.Ref}
	switch {
	case c.Code != "":
		a.Credential = CredentialCode
		cl, err := s.verify(ctx, c.Code, a.At)
		switch {
		case errors.Is(err, card.ErrExpired):
			a.Reason = ReasonExpired
		case err != nil:
			a.Reason = ReasonForged
		}
		if cl.Card != 0 && a.Reason != ReasonForged {
			a.Claims = &cl
		}
	case c.CardNumber != "":
		a.Credential, a.Number = CredentialCard, c.CardNumber
	case c.PIN != "":
		a.Credential = CredentialPIN
		a.UserID, a.Reason = s.pinHolder(ctx, r, c.PIN, a.At)
	case c.Fingerprint != 0:
		a.Credential = CredentialFingerprint
		a.UserID, a.Reason = s.fingerprintHolder(ctx, r, c.Fingerprint)
	default:
		a.Credential, a.Reason = CredentialCode, ReasonUnknown
	}
	if r.Kind != geo.ReaderElevator {
		a.Floor = nil
	}
	if err := s.batch.decide(ctx, a); err != nil {
		return Result{}, err
	}
	// The card's next decision will ask how far it is from here: have
	// the answer ready, off the deciding worker.
	if a.Card != nil && s.walks.needs(r, auth.GeoRole(a.Card.Role)) {
		go s.walks.warm(r, auth.GeoRole(a.Card.Role))
	}
	return a.Result, nil
}

// verify checks a code's signature and step.
func (s *Service) verify(ctx context.Context, code string, now time.Time) (card.Claims, error) {
	if _, err := s.loadKeys(ctx, false); err != nil {
		return card.Claims{}, err
	}
	cl, err := s.verifier.Verify(code, now)
	// A key made by another replica in the last minute is not known here
	// yet: read the keys again (at most once a second, whatever a
	// stranger sends) and try once more.
	if errors.Is(err, card.ErrForged) {
		if _, lerr := s.loadKeys(ctx, true); lerr == nil {
			cl, err = s.verifier.Verify(code, now)
		}
	}
	return cl, err
}

// pinHolder is whom a PIN at lock r names (the locks' own part); until
// locks are set up no PIN names anyone.
func (s *Service) pinHolder(ctx context.Context, r *geo.Reader, pin string, at time.Time) (int64, string) {
	if s.pins == nil {
		return 0, ReasonUnknown
	}
	return s.pins(ctx, r, pin, at)
}

// mayGrant is an admin or an operator of security (gates and passes).
func mayGrant(u auth.User) error {
	if !u.Has(auth.Security) {
		return &Forbidden{En: "only admins and security may grant access", Zh: "只有管理员和安保人员可以授予通行权限"}
	}
	return nil
}

// GrantRequest is POST /admin/access/grants.
type GrantRequest struct {
	Person string    `json:"person"` // the account's email (or tel:+86...)
	Target string    `json:"target"` // a reader, unit, level or building id, or a building's reference
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
}

// MaxGrantLength is the longest a grant may last: a year (a dormitory
// contract, an office's tenancy); renew it after.
const MaxGrantLength = 366 * 24 * time.Hour

// Grant lets a person through the readers of a target, from a time to
// another, as op decides.
func (s *Service) Grant(ctx context.Context, op auth.User, req GrantRequest) (Grant, error) {
	if err := mayGrant(op); err != nil {
		return Grant{}, err
	}
	if err := personField(req.Person); err != nil {
		return Grant{}, err
	}
	target, err := s.target(req.Target)
	if err != nil {
		return Grant{}, err
	}
	switch {
	case req.From.IsZero():
		return Grant{}, fieldError("from", "from 为必填项（RFC 3339 时间）", "from, an RFC 3339 time, is required")
	case req.To.IsZero():
		return Grant{}, fieldError("to", "to 为必填项（RFC 3339 时间）", "to, an RFC 3339 time, is required")
	case !req.To.After(req.From):
		return Grant{}, fieldError("to", "to 须晚于 from", "to is not after from")
	case req.To.Sub(req.From) > MaxGrantLength:
		return Grant{}, fieldError("to", "授权最长一年", "a grant lasts at most a year (366 days)")
	}
	return s.store.AddGrant(ctx, strings.ToLower(strings.TrimSpace(req.Person)),
		Grant{Target: target, From: req.From, To: req.To, GrantedBy: op.ID, Created: s.now()})
}

// target is the id a grant names: a reader, unit, level or building of
// the venue (a building also by its reference, "C3").
func (s *Service) target(t string) (string, error) {
	t = strings.TrimSpace(t)
	if en, zh := services.TextProblem(t); en != "" {
		return "", fieldError("target", "target "+zh, "target %s", en)
	}
	if t == "" {
		return "", fieldError("target", "target 为必填项（读卡器、房间、楼层或楼栋的 id）", "target, a reader, unit, level or building id, is required")
	}
	if _, ok := s.readers[t]; ok {
		return t, nil
	}
	if f, ok := s.venue.Feature(t); ok {
		switch f.(type) {
		case *geo.Unit, *geo.Level, *geo.Building:
			return t, nil
		}
	}
	for _, b := range s.venue.Buildings {
		if strings.EqualFold(b.Ref, t) {
			return b.ID, nil
		}
	}
	return "", fieldError("target", "target 不是本校园的读卡器、房间、楼层或楼栋", "%q is no reader, unit, level or building of the campus", t)
}

// Grants lists a person's current grants.
func (s *Service) Grants(ctx context.Context, op auth.User, person string) ([]Grant, error) {
	if err := mayGrant(op); err != nil {
		return nil, err
	}
	if err := personField(person); err != nil {
		return nil, err
	}
	return s.store.Grants(ctx, strings.ToLower(strings.TrimSpace(person)), s.now())
}

// EndGrant ends a grant at once.
func (s *Service) EndGrant(ctx context.Context, op auth.User, id int64) error {
	if err := mayGrant(op); err != nil {
		return err
	}
	return s.store.DeleteGrant(ctx, id, op.ID)
}

// personField checks the person a grant names: an account's email (or
// tel:+86...), text the store may keep.
func personField(p string) error {
	if p == "" {
		return fieldError("person", "person（被授权人的邮箱）为必填项", "person, the account's email, is required")
	}
	if en, zh := services.TextProblem(p); en != "" {
		return fieldError("person", "person "+zh, "person %s", en)
	}
	if len(p) > 320 {
		return fieldError("person", "person 过长（最多 320 字节）", "person is longer than 320 bytes")
	}
	return nil
}
