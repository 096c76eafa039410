package payments

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

var head = strings.Join(BillColumns, ",") + "\n"

func rooms(ref string) bool { return ref == "D1-302" || ref == "D2-101" }

// FuzzParseBills: any file is bills or an error naming the body, never a
// panic; what parses holds only sound bills.
func FuzzParseBills(f *testing.F) {
	for _, s := range []string{
		head + "li@x.edu,D1-302,2026-11,1,2.5,100,140,3120\n",
		"\ufeff" + head + "li@x.edu,D2-101,2026-01,0,0,0,0,1\r\n",
		head + "li@x.edu,D1-302,2026-13,1,2,3,4,5\n",
		head + "li@x.edu,D1-302,2026-11,NaN,2,3,4,5\n",
		head + "li@x.edu,D1-302,2026-11,1,2,3,4\n",
		head + "\"li@x.edu\",\"D1-302\",2026-11,1,2,3,4,5\n",
		head + "li\x00@x.edu,D1-302,2026-11,1,2,3,4,5\n",
		head + "\"unterminated,D1-302\n",
		"email,room\n", "", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bs, err := ParseBills(strings.NewReader(s), rooms)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Field != "body" || e.En == "" || e.Zh == "" {
				t.Fatalf("%q: an error that names nothing: %v", s, err)
			}
			return
		}
		for _, b := range bs {
			if !rooms(b.Room) || b.Amount < 1 || b.Amount > MaxBillAmount || b.WaterTo < b.WaterFrom || b.ElectricityTo < b.ElectricityFrom ||
				!periodRE.MatchString(b.Period) || !strings.Contains(b.Email, "@") || b.Line < 2 {
				t.Fatalf("%q: an unsound bill %+v", s, b)
			}
		}
	})
}

// FuzzVerifyNotice: a notification verifies only with the secret's
// signature of its very bytes, and what verifies is a sound notice.
func FuzzVerifyNotice(f *testing.F) {
	f.Add(`{"topup_id":"tu_1","provider_txn":"p","amount_fen":100,"status":"succeeded"}`, true)
	f.Add(`{"mandate_id":"md_1","status":"active"}`, true)
	f.Add(`{"topup_id":"tu_1","mandate_id":"md_1","status":"failed"}`, true)
	f.Add(`{"topup_id":"tu_1","status":"active"}`, false)
	f.Add(`{"topup_id":"tu_1","extra":1,"status":"failed"}`, true)
	f.Add("\x00", true)
	sb := NewSandbox([]byte("secret"), "")
	f.Fuzz(func(t *testing.T, body string, signed bool) {
		h := http.Header{}
		if signed {
			h.Set(SignatureHeader, sb.Sign([]byte(body)))
		} else {
			h.Set(SignatureHeader, sb.Sign([]byte(body+"x")))
		}
		n, err := sb.Verify(h, []byte(body))
		switch {
		case !signed && !errors.Is(err, ErrSignature):
			t.Fatalf("%q with another body's signature: %v", body, err)
		case err == nil && n.check() != nil:
			t.Fatalf("%q verified as an unsound notice %+v", body, n)
		case err != nil && !errors.Is(err, ErrSignature) && !errors.Is(err, ErrInvalid):
			t.Fatalf("%q: %v", body, err)
		}
	})
}
