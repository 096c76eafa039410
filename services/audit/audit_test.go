package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

var at = time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))

func entry(kind string) Entry {
	return Entry{At: at, Actor: 7, Subject: "li@hkust-gz.edu.cn", Kind: kind, Place: "192.0.2.1",
		Decision: Allow, Reason: "password", Detail: []byte(`{"method":"password"}`)}
}

// chain makes n entries chained from the first.
func chain(n int) []Entry {
	es := make([]Entry, n)
	var prevID int64
	prev := Zero
	for i := range es {
		es[i] = entry(SignIn).Chain(prevID, prev)
		prevID, prev = es[i].ID, es[i].Hash
	}
	return es
}

// TestCanonical pins the encoding byte for byte: a change to it would
// make every stored hash fail to verify.
func TestCanonical(t *testing.T) {
	e := Entry{ID: 1, At: time.UnixMicro(1_000_000), Actor: 2, Subject: "s", Kind: "k", Place: "", Decision: "d", Reason: "r", Detail: []byte(`{}`)}
	var want []byte
	field := func(b []byte) { want = binary.BigEndian.AppendUint32(want, uint32(len(b))); want = append(want, b...) }
	num := func(n int64) { field(binary.BigEndian.AppendUint64(nil, uint64(n))) }
	field([]byte("campus-audit/1"))
	num(1)
	num(1_000_000)
	num(2)
	for _, s := range []string{"s", "k", "", "d", "r", "{}"} {
		field([]byte(s))
	}
	field(make([]byte, 32))
	if got := e.Canonical(nil); string(got) != string(want) {
		t.Fatalf("Canonical:\n%x\nwant\n%x", got, want)
	}
	if got, want := e.Sum(), Hash(sha256.Sum256(want)); got != want {
		t.Errorf("Sum %v, want %v", got, want)
	}
	// A known answer, so the encoding cannot drift with the test.
	if got := e.Sum().String(); got != "a6ac697932fae2c5ae6a487187706d73ee0de82fa5a8e72e869f96887f49d117" {
		t.Errorf("Sum of the pinned entry %s: the encoding changed", got)
	}
}

// TestNoTwoAlike: moving bytes from one field to the next changes the
// hash.
func TestNoTwoAlike(t *testing.T) {
	a, b := entry(SignIn), entry(SignIn)
	a.Subject, a.Kind = "ab", "c"
	b.Subject, b.Kind = "a", "bc"
	if a.Sum() == b.Sum() {
		t.Error("subject ab, kind c hashes as subject a, kind bc")
	}
	c, d := entry(SignIn), entry(SignIn)
	c.Reason, c.Detail = "x", nil
	d.Reason, d.Detail = "", []byte("x")
	if c.Sum() == d.Sum() {
		t.Error("reason x hashes as detail x")
	}
	for name, change := range map[string]func(*Entry){
		"id":        func(e *Entry) { e.ID++ },
		"at":        func(e *Entry) { e.At = e.At.Add(time.Microsecond) },
		"actor":     func(e *Entry) { e.Actor++ },
		"subject":   func(e *Entry) { e.Subject += "." },
		"kind":      func(e *Entry) { e.Kind = SignInFailed },
		"place":     func(e *Entry) { e.Place = "192.0.2.2" },
		"decision":  func(e *Entry) { e.Decision = Deny },
		"reason":    func(e *Entry) { e.Reason = "phone code" },
		"detail":    func(e *Entry) { e.Detail = []byte(`{"method":"phone"}`) },
		"prev_hash": func(e *Entry) { e.PrevHash[31] ^= 1 },
	} {
		e := entry(SignIn).Chain(4, Hash{1})
		change(&e)
		if e.Sum() == e.Hash {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
}

func TestChain(t *testing.T) {
	es := chain(3)
	if es[0].ID != 1 || es[0].PrevHash != Zero || es[1].PrevHash != es[0].Hash || es[2].ID != 3 {
		t.Errorf("chain: %+v", es)
	}
	if es[0].At.Location() != time.UTC || es[0].At.Nanosecond()%1000 != 0 {
		t.Errorf("At %v, want UTC to the microsecond", es[0].At)
	}
	if !es[0].At.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("At %v, want %v", es[0].At, at)
	}
}

func verify(es []Entry, headID int64, head Hash) error {
	var v Verifier
	for i := range es {
		if err := v.Next(&es[i]); err != nil {
			return err
		}
	}
	return v.End(headID, head)
}

func TestVerify(t *testing.T) {
	good := chain(6)
	headID, head := good[5].ID, good[5].Hash
	if err := verify(good, headID, head); err != nil {
		t.Fatalf("a whole log: %v", err)
	}
	if err := verify(nil, 0, Zero); err != nil {
		t.Fatalf("an empty log: %v", err)
	}
	var v Verifier
	for i := range good {
		v.Next(&good[i])
	}
	if id, h := v.Last(); v.Count() != 6 || id != 6 || h != head {
		t.Errorf("Count %d, Last %d %v", v.Count(), id, h)
	}

	for _, tc := range []struct {
		name   string
		tamper func([]Entry) []Entry
		id     int64
		kind   string
		says   string
	}{
		{"edited", func(es []Entry) []Entry { es[2].Decision = Deny; return es }, 3, SignIn, "was changed"},
		{"edited and rehashed", func(es []Entry) []Entry {
			es[2].Decision = Deny
			es[2].Hash = es[2].Sum()
			return es
		}, 4, SignIn, "entry 3 was changed"},
		{"one removed", func(es []Entry) []Entry { return append(es[:2:2], es[3:]...) }, 3, "", "missing: the entry before is entry 2; entry 4 (signin) comes next"},
		{"two removed", func(es []Entry) []Entry { return append(es[:1:1], es[3:]...) }, 2, "", "missing, to entry 3: the entry before is entry 1; entry 4 (signin) comes next"},
		{"first removed", func(es []Entry) []Entry { return es[1:] }, 1, "", "missing: the log has no entries before; entry 2 (signin) comes next"},
		{"removed and renumbered", func(es []Entry) []Entry {
			es = append(es[:2:2], es[3:]...)
			for i := 2; i < len(es); i++ {
				es[i].ID--
			}
			return es
		}, 3, SignIn, "was changed"},
		{"removed, renumbered, rehashed", func(es []Entry) []Entry {
			es = append(es[:2:2], es[3:]...)
			for i := 2; i < len(es); i++ {
				es[i].ID--
				es[i].Hash = es[i].Sum()
			}
			return es
		}, 3, SignIn, "prev_hash is not entry 2's hash"},
		{"last removed", func(es []Entry) []Entry { return es[:5] }, 6, "", "missing: the entry before is entry 5, and the log's head is entry 6"},
		{"last two removed", func(es []Entry) []Entry { return es[:4] }, 5, "", "missing, to entry 6: the entry before is entry 4, and the log's head is entry 6"},
		{"last edited and rehashed", func(es []Entry) []Entry {
			es[5].Reason = "nothing"
			es[5].Hash = es[5].Sum()
			return es
		}, 6, SignIn, "not the head's"},
		{"first rewritten", func(es []Entry) []Entry {
			es[0].PrevHash = Hash{9}
			es[0].Hash = es[0].Sum()
			return es
		}, 1, SignIn, "first entry's prev_hash is not zero"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es := tc.tamper(chain(6))
			err := verify(es, headID, head)
			var f *Fault
			if !errors.As(err, &f) {
				t.Fatalf("verify: %v, want a *Fault", err)
			}
			if f.ID != tc.id || f.Kind != tc.kind || !strings.Contains(f.Problem, tc.says) {
				t.Errorf("fault %+v, want entry %d (%q) saying %q", f, tc.id, tc.kind, tc.says)
			}
		})
	}
}

// TestParts: a log verified in parts, each from the hash of the entry
// before it, finds what the whole does.
func TestParts(t *testing.T) {
	es := chain(9)
	part := func(es []Entry, from int64, prev Hash, through int64) error {
		v := From(from, prev)
		for i := range es {
			if err := v.Next(&es[i]); err != nil {
				return err
			}
		}
		return v.Through(through)
	}
	if err := part(es[:4], 0, Zero, 4); err != nil {
		t.Errorf("part 1: %v", err)
	}
	if err := part(es[4:], 4, es[3].Hash, 9); err != nil {
		t.Errorf("part 2: %v", err)
	}
	var f *Fault
	if err := part(es[4:7], 4, es[3].Hash, 9); !errors.As(err, &f) || f.ID != 8 || f.Problem != "missing, to entry 9: the entry before is entry 7" {
		t.Errorf("a part missing its end: %v", err)
	}
	if err := part(es[5:], 4, es[3].Hash, 9); !errors.As(err, &f) || f.ID != 5 {
		t.Errorf("a part missing its start: %v", err)
	}
	if err := part(es[4:], 4, es[2].Hash, 9); !errors.As(err, &f) || f.ID != 5 || !strings.Contains(f.Problem, "not entry 4's hash") {
		t.Errorf("a part from the wrong hash: %v", err)
	}
}

func TestCheck(t *testing.T) {
	e, err := entry(SignIn).Check()
	if err != nil {
		t.Fatal(err)
	}
	if e.At.Location() != time.UTC || e.At.Nanosecond() != 123456000 {
		t.Errorf("At %v", e.At)
	}
	spaced := entry(SignIn)
	spaced.Detail = []byte(" { \"a\" : [1, 2] } ")
	if e, err := spaced.Check(); err != nil || string(e.Detail) != `{"a":[1,2]}` {
		t.Errorf("detail compacted: %s %v", e.Detail, err)
	}
	null := entry(SignIn)
	null.Detail = []byte("null")
	if e, err := null.Check(); err != nil || e.Detail != nil {
		t.Errorf("null detail: %s %v", e.Detail, err)
	}
	for _, tc := range []struct {
		name   string
		change func(*Entry)
		says   string
	}{
		{"no kind", func(e *Entry) { e.Kind = "" }, "kind is empty"},
		{"kind upper", func(e *Entry) { e.Kind = "SignIn" }, "kind"},
		{"kind from digit", func(e *Entry) { e.Kind = "1x" }, "kind"},
		{"kind long", func(e *Entry) { e.Kind = strings.Repeat("k", MaxKind+1) }, "kind is longer"},
		{"no decision", func(e *Entry) { e.Decision = "" }, "decision is empty"},
		{"subject long", func(e *Entry) { e.Subject = strings.Repeat("s", MaxText+1) }, "subject is longer"},
		{"subject NUL", func(e *Entry) { e.Subject = "a\x00b" }, "subject contains a NUL"},
		{"place bad UTF-8", func(e *Entry) { e.Place = "\xff" }, "place not valid UTF-8"},
		{"reason long", func(e *Entry) { e.Reason = strings.Repeat("r", MaxReason+1) }, "reason is longer"},
		{"detail array", func(e *Entry) { e.Detail = []byte(`[1]`) }, "not a JSON object"},
		{"detail broken", func(e *Entry) { e.Detail = []byte(`{"a":`) }, "not a JSON object"},
		{"detail long", func(e *Entry) { e.Detail = Detail(map[string]string{"a": strings.Repeat("x", MaxDetail)}) }, "detail is longer"},
		{"actor negative", func(e *Entry) { e.Actor = -1 }, "actor -1"},
	} {
		e := entry(SignIn)
		tc.change(&e)
		_, err := e.Check()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want ErrInvalid saying %q", tc.name, err, tc.says)
		}
	}
}

func TestHashText(t *testing.T) {
	h := chain(1)[0].Hash
	b, err := json.Marshal(h)
	if err != nil || string(b) != `"`+hex.EncodeToString(h[:])+`"` {
		t.Fatalf("JSON %s %v", b, err)
	}
	var back Hash
	if err := json.Unmarshal(b, &back); err != nil || back != h {
		t.Errorf("back %v %v", back, err)
	}
	if err := back.UnmarshalText([]byte("abc")); err == nil {
		t.Error("a short hash reads")
	}
}

// BenchmarkVerify is the work of verifying one entry (its hash and its
// links), without reading it.
func BenchmarkVerify(b *testing.B) {
	es := chain(1024)
	b.ReportAllocs()
	for b.Loop() {
		var v Verifier
		for i := range es {
			if err := v.Next(&es[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(es)), "ns/entry")
}
