package payments

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
)

func TestParseBillsErrors(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"", "empty"},
		{"email,room\n", "line 1: the columns are"},
		{head + "li@x.edu,D1-302,2026-11,1,2,3,4\n", "line 2: 7 columns"},
		{head + "li@x.edu,D1-302,2026-11,1,2,3,4,5\nnobody,D1-302,2026-11,1,2,3,4,5\n", "line 3, column email"},
		{head + "li@x.edu,Z9-1,2026-11,1,2,3,4,5\n", "line 2, column room"},
		{head + "li@x.edu,D1-302,2026-11,3,2,3,4,5\n", "line 2, column water_to"},
		{head + "li@x.edu,D1-302,2026-11,1,2,5,4,5\n", "line 2, column electricity_to"},
		{head + "li@x.edu,D1-302,2026-11,1,2,3,4,0\n", "line 2, column amount_fen"},
		{head + "li@x.edu,D1-302,26-11,1,2,3,4,5\n", "line 2, column period"},
		{head + "li@x.edu,D1-302,2026-11,-1,2,3,4,5\n", "line 2, column water_from"},
		{head, "no bills"},
	} {
		_, err := ParseBills(strings.NewReader(c.file), rooms)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error with %q", c.file, err, c.want)
		}
	}
	bs, err := ParseBills(strings.NewReader("\ufeff"+head+" Li@X.edu , D1-302,2026-11,1,2.5,100,140.5,3120\r\n"), rooms)
	if err != nil || len(bs) != 1 || bs[0].Email != "li@x.edu" || bs[0].ElectricityTo != 140.5 || bs[0].Line != 2 {
		t.Errorf("a sound file with Excel's BOM and CRLF: %+v %v", bs, err)
	}
}

func TestSandboxSignatures(t *testing.T) {
	sb := NewSandbox([]byte("k"), "https://map.example.edu/api/v1")
	body := []byte(`{"topup_id":"tu_1","provider_txn":"wx1","amount_fen":100,"status":"succeeded"}`)
	h := http.Header{}
	h.Set(SignatureHeader, sb.Sign(body))
	n, err := sb.Verify(h, body)
	if err != nil || n.TopUp != "tu_1" || n.Amount != 100 {
		t.Fatalf("a signed notice: %+v %v", n, err)
	}
	other := NewSandbox([]byte("not k"), "")
	if _, err := other.Verify(h, body); !errors.Is(err, ErrSignature) {
		t.Errorf("another secret: %v", err)
	}
	if _, err := sb.Verify(http.Header{}, body); !errors.Is(err, ErrSignature) {
		t.Errorf("unsigned: %v", err)
	}
	if got := sb.CheckoutURL("tu_1"); got != "https://map.example.edu/api/v1/payments/sandbox/checkout/tu_1" {
		t.Errorf("checkout URL %s", got)
	}
	// Charges: once per reference; a declined account is an error.
	a, _ := sb.Charge(t.Context(), "md", "ref-1", 100)
	b, _ := sb.Charge(t.Context(), "md", "ref-1", 100)
	c, _ := sb.Charge(t.Context(), "md", "ref-2", 100)
	if a == "" || a != b || a == c {
		t.Errorf("charges %q %q %q: one per reference", a, b, c)
	}
	sb.Decline = func(string, int64) bool { return true }
	if _, err := sb.Charge(t.Context(), "md", "ref-3", 100); err == nil {
		t.Error("a declined charge succeeded")
	}
}

// TestSandboxDelivers: a completed top-up is notified later, signed,
// retried until the engine takes it.
func TestSandboxDelivers(t *testing.T) {
	sb := NewSandbox([]byte("k"), "")
	sb.MaxDelay, sb.Duplicates = time.Millisecond, 1
	var mu sync.Mutex
	var got [][]byte
	fails := 1
	sb.Deliver = func(_ context.Context, body []byte, sig string) error {
		mu.Lock()
		defer mu.Unlock()
		h := http.Header{}
		h.Set(SignatureHeader, sig)
		if _, err := sb.Verify(h, body); err != nil {
			t.Errorf("a delivery that does not verify: %v", err)
		}
		if fails > 0 {
			fails--
			return errors.New("the engine is restarting")
		}
		got = append(got, body)
		return nil
	}
	sb.Complete(Notice{TopUp: "tu_9", Amount: 500, Status: Succeeded})
	sb.Wait()
	if len(got) != 2 || !strings.Contains(string(got[0]), `"provider_txn":"sbx_`) {
		t.Errorf("deliveries %q: want the notice twice (Duplicates 1), with its transaction", got)
	}
}

func TestMerchantPlace(t *testing.T) {
	v, err := geo.Load("../../data/floorplans/hkust-gz")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range v.Readers {
		if r.Kind != geo.ReaderPOS {
			continue
		}
		n++
		m := MerchantOf(r)
		en, zh := m.Place.In("en"), m.Place.In("zh-Hans")
		if m.ID == r.ID || !strings.Contains(en, ", "+r.Building.Ref+" ") || !strings.Contains(en, "/F") || !strings.Contains(zh, "楼") {
			t.Errorf("till %s (%s): merchant %s, place %q / %q", r.ID, r.Name.In("en"), m.ID, en, zh)
		}
	}
	if n != 8 {
		t.Errorf("%d tills, want 8", n)
	}
}
