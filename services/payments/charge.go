package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
)

// ChargeRequest is a till's charge of a card: its code or its physical
// card's number, and the amount.
type ChargeRequest struct {
	Reader      string `json:"reader"`
	Code        string `json:"code,omitempty"`
	CardNumber  string `json:"card_number,omitempty"`
	Amount      int64  `json:"amount_fen"`
	Description string `json:"description,omitempty"`
}

// Receipt is a payment as a till or a holder reads it.
type Receipt struct {
	Status    string `json:"status"` // paid
	PaymentID int64  `json:"payment_id"`
	Source    string `json:"source"`
	Balance   int64  `json:"balance_fen"`
	Amount    int64  `json:"amount_fen"`
}

func receipt(p Payment) Receipt {
	return Receipt{Status: Paid, PaymentID: p.ID, Source: p.Source, Balance: p.Balance, Amount: p.Amount}
}

// Charge is till r charging a card under key (its Idempotency-Key): the
// code or card is checked exactly as at a gate (single use; a replay
// freezes the card), then paid from the wallet, or, with password-free on
// and the wallet short, from the external account. The same key again
// answers the first payment, without checking the code again; if the
// first try checked the code but did not pay, it pays now, once.
func (s *Service) Charge(ctx context.Context, r *geo.Reader, key string, req ChargeRequest) (Receipt, error) {
	if r.Kind != geo.ReaderPOS {
		return Receipt{}, &Error{Kind: ErrForbidden, Code: CodeNotPermitted, Field: "reader",
			En: fmt.Sprintf("reader %s is a %s, not a till", r.ID, r.Kind), Zh: fmt.Sprintf("读卡器 %s 不是收银台", r.ID)}
	}
	switch {
	case key == "":
		return Receipt{}, invalid("Idempotency-Key", "a charge needs an Idempotency-Key", "扣款须带 Idempotency-Key")
	case (req.Code == "") == (req.CardNumber == ""):
		return Receipt{}, invalid("code", "send the card's code or its card_number, one of them", "请提供付款码（code）或卡号（card_number）之一")
	case len(req.Description) > MaxDescription:
		return Receipt{}, invalid("description", "description is longer than %d bytes", "description 超过 %d 字节", MaxDescription)
	}
	if err := checkText("description", req.Description); err != nil {
		return Receipt{}, err
	}
	if err := checkAmount("amount_fen", req.Amount, 1, MaxCharge); err != nil {
		return Receipt{}, err
	}
	ref := "pos:" + r.ID + ":" + key
	// A retry whose first try paid (its answer lost with a crash) is
	// answered from the payment, never by presenting the code again.
	if p, found, err := s.store.PaymentByReference(ctx, ref); err != nil || found {
		return receipt(p), err
	}
	// The check is its own transaction, committed before the payment's:
	// should the payment not follow (the process killed between them, a
	// server error), the retry's check, under the same reference, is
	// this one again (res.Again) and pays now, never a copy of the code.
	res, err := s.access.Check(ctx, r, access.Check{Reader: r.ID, Code: req.Code, CardNumber: req.CardNumber, Ref: ref})
	if err != nil {
		return Receipt{}, err
	}
	switch {
	case res.Repeat && !res.Again:
		// A code charges once: a till's retry carries its first key.
		return Receipt{}, &Error{Kind: ErrConflict, Code: "code_used", Field: "code",
			En: "this code was shown at this till a moment ago, under another Idempotency-Key: show a fresh code (a retry of that charge carries its own key)",
			Zh: "该付款码刚在本收银台以另一个 Idempotency-Key 使用过：请刷新付款码（重试那笔扣款请用它自己的 Idempotency-Key）"}
	case res.Decision != access.Allow:
		return Receipt{}, refused(res.Reason)
	}
	m := s.merchants[r.ID]
	p := Payment{Card: res.Card, UserID: res.UserID, Subject: res.Subject, Reader: r.ID, Merchant: m.ID, Amount: req.Amount,
		Description: req.Description, Reference: ref, Physical: req.CardNumber != "", At: s.now()}
	p, _, err = s.pays.pay(ctx, p, s.external(ref, req.Amount))
	if err != nil {
		return Receipt{}, err
	}
	return receipt(p), nil
}

// refused is the problem of a card a till's check denied.
func refused(reason string) *Error {
	switch reason {
	case access.ReasonFrozen:
		return ErrCardFrozen
	case access.ReasonReplayed:
		return &Error{Kind: ErrForbidden, Code: CodeFrozen, En: "this code was used before: a copy; the card is frozen", Zh: "该付款码已被使用过，疑似复制，校园卡已冻结"}
	case access.ReasonTravel:
		return &Error{Kind: ErrForbidden, Code: CodeFrozen, En: "the card was used too far away too recently: it is frozen", Zh: "校园卡刚在过远的地方使用过，已冻结"}
	case access.ReasonLost:
		return ErrCardLost
	case access.ReasonExpired:
		return &Error{Kind: ErrForbidden, Code: CodeNotPermitted, Field: "code", En: "the code has expired: show a fresh one", Zh: "付款码已过期，请刷新"}
	case access.ReasonForged, access.ReasonUnknown:
		return &Error{Kind: ErrForbidden, Code: CodeNotPermitted, Field: "code", En: "no card answers to this code or number", Zh: "付款码或卡号无效"}
	}
	return &Error{Kind: ErrForbidden, Code: CodeNotPermitted, En: "this card may not pay here (" + reason + ")", Zh: "该校园卡不能在此付款（" + reason + "）"}
}

// Refund gives back amount fen of payment id: finance only, at most what
// was paid, in total.
func (s *Service) Refund(ctx context.Context, op auth.User, id, amount int64) (Refund, error) {
	if !op.Has(auth.Finance) {
		return Refund{}, &Error{Kind: ErrForbidden, En: "only admins and finance may refund", Zh: "只有管理员和财务人员可以退款"}
	}
	if err := checkAmount("amount_fen", amount, 1, MaxCharge*10); err != nil {
		return Refund{}, err
	}
	r, err := s.store.Refund(ctx, id, amount, op.ID, s.now())
	if err != nil || r.Source != SourceExternal {
		return r, err
	}
	// The ledger owes it to the provider's account now: the provider
	// gives it back to the person's external account, once per refund.
	p, ok := s.providers[r.Provider]
	if !ok {
		s.log.Error("a refund to an external account whose provider is not configured", "provider", r.Provider, "refund_tx", r.Tx)
		return r, nil
	}
	if err := p.Refund(ctx, r.ProviderTxn, fmt.Sprintf("refund:%d", r.Tx), r.Amount); err != nil {
		s.log.Error("the provider did not take a refund; the ledger has it: settle it with the provider", "provider", r.Provider, "refund_tx", r.Tx, "err", err)
	}
	return r, nil
}

// RecordView is one line of GET /wallet/transactions.
type RecordView struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Amount    int64     `json:"amount_fen"`
	Balance   int64     `json:"balance_fen"`
	Source    string    `json:"source"`
	Merchant  *string   `json:"merchant"`
	Place     *string   `json:"place"`
	PaymentID *int64    `json:"payment_id"`
	T         time.Time `json:"t"`
}

// Records are u's records, newest first, in lang; cursor is the id to go
// below (0: from the newest).
func (s *Service) Records(ctx context.Context, u auth.User, lang string, before int64, limit int) ([]RecordView, error) {
	c, err := s.cardOf(ctx, u)
	if err != nil {
		return nil, err
	}
	rs, err := s.store.Records(ctx, c.ID, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]RecordView, len(rs))
	for i, r := range rs {
		v := RecordView{ID: r.ID, Kind: r.Kind, Amount: r.Amount, Balance: r.Balance, Source: r.Source, T: r.At.In(Shanghai)}
		if r.Payment != 0 {
			id := r.Payment
			v.PaymentID = &id
		}
		switch {
		case r.Merchant == Utilities:
			name := utilitiesName.In(lang)
			v.Merchant = &name
		case r.Merchant != "":
			if m, ok := s.merchants[r.Reader]; ok {
				name, place := m.Name.In(lang), m.Place.In(lang)
				v.Merchant, v.Place = &name, &place
			} else if m, ok := s.Merchant(r.Merchant); ok {
				name := m.Name.In(lang)
				v.Merchant = &name
			}
		}
		out[i] = v
	}
	return out, nil
}

var utilitiesName = geo.Labels{"en": "Dormitory water and electricity", "zh-Hans": "宿舍水电费"}
