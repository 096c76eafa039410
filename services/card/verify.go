package card

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Claims are what a verified code says.
type Claims struct {
	Card   int64
	Key    KeyID // the server key that signed the code, or certified its device
	Step   int64
	Nonce  uint64
	Device int64 // 0: a server code
}

// UseKey is what single use is keyed on: the card, device, step and
// nonce. (Not the code's text: whoever holds a key can sign the same
// claims twice, and the two codes differ.)
func (c Claims) UseKey() string {
	return fmt.Sprintf("%d/%d/%d/%016x", c.Card, c.Device, c.Step, c.Nonce)
}

// DefaultCacheSize is how many verified device certificates a Verifier
// keeps: about 1.5 KiB each, most of it the device's expanded key, so
// about 100 MB when full (NewVerifierSize sets another bound).
const DefaultCacheSize = 65536

// Verifier checks codes against the server's public keys. It is safe for
// concurrent use, and its keys may be replaced (SetKeys) while it runs.
type Verifier struct {
	keys    atomic.Pointer[keySet]
	certs   *lru.Cache[[sha256.Size]byte, *certEntry]
	batches sync.Pool // *voi.BatchVerifier
}

// keySet is the keys in force, by id.
type keySet struct {
	byID map[KeyID]*serverKey
	list []PublicKey
}

// serverKey is a server key, expanded once for verification.
type serverKey struct {
	pub PublicKey
	exp *voi.ExpandedPublicKey
}

// certEntry is a certificate whose signature verified under issuer, and
// its device's expanded key. It stands while issuer is in force.
type certEntry struct {
	issuer *serverKey
	cert   Certificate
	device *voi.ExpandedPublicKey
}

// NewVerifier is a Verifier of codes signed by keys, keeping
// DefaultCacheSize certificates. Keys that SetKeys would refuse are left
// out (PublicKey.Check says why).
func NewVerifier(keys []PublicKey) *Verifier {
	return NewVerifierSize(keys, DefaultCacheSize)
}

// NewVerifierSize is NewVerifier keeping at most certificates verified
// certificates (at least 1).
func NewVerifierSize(keys []PublicKey, certificates int) *Verifier {
	c, _ := lru.New[[sha256.Size]byte, *certEntry](max(certificates, 1)) // errors only on a size < 1
	v := &Verifier{certs: c}
	v.keys.Store(&keySet{byID: map[KeyID]*serverKey{}})
	v.SetKeys(keys)
	return v
}

// SetKeys replaces the keys in force. Codes and certificates signed by a
// key no longer in the set are forged from now on: keep a retired key
// while codes it signed may be shown (ExpiresAt) and while certificates
// it signed are valid (CertificateLifetime). Keys already in force keep
// their cached certificates. A key that is not a usable Ed25519 key, or
// whose id is taken by an earlier key, is left out, and the error names
// it; the others are put in force.
func (v *Verifier) SetKeys(keys []PublicKey) error {
	old := v.keys.Load()
	next := &keySet{byID: make(map[KeyID]*serverKey, len(keys))}
	var errs []error
	for i, k := range keys {
		if o, ok := old.byID[k.ID]; ok && string(o.pub.Key) == string(k.Key) {
			if _, dup := next.byID[k.ID]; !dup {
				next.byID[k.ID] = o
				next.list = append(next.list, o.pub)
				continue
			}
		}
		if _, dup := next.byID[k.ID]; dup {
			errs = append(errs, fmt.Errorf("card: keys[%d]: id %s is already taken by an earlier key", i, k.ID))
			continue
		}
		if err := k.Check(); err != nil {
			errs = append(errs, fmt.Errorf("keys[%d]: %w", i, err))
			continue
		}
		exp, err := voi.NewExpandedPublicKey(voi.PublicKey(k.Key))
		if err != nil {
			errs = append(errs, fmt.Errorf("card: keys[%d]: key %s: %v", i, k.ID, err))
			continue
		}
		pub := PublicKey{ID: k.ID, Key: append([]byte(nil), k.Key...)}
		next.byID[k.ID] = &serverKey{pub: pub, exp: exp}
		next.list = append(next.list, pub)
	}
	v.keys.Store(next)
	return errors.Join(errs...)
}

// Keys is the keys in force, in the order SetKeys was given them.
func (v *Verifier) Keys() []PublicKey {
	return append([]PublicKey(nil), v.keys.Load().list...)
}

// Verify checks code at now: its format, the signature of its server key
// or of its device and its device's certificate, the certificate's
// NotAfter and the step window (package doc). A refusal is an *Error
// (errors.Is ErrForged or ErrExpired). An expired code's signatures did
// verify, so its Claims are returned with the error (to record whose
// code it was); a forged code's are zero.
func (v *Verifier) Verify(code string, now time.Time) (Claims, error) {
	var jobs [1]job
	v.verify(jobs[:], []string{code}, now)
	return jobs[0].result()
}

// result is the job's answer: its claims unless forged, and its error.
func (j *job) result() (Claims, error) {
	if j.err != nil && !errors.Is(j.err, ErrExpired) {
		return Claims{}, j.err
	}
	return j.p.claims(), j.err
}

// job is one code on its way through verify.
type job struct {
	p     parsed
	err   error
	sk    *serverKey
	hash  [sha256.Size]byte // device codes: the certificate's
	entry *certEntry        // device codes: the verified certificate
}

// verify checks codes[i] into jobs[i]: parse and find the keys, verify
// the certificates not cached (each once), then the codes' signatures,
// then the times. Signatures are checked before times, so a code with a
// bad signature is forged even when it is also old.
func (v *Verifier) verify(jobs []job, codes []string, now time.Time) {
	ks := v.keys.Load()
	var uncached []int // jobs whose certificate must be verified
	for i := range jobs {
		j := &jobs[i]
		if j.err = parse(codes[i], &j.p); j.err != nil {
			continue
		}
		j.sk = ks.byID[j.p.kid]
		if j.sk == nil {
			j.err = forgedf("unknown key %s", j.p.kid)
			continue
		}
		if j.p.typ != TypeDevice {
			continue
		}
		j.hash = sha256.Sum256(j.p.certBytes())
		if e, ok := v.certs.Get(j.hash); ok && e.issuer == j.sk {
			j.entry = e
			continue
		}
		uncached = append(uncached, i)
	}
	if len(uncached) > 0 {
		v.verifyCertificates(jobs, uncached)
	}

	checks := make([]sigCheck, 0, len(jobs))
	idx := make([]int, 0, len(jobs))
	for i := range jobs {
		j := &jobs[i]
		if j.err != nil {
			continue
		}
		key := j.sk.exp
		if j.entry != nil {
			key = j.entry.device
		}
		prefix, body, sig := j.p.body()
		checks = append(checks, sigCheck{key: key, prefix: prefix, body: body, sig: sig})
		idx = append(idx, i)
	}
	for n, ok := range v.verifyMany(checks) {
		j := &jobs[idx[n]]
		if !ok {
			if j.p.typ == TypeDevice {
				j.err = forgedf("signature of device %d (card %d) does not verify", j.p.cert.Device, j.p.card)
			} else {
				j.err = forgedf("signature by key %s does not verify", j.p.kid)
			}
			continue
		}
		j.err = checkTimes(&j.p, now)
	}
}

// verifyCertificates verifies the certificates of jobs[uncached...], each
// distinct one once, and caches those that verify.
func (v *Verifier) verifyCertificates(jobs []job, uncached []int) {
	first := make(map[[sha256.Size]byte]int, len(uncached)) // hash -> position in checks
	var checks []sigCheck
	var owners []int // checks[n] is jobs[owners[n]]'s certificate
	for _, i := range uncached {
		j := &jobs[i]
		if _, seen := first[j.hash]; seen {
			continue
		}
		first[j.hash] = len(checks)
		c := j.p.certBytes()
		checks = append(checks, sigCheck{key: j.sk.exp, prefix: prefixCertificate, body: c[:certSigned], sig: c[certSigned:]})
		owners = append(owners, i)
	}
	oks := v.verifyMany(checks)
	entries := make([]*certEntry, len(checks))
	errs := make([]error, len(checks))
	for n, ok := range oks {
		j := &jobs[owners[n]]
		c := j.p.cert
		if !ok {
			errs[n] = forgedf("certificate of device %d (card %d): signature by key %s does not verify", c.Device, c.Card, c.Key)
			continue
		}
		// Certify checked the whole of CheckDeviceKey; the cheap parts are
		// checked again, in case a key was certified some other way.
		if err := checkPoint(c.Public, false); err != nil {
			errs[n] = forgedf("certificate of device %d (card %d): device key is %v", c.Device, c.Card, err)
			continue
		}
		exp, err := voi.NewExpandedPublicKey(voi.PublicKey(c.Public))
		if err != nil {
			errs[n] = forgedf("certificate of device %d (card %d): device key: %v", c.Device, c.Card, err)
			continue
		}
		entries[n] = &certEntry{issuer: j.sk, cert: c, device: exp}
		v.certs.Add(j.hash, entries[n])
	}
	for _, i := range uncached {
		n := first[jobs[i].hash]
		jobs[i].entry, jobs[i].err = entries[n], errs[n]
	}
}

// checkTimes refuses a code (whose signatures verified) outside the step
// window at now, or made after its certificate's NotAfter.
func checkTimes(p *parsed, now time.Time) error {
	if _, hi := Window(now); p.step > hi {
		return checkStep(p.step, now)
	}
	if p.typ == TypeDevice && !StepStart(p.step).Before(p.cert.NotAfter) {
		return expiredf("certificate of device %d (card %d) expired at %s, before step %d began", p.cert.Device, p.card, p.cert.NotAfter.Format(time.RFC3339), p.step)
	}
	return checkStep(p.step, now)
}
