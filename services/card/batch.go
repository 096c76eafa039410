package card

import (
	"time"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// VerifyBatch verifies codes at now, as Verify would each (the same
// claims and errors, position by position), faster: their signatures are
// checked together, in batches of up to 64, and a certificate carried by
// several codes is verified once. A batch holding a bad signature costs
// about as much as verifying its codes one by one.
func (v *Verifier) VerifyBatch(codes []string, now time.Time) ([]Claims, []error) {
	jobs := make([]job, len(codes))
	v.verify(jobs, codes, now)
	claims := make([]Claims, len(codes))
	errs := make([]error, len(codes))
	for i := range jobs {
		claims[i], errs[i] = jobs[i].result()
	}
	return claims, errs
}

// verifyOptions: RFC 8032 and FIPS 186-5's cofactored verification; see
// the package doc for why not voi's VerifyOptionsStdLib.
var verifyOptions = &voi.Options{Verify: voi.VerifyOptionsFIPS_186_5}

// sigCheck is one signature to verify: key's over prefix || body.
type sigCheck struct {
	key       *voi.ExpandedPublicKey
	prefix    string
	body, sig []byte
}

// batchSize is the most signatures verified in one batch: voi's batches
// use the expanded keys below 94, and one bad signature makes its whole
// batch be verified one by one.
const batchSize = 64

// verifyMany verifies checks, one by one or, for more than one, in
// batches (the same answers: both use verifyOptions).
func (v *Verifier) verifyMany(checks []sigCheck) []bool {
	oks := make([]bool, len(checks))
	if len(checks) == 1 {
		var buf [256]byte
		c := checks[0]
		oks[0] = voi.VerifyExpandedWithOptions(c.key, signed(buf[:], c.prefix, c.body), c.sig, verifyOptions)
		return oks
	}
	for lo := 0; lo < len(checks); lo += batchSize {
		hi := min(lo+batchSize, len(checks))
		v.verifyBatch(checks[lo:hi], oks[lo:hi])
	}
	return oks
}

// verifyBatch verifies checks as one batch into oks.
func (v *Verifier) verifyBatch(checks []sigCheck, oks []bool) {
	bv, _ := v.batches.Get().(*voi.BatchVerifier)
	if bv == nil {
		bv = voi.NewBatchVerifierWithCapacity(batchSize)
	}
	var buf [256]byte
	for _, c := range checks {
		// The batch hashes the message as it is added: buf is free again.
		bv.AddExpandedWithOptions(c.key, signed(buf[:], c.prefix, c.body), c.sig, verifyOptions)
	}
	_, valid := bv.Verify(nil)
	copy(oks, valid)
	bv.Reset()
	v.batches.Put(bv)
}
