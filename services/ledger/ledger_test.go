package ledger

import (
	"errors"
	"testing"

	"pgregory.net/rapid"
)

func TestCheck(t *testing.T) {
	ok := []Posting{{World, Wallet(1), 500}}
	if err := Check(ok); err != nil {
		t.Fatal(err)
	}
	bad := [][]Posting{
		nil,
		{{World, Wallet(1), 0}},
		{{World, Wallet(1), -5}},
		{{World, Wallet(1), MaxAmount + 1}},
		{{Wallet(1), Wallet(1), 5}},
		{{"bank", Wallet(1), 5}},
		{{World, "wallet:", 5}},
		{{World, "wallet:1 2", 5}},
		make([]Posting, MaxPostings+1),
	}
	for _, ps := range bad {
		if err := Check(ps); !errors.Is(err, ErrInvalid) {
			t.Errorf("%v: %v, want ErrInvalid", ps, err)
		}
	}
}

func TestApplyRefusesOverdraft(t *testing.T) {
	b := Balances{}
	if err := b.Apply([]Posting{{World, Wallet(1), 1000}}); err != nil {
		t.Fatal(err)
	}
	err := b.Apply([]Posting{{Wallet(1), Merchant("canteen-e"), 600}, {Wallet(1), Merchant("cafe"), 600}})
	if !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("paying 1,200 from 1,000: %v", err)
	}
	if b[Wallet(1)] != 1000 || b[Merchant("canteen-e")] != 0 {
		t.Errorf("a refused transaction changed balances: %v", b)
	}
	if b[World] != -1000 || b.Sum() != 0 {
		t.Errorf("balances %v, sum %d", b, b.Sum())
	}
}

// TestLedgerProperties: whatever sequence of transactions is tried, the
// balances sum to zero, no account that may not go below zero does, and
// each balance is what replaying the applied transactions gives.
func TestLedgerProperties(t *testing.T) {
	accounts := []string{World, Receivable, Provider("sandbox"), Wallet(1), Wallet(2), Wallet(3), Merchant("canteen"), Merchant("cafe")}
	rapid.Check(t, func(t *rapid.T) {
		b := Balances{}
		var applied [][]Posting
		for range rapid.IntRange(1, 60).Draw(t, "transactions") {
			n := rapid.IntRange(1, 4).Draw(t, "postings")
			ps := make([]Posting, n)
			for i := range ps {
				ps[i] = Posting{
					Source:      rapid.SampledFrom(accounts).Draw(t, "source"),
					Destination: rapid.SampledFrom(accounts).Draw(t, "destination"),
					Amount:      rapid.Int64Range(-10, 5000).Draw(t, "amount"),
				}
			}
			before := Balances{}
			for a, v := range b {
				before[a] = v
			}
			if err := b.Apply(ps); err != nil {
				for a, v := range b {
					if before[a] != v {
						t.Fatalf("a refused transaction (%v) changed %s", err, a)
					}
				}
				continue
			}
			applied = append(applied, ps)
			if b.Sum() != 0 {
				t.Fatalf("balances sum to %d", b.Sum())
			}
			for a, v := range b {
				if v < 0 && !Overdraft(a) {
					t.Fatalf("%s at %d fen", a, v)
				}
			}
		}
		replay := Balances{}
		for _, ps := range applied {
			for _, p := range ps {
				replay[p.Source] -= p.Amount
				replay[p.Destination] += p.Amount
			}
		}
		for _, a := range accounts {
			if replay[a] != b[a] {
				t.Fatalf("%s: %d, replayed %d", a, b[a], replay[a])
			}
		}
	})
}
