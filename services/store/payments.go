package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/ledger"
	"github.com/campusnav/engine/services/payments"
)

var _ payments.Store = (*DB)(nil)

// The card's money (services/payments): each row that records money is
// written in the transaction of the ledger postings that move it
// (commitIn), with the holder's record and an audit entry.

// WalletOf is a card's balance and password-free settings.
func (db *DB) WalletOf(ctx context.Context, card int64) (payments.Wallet, error) {
	w := payments.Wallet{Card: card}
	var err error
	if w.Balance, err = db.Balance(ctx, ledger.Wallet(card)); err != nil {
		return w, err
	}
	err = db.walletSettings(ctx, db.sql, &w, "")
	return w, db.fail(err, "reading a wallet")
}

// walletSettings reads w.Card's settings into w (none kept: off), the
// row locked by lock.
func (db *DB) walletSettings(ctx context.Context, q querier, w *payments.Wallet, lock string) error {
	var mandate, provider sql.NullString
	err := q.QueryRowContext(ctx, `SELECT w.password_free, w.limit_fen, w.mandate, m.provider FROM wallets w
		LEFT JOIN mandates m ON m.id = w.mandate WHERE w.card_id = $1`+lock, w.Card).Scan(&w.PasswordFree, &w.Limit, &mandate, &provider)
	if noRows(err) {
		return nil
	}
	w.Mandate, w.Provider = mandate.String, provider.String
	return err
}

// cardSubject is a card's holder: account and name for the audit log;
// ErrNotFound for no such card.
func (db *DB) cardSubject(ctx context.Context, q querier, card int64) (int64, string, error) {
	var id int64
	var email string
	err := q.QueryRowContext(ctx, "SELECT u.id, u.email FROM cards c JOIN users u ON u.id = c.user_id WHERE c.id = $1", card).Scan(&id, &email)
	if noRows(err) {
		return 0, "", served{fmt.Errorf("%w (card %d)", payments.ErrNotFound, card)}
	}
	return id, email, err
}

func detail(v map[string]any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// lockCard makes a card's changes take turns (the count of what is
// pending on it); ErrNotFound for no such card.
func (db *DB) lockCard(ctx context.Context, tx *sql.Tx, card int64) error {
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM cards WHERE id = $1"+db.d.ForUpdate, card).Scan(&one)
	if noRows(err) {
		return served{fmt.Errorf("%w (card %d)", payments.ErrNotFound, card)}
	}
	return err
}

// AddTopUp stores a pending top-up, at most payments.MaxPendingTopUps
// pending a day per card.
func (db *DB) AddTopUp(ctx context.Context, t payments.TopUp) (payments.TopUp, error) {
	t.Created = stamp(t.Created)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockCard(ctx, tx, t.Card); err != nil {
			return err
		}
		var n int
		err := tx.QueryRowContext(ctx, "SELECT count(*) FROM topups WHERE card_id = $1 AND status = 'pending' AND created > $2",
			t.Card, db.d.Time(t.Created.Add(-24*time.Hour))).Scan(&n)
		if err != nil {
			return err
		}
		if n >= payments.MaxPendingTopUps {
			return served{payments.Conflict("too_many_pending", fmt.Sprintf("%d top-ups are waiting on their provider; finish or abandon one first", n),
				fmt.Sprintf("已有 %d 笔充值在等待支付机构确认，请先完成或放弃其中一笔", n))}
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO topups (id, card_id, provider, amount_fen, status, created) VALUES ($1, $2, $3, $4, 'pending', $5)",
			t.ID, t.Card, t.Provider, t.Amount, db.d.Time(t.Created))
		return err
	})
	t.Status = payments.Pending
	return t, db.fail(err, "adding a top-up")
}

const topUpColumns = "id, card_id, provider, amount_fen, status, coalesce(provider_txn, ''), created FROM topups"

func scanTopUp(r row) (payments.TopUp, error) {
	var t payments.TopUp
	return t, r.Scan(&t.ID, &t.Card, &t.Provider, &t.Amount, &t.Status, &t.ProviderTxn, timeOf{&t.Created})
}

// TopUpByID is a top-up.
func (db *DB) TopUpByID(ctx context.Context, id string) (payments.TopUp, error) {
	t, err := scanTopUp(db.sql.QueryRowContext(ctx, "SELECT "+topUpColumns+" WHERE id = $1", id))
	if noRows(err) {
		return t, fmt.Errorf("%w (top-up %s)", payments.ErrNotFound, id)
	}
	return t, db.fail(err, "reading a top-up")
}

// SettleTopUp applies a provider's notice about a top-up, once.
func (db *DB) SettleTopUp(ctx context.Context, provider string, n payments.Notice, at time.Time) (payments.TopUp, bool, error) {
	at = stamp(at)
	var t payments.TopUp
	var changed bool
	var refused error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = scanTopUp(tx.QueryRowContext(ctx, "SELECT "+topUpColumns+" WHERE id = $1"+db.d.ForUpdate, n.TopUp))
		if noRows(err) || err == nil && t.Provider != provider {
			return served{fmt.Errorf("%w (top-up %s of provider %s)", payments.ErrNotFound, n.TopUp, provider)}
		}
		if err != nil {
			return err
		}
		userID, subject, err := db.cardSubject(ctx, tx, t.Card)
		if err != nil {
			return err
		}
		switch {
		case n.Status == payments.Succeeded && n.Amount != t.Amount:
			refused = payments.Conflict("amount_mismatch", fmt.Sprintf("the notification says %d fen for top-up %s of %d fen: refused", n.Amount, t.ID, t.Amount),
				fmt.Sprintf("通知的金额 %d 分与充值 %s 的 %d 分不符，已拒绝", n.Amount, t.ID, t.Amount))
			refused.(*payments.Error).Field = "amount_fen"
			_, err := db.AppendTx(ctx, tx, audit.Entry{At: at, Actor: userID, Subject: subject, Kind: audit.TopUp, Place: provider, Decision: audit.Deny,
				Reason: "the notified amount is not the top-up's", Detail: detail(map[string]any{"topup": t.ID, "amount_fen": t.Amount, "notified_fen": n.Amount, "provider_txn": n.ProviderTxn})})
			return err
		case t.Status == payments.Succeeded, n.Status == payments.Failed && t.Status == payments.Failed:
			return nil // a repeat, or a failure after the success: done before
		case n.Status == payments.Failed:
			changed, t.Status = true, payments.Failed
			_, err := tx.ExecContext(ctx, "UPDATE topups SET status = 'failed', settled = $2 WHERE id = $1", t.ID, db.d.Time(at))
			return err
		}
		lt, after, err := db.commitIn(ctx, tx, ledger.Transaction{Kind: ledger.KindTopUp, Reference: "topup:" + t.ID, At: at,
			Postings: []ledger.Posting{{Source: ledger.Provider(provider), Destination: ledger.Wallet(t.Card), Amount: t.Amount}}})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE topups SET status = 'succeeded', provider_txn = $2, tx_id = $3, settled = $4 WHERE id = $1",
			t.ID, n.ProviderTxn, lt.ID, db.d.Time(at)); err != nil {
			if db.d.IsUnique(err) {
				return served{payments.Conflict("provider_txn_reused", fmt.Sprintf("provider transaction %s settled another top-up", n.ProviderTxn),
					fmt.Sprintf("支付机构交易号 %s 已用于另一笔充值", n.ProviderTxn))}
			}
			return err
		}
		if err := db.record(ctx, tx, payments.Record{Tx: lt.ID, Kind: ledger.KindTopUp, Source: payments.SourceExternal, Amount: t.Amount,
			Balance: after[ledger.Wallet(t.Card)], At: at}, t.Card); err != nil {
			return err
		}
		changed, t.Status, t.ProviderTxn = true, payments.Succeeded, n.ProviderTxn
		_, err = db.AppendTx(ctx, tx, audit.Entry{At: at, Actor: userID, Subject: subject, Kind: audit.TopUp, Place: provider, Decision: audit.Allow,
			Detail: detail(map[string]any{"topup": t.ID, "amount_fen": t.Amount, "provider_txn": n.ProviderTxn, "tx": lt.ID})})
		return err
	})
	if err == nil && refused != nil {
		return t, false, refused
	}
	return t, changed, db.fail(err, "settling top-up %s", n.TopUp)
}

// record writes a line of the holder's records.
func (db *DB) record(ctx context.Context, tx *sql.Tx, r payments.Record, card int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO wallet_records (card_id, tx_id, kind, source, amount_fen, balance_fen, merchant, reader, payment_id, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		card, r.Tx, r.Kind, r.Source, r.Amount, r.Balance, nullable(r.Merchant), nullable(r.Reader), nullID(r.Payment), db.d.Time(r.At))
	return err
}

// below is the id a page goes below: before, or past every id for 0.
func below(before int64) int64 {
	if before <= 0 {
		return math.MaxInt64
	}
	return before
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// AddMandate stores a pending mandate, at most
// payments.MaxPendingMandates pending per card.
func (db *DB) AddMandate(ctx context.Context, m payments.Mandate) (payments.Mandate, error) {
	m.Created = stamp(m.Created)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockCard(ctx, tx, m.Card); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM mandates WHERE card_id = $1 AND status = 'pending'", m.Card).Scan(&n); err != nil {
			return err
		}
		if n >= payments.MaxPendingMandates {
			return served{payments.Conflict("too_many_pending", fmt.Sprintf("%d links of an external account are waiting on their provider", n),
				fmt.Sprintf("已有 %d 个外部账户绑定在等待支付机构确认", n))}
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO mandates (id, card_id, provider, status, created) VALUES ($1, $2, $3, 'pending', $4)",
			m.ID, m.Card, m.Provider, db.d.Time(m.Created))
		return err
	})
	m.Status = payments.Pending
	return m, db.fail(err, "adding a mandate")
}

const mandateColumns = "id, card_id, provider, status, created FROM mandates"

func scanMandate(r row) (payments.Mandate, error) {
	var m payments.Mandate
	return m, r.Scan(&m.ID, &m.Card, &m.Provider, &m.Status, timeOf{&m.Created})
}

// MandateByID is a mandate.
func (db *DB) MandateByID(ctx context.Context, id string) (payments.Mandate, error) {
	m, err := scanMandate(db.sql.QueryRowContext(ctx, "SELECT "+mandateColumns+" WHERE id = $1", id))
	if noRows(err) {
		return m, fmt.Errorf("%w (mandate %s)", payments.ErrNotFound, id)
	}
	return m, db.fail(err, "reading a mandate")
}

// SettleMandate applies a provider's notice about a mandate, once.
func (db *DB) SettleMandate(ctx context.Context, provider string, n payments.Notice, at time.Time) (payments.Mandate, bool, error) {
	at = stamp(at)
	var m payments.Mandate
	var changed bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		m, err = scanMandate(tx.QueryRowContext(ctx, "SELECT "+mandateColumns+" WHERE id = $1"+db.d.ForUpdate, n.Mandate))
		if noRows(err) || err == nil && m.Provider != provider {
			return served{fmt.Errorf("%w (mandate %s of provider %s)", payments.ErrNotFound, n.Mandate, provider)}
		}
		if err != nil || m.Status == n.Status || m.Status == payments.Active {
			return err // a repeat, or a failure after the link: the link stands
		}
		userID, subject, err := db.cardSubject(ctx, tx, m.Card)
		if err != nil {
			return err
		}
		changed, m.Status = true, n.Status
		if _, err := tx.ExecContext(ctx, "UPDATE mandates SET status = $2, settled = $3 WHERE id = $1", m.ID, n.Status, db.d.Time(at)); err != nil {
			return err
		}
		decision := audit.Deny
		if n.Status == payments.Active {
			decision = audit.Allow
			if _, err := tx.ExecContext(ctx, `INSERT INTO wallets (card_id, mandate) VALUES ($1, $2)
				ON CONFLICT (card_id) DO UPDATE SET mandate = excluded.mandate`, m.Card, m.ID); err != nil {
				return err
			}
		}
		_, err = db.AppendTx(ctx, tx, audit.Entry{At: at, Actor: userID, Subject: subject, Kind: audit.MandateLinked, Place: provider, Decision: decision,
			Detail: detail(map[string]any{"mandate": m.ID})})
		return err
	})
	return m, changed, db.fail(err, "settling mandate %s", n.Mandate)
}

// SetPasswordFree turns a card's password-free payments on or off.
func (db *DB) SetPasswordFree(ctx context.Context, card, by int64, enabled bool, limit int64, at time.Time) (payments.Wallet, error) {
	at = stamp(at)
	w := payments.Wallet{Card: card}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, subject, err := db.cardSubject(ctx, tx, card)
		if err != nil {
			return err
		}
		if err := db.walletSettings(ctx, tx, &w, db.forUpdateOf("w")); err != nil {
			return err
		}
		if enabled && w.Mandate == "" {
			return served{payments.Conflict("no_external_account", "link an external account first (POST /wallet/external-account)",
				"请先绑定外部账户（POST /wallet/external-account）")}
		}
		res, err := tx.ExecContext(ctx, "UPDATE wallets SET password_free = $2, limit_fen = $3 WHERE card_id = $1", card, enabled, limit)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 { // nothing linked yet, so off
			if _, err := tx.ExecContext(ctx, "INSERT INTO wallets (card_id, password_free, limit_fen) VALUES ($1, false, $2)", card, limit); err != nil {
				return err
			}
		}
		w.PasswordFree, w.Limit = enabled, limit
		decision := audit.Revoke
		if enabled {
			decision = audit.Grant
		}
		_, err = db.AppendTx(ctx, tx, audit.Entry{At: at, Actor: by, Subject: subject, Kind: audit.PasswordFree, Decision: decision,
			Detail: detail(map[string]any{"limit_fen": limit})})
		return err
	})
	if err != nil {
		return w, db.fail(err, "setting password-free payments")
	}
	w.Balance, err = db.Balance(ctx, ledger.Wallet(card))
	return w, err
}

// How a payment may be paid: from the wallet only, the wallet and then
// password-free, or the linked external account only.
type payFrom int

const (
	fromWallet payFrom = iota
	fromWalletOrPasswordFree
	fromExternal
)

// Pay pays from a card's wallet, or by password-free.
func (db *DB) Pay(ctx context.Context, p payments.Payment, external func(ctx context.Context, mandate, provider string) (string, error)) (payments.Payment, bool, error) {
	if err := ledger.Check([]ledger.Posting{{Source: ledger.Wallet(p.Card), Destination: ledger.Merchant(p.Merchant), Amount: p.Amount}}); err != nil {
		return p, false, err
	}
	p.At = stamp(p.At)
	var replayed bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if p.Reference != "" {
			first, found, err := db.paymentByReference(ctx, tx, p.Reference)
			if err != nil || found {
				p, replayed = first, found
				return err
			}
		}
		var err error
		p, err = db.payIn(ctx, tx, p, ledger.KindPayment, ledger.Merchant(p.Merchant), fromWalletOrPasswordFree, external)
		return err
	})
	if err != nil && p.Reference != "" && db.d.IsUnique(err) {
		if first, found, rerr := db.paymentByReference(ctx, db.sql, p.Reference); rerr == nil && found {
			return first, true, nil
		}
	}
	return p, replayed, db.fail(err, "paying")
}

// payIn pays p in tx to the ledger account dest: the card checked, the
// money moved as from says, the payment, the holder's record and the
// audit entry written.
func (db *DB) payIn(ctx context.Context, tx *sql.Tx, p payments.Payment, kind, dest string, from payFrom,
	external func(ctx context.Context, mandate, provider string) (string, error)) (payments.Payment, error) {
	var status, physical string
	err := tx.QueryRowContext(ctx, "SELECT status, physical FROM cards WHERE id = $1", p.Card).Scan(&status, &physical)
	switch {
	case noRows(err):
		return p, served{fmt.Errorf("%w (card %d)", payments.ErrNotFound, p.Card)}
	case err != nil:
		return p, err
	case status != "valid":
		return p, served{payments.ErrCardFrozen}
	case p.Physical && physical != "valid":
		return p, served{payments.ErrCardLost}
	}
	wallet := ledger.Wallet(p.Card)
	t := ledger.Transaction{Kind: kind, Reference: p.Reference, At: p.At}
	var after ledger.Balances
	p.Source = payments.SourceWallet
	if from != fromExternal {
		t.Postings = []ledger.Posting{{Source: wallet, Destination: dest, Amount: p.Amount}}
		t, after, err = db.commitIn(ctx, tx, t)
		switch {
		case err == nil:
			p.Balance = after[wallet]
		case !errors.Is(err, ledger.ErrInsufficientFunds):
			return p, err
		case from == fromWallet:
			return p, served{payments.Insufficient("", "")}
		}
	}
	if from == fromExternal || err != nil { // the wallet cannot pay: its external account
		w := payments.Wallet{Card: p.Card}
		if err := db.walletSettings(ctx, tx, &w, db.forUpdateOf("w")); err != nil {
			return p, err
		}
		if err := db.mayChargeExternal(ctx, tx, w, p, from); err != nil {
			return p, err
		}
		txn, err := external(ctx, w.Mandate, w.Provider)
		if err != nil {
			return p, served{err}
		}
		p.Source, p.Provider, p.ProviderTxn = payments.SourceExternal, w.Provider, txn
		t.Postings = []ledger.Posting{{Source: ledger.Provider(w.Provider), Destination: dest, Amount: p.Amount}}
		if t, _, err = db.commitIn(ctx, tx, t); err != nil {
			return p, err
		}
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(balance_fen), 0) FROM ledger_accounts WHERE address = $1", wallet).Scan(&p.Balance); err != nil {
			return p, err
		}
	}
	p.Tx = t.ID
	err = tx.QueryRowContext(ctx, `INSERT INTO payments (tx_id, card_id, reader, merchant, amount_fen, source, provider, provider_txn, description, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		p.Tx, p.Card, nullable(p.Reader), p.Merchant, p.Amount, p.Source, nullable(p.Provider), nullable(p.ProviderTxn), p.Description, db.d.Time(p.At)).Scan(&p.ID)
	if err != nil {
		return p, err
	}
	if err := db.record(ctx, tx, payments.Record{Tx: p.Tx, Kind: kind, Source: p.Source, Amount: -p.Amount, Balance: p.Balance,
		Merchant: p.Merchant, Reader: p.Reader, Payment: p.ID, At: p.At}, p.Card); err != nil {
		return p, err
	}
	akind, place := audit.Payment, p.Reader
	if kind == ledger.KindBill {
		akind, place = audit.BillPaid, ""
	}
	_, err = db.AppendTx(ctx, tx, audit.Entry{At: p.At, Actor: p.UserID, Subject: p.Subject, Kind: akind, Place: place, Decision: audit.Allow,
		Detail: detail(map[string]any{"payment": p.ID, "amount_fen": p.Amount, "source": p.Source, "merchant": p.Merchant, "tx": p.Tx})})
	return p, err
}

// mayChargeExternal says whether p may be charged to w's external
// account: linked, and for password-free on, within its limit and the
// day's.
func (db *DB) mayChargeExternal(ctx context.Context, tx *sql.Tx, w payments.Wallet, p payments.Payment, from payFrom) error {
	switch {
	case w.Mandate == "" && from == fromExternal:
		return served{payments.Conflict("no_external_account", "link an external account first (POST /wallet/external-account)",
			"请先绑定外部账户（POST /wallet/external-account）")}
	case from == fromExternal:
		return nil
	case !w.PasswordFree:
		return served{payments.Insufficient("", "")}
	case p.Amount > w.Limit:
		return served{payments.Insufficient(fmt.Sprintf(", and it is over the password-free limit of %d fen a payment", w.Limit),
			fmt.Sprintf("，且超过免密支付单笔限额 %d 分", w.Limit))}
	}
	var today int64
	err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(amount_fen), 0) FROM wallet_records
		WHERE card_id = $1 AND source = 'external' AND kind = 'payment' AND at >= $2`, p.Card, db.d.Time(stamp(payments.DayStart(p.At)))).Scan(&today)
	if err != nil {
		return err
	}
	if -today+p.Amount > payments.DailyExternalLimit {
		return served{payments.Insufficient(fmt.Sprintf(", and password-free payments would pass today's %d fen", int64(payments.DailyExternalLimit)),
			fmt.Sprintf("，且免密支付将超过当日限额 %d 分", int64(payments.DailyExternalLimit)))}
	}
	return nil
}

// PayMany pays many from their wallets in one transaction: one commit
// and one turn of the audit log's head for all, and a statement for
// each step of all of them rather than for each payment. Each payment is
// Pay's without its external account: the same reference checked, the
// same card refused, the same accounts locked (all of the batch's, in
// address order), the same transaction, postings, payment, record and
// audit entry written. What it cannot settle alone is left to Pay.
func (db *DB) PayMany(ctx context.Context, ps []payments.Payment) ([]payments.Batched, error) {
	out := make([]payments.Batched, len(ps))
	seen := make(map[string]bool, len(ps))
	for i, p := range ps {
		p.At = stamp(p.At)
		out[i].Payment = p
		// Pay answers what is not well formed, and a reference asked
		// twice here is paid once there and replayed.
		bad := ledger.Check([]ledger.Posting{{Source: ledger.Wallet(p.Card), Destination: ledger.Merchant(p.Merchant), Amount: p.Amount}}) != nil
		out[i].Alone = bad || p.Reference == "" || seen[p.Reference]
		seen[p.Reference] = true
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		return db.payMany(ctx, tx, out)
	})
	if err != nil {
		return nil, db.fail(err, "paying %d together", len(ps))
	}
	return out, nil
}

// payMany is PayMany in tx: out's payments not Alone are paid, replayed,
// or made Alone.
func (db *DB) payMany(ctx context.Context, tx *sql.Tx, out []payments.Batched) error {
	pending := func() []*payments.Batched {
		var ps []*payments.Batched
		for i := range out {
			if !out[i].Alone && !out[i].Replayed {
				ps = append(ps, &out[i])
			}
		}
		return ps
	}
	if err := db.replayMany(ctx, tx, pending()); err != nil {
		return err
	}
	if err := db.cardsMayPay(ctx, tx, pending()); err != nil {
		return err
	}
	ps := pending()
	if len(ps) == 0 {
		return nil
	}
	// The batch's accounts, made if new and locked in address order (as
	// commitIn does for one transaction), then each payment applied in
	// turn: a wallet that cannot cover one leaves it to Pay.
	var addrs []string
	for _, b := range ps {
		addrs = append(addrs, ledger.Wallet(b.Payment.Card), ledger.Merchant(b.Payment.Merchant))
	}
	slices.Sort(addrs)
	addrs = slices.Compact(addrs)
	before, err := db.lockAccounts(ctx, tx, addrs)
	if err != nil {
		return err
	}
	bal := maps.Clone(before)
	var paid []*payments.Batched
	for _, b := range ps {
		if bal.Apply([]ledger.Posting{{Source: ledger.Wallet(b.Payment.Card), Destination: ledger.Merchant(b.Payment.Merchant), Amount: b.Payment.Amount}}) != nil {
			b.Alone = true
			continue
		}
		paid = append(paid, b)
	}
	if len(paid) == 0 {
		return nil
	}
	// Their ledger transactions, then their postings with the balances
	// after each, in the order of the transactions' ids.
	rows, args := make([]string, 0, len(paid)), make([]any, 0, 3*len(paid))
	for _, b := range paid {
		rows = append(rows, db.placeholders(len(args), 3))
		args = append(args, ledger.KindPayment, b.Payment.Reference, db.d.Time(b.Payment.At))
	}
	q, err := tx.QueryContext(ctx, "INSERT INTO ledger_transactions (kind, reference, at) VALUES "+strings.Join(rows, ", ")+" RETURNING id, reference", args...)
	type made struct {
		id  int64
		ref string
	}
	ids, err := list(q, err, func(r row) (made, error) {
		var m made
		return m, r.Scan(&m.id, &m.ref)
	})
	if err != nil {
		return fmt.Errorf("writing the transactions: %w", err)
	}
	byRef := make(map[string]*payments.Batched, len(paid))
	for _, b := range paid {
		byRef[b.Payment.Reference] = b
	}
	for _, m := range ids {
		if b := byRef[m.ref]; b != nil {
			b.Payment.Tx = m.id
		}
	}
	slices.SortFunc(paid, func(x, y *payments.Batched) int { return cmp.Compare(x.Payment.Tx, y.Payment.Tx) })
	running := maps.Clone(before)
	postings := make([]any, 0, 7*len(paid))
	for _, b := range paid {
		p := &b.Payment
		if p.Tx == 0 {
			return fmt.Errorf("writing the transactions: no id for reference %q", p.Reference)
		}
		w, m := ledger.Wallet(p.Card), ledger.Merchant(p.Merchant)
		running[w] -= p.Amount
		running[m] += p.Amount
		p.Source, p.Balance = payments.SourceWallet, running[w]
		postings = append(postings, p.Tx, 0, w, m, p.Amount, running[w], running[m])
	}
	if err := db.insertRows(ctx, tx, "ledger_postings (tx_id, n, source, destination, amount_fen, source_balance_fen, destination_balance_fen)", 7, postings, ""); err != nil {
		return fmt.Errorf("writing postings: %w", err)
	}
	rows, args = rows[:0], args[:0]
	for _, a := range addrs {
		if running[a] != before[a] {
			rows = append(rows, fmt.Sprintf("(CAST(%s AS text), CAST(%s AS bigint))", db.param(len(args)+1), db.param(len(args)+2)))
			args = append(args, a, running[a])
		}
	}
	// VALUES columns are column1, column2 ... on both engines.
	if _, err := tx.ExecContext(ctx, "UPDATE ledger_accounts SET balance_fen = v.column2 FROM (VALUES "+strings.Join(rows, ", ")+
		") AS v WHERE ledger_accounts.address = v.column1", args...); err != nil {
		return fmt.Errorf("updating balances: %w", err)
	}
	// The payments, the holders' records and the audit entries.
	rows, args = rows[:0], args[:0]
	for _, b := range paid {
		p := b.Payment
		rows = append(rows, db.placeholders(len(args), 10))
		args = append(args, p.Tx, p.Card, nullable(p.Reader), p.Merchant, p.Amount, p.Source, nil, nil, p.Description, db.d.Time(p.At))
	}
	q, err = tx.QueryContext(ctx, `INSERT INTO payments (tx_id, card_id, reader, merchant, amount_fen, source, provider, provider_txn, description, at)
		VALUES `+strings.Join(rows, ", ")+" RETURNING id, tx_id", args...)
	type pair struct{ id, tx int64 }
	pids, err := list(q, err, func(r row) (pair, error) {
		var x pair
		return x, r.Scan(&x.id, &x.tx)
	})
	if err != nil {
		return fmt.Errorf("writing the payments: %w", err)
	}
	byTx := make(map[int64]int64, len(pids))
	for _, x := range pids {
		byTx[x.tx] = x.id
	}
	records := make([]any, 0, 10*len(paid))
	entries := make([]audit.Entry, 0, len(paid))
	for _, b := range paid {
		p := &b.Payment
		if p.ID = byTx[p.Tx]; p.ID == 0 {
			return fmt.Errorf("writing the payments: no id for transaction %d", p.Tx)
		}
		records = append(records, p.Card, p.Tx, ledger.KindPayment, p.Source, -p.Amount, p.Balance, nullable(p.Merchant), nullable(p.Reader), p.ID, db.d.Time(p.At))
		entries = append(entries, audit.Entry{At: p.At, Actor: p.UserID, Subject: p.Subject, Kind: audit.Payment, Place: p.Reader, Decision: audit.Allow,
			Detail: detail(map[string]any{"payment": p.ID, "amount_fen": p.Amount, "source": p.Source, "merchant": p.Merchant, "tx": p.Tx})})
	}
	if err := db.insertRows(ctx, tx, "wallet_records (card_id, tx_id, kind, source, amount_fen, balance_fen, merchant, reader, payment_id, at)", 10, records, ""); err != nil {
		return fmt.Errorf("writing records: %w", err)
	}
	_, err = db.AppendManyTx(ctx, tx, entries)
	return err
}

// lockAccounts makes the accounts (sorted) if new and locks them, in
// address order, as commitIn does, answering their balances.
func (db *DB) lockAccounts(ctx context.Context, tx *sql.Tx, accounts []string) (ledger.Balances, error) {
	rows := make([]string, 0, len(accounts))
	args := make([]any, 0, 2*len(accounts))
	for _, a := range accounts {
		rows = append(rows, db.placeholders(len(args), 2))
		args = append(args, a, ledger.Overdraft(a))
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO ledger_accounts (address, overdraft) VALUES "+strings.Join(rows, ", ")+" ON CONFLICT (address) DO NOTHING", args...); err != nil {
		return nil, fmt.Errorf("making accounts: %w", err)
	}
	args = args[:0]
	for _, a := range accounts {
		args = append(args, a)
	}
	q, err := tx.QueryContext(ctx, "SELECT address, balance_fen FROM ledger_accounts WHERE address IN "+db.placeholders(0, len(accounts))+
		" ORDER BY address"+db.d.ForUpdate, args...)
	type bal struct {
		a string
		v int64
	}
	got, err := list(q, err, func(r row) (bal, error) {
		var b bal
		return b, r.Scan(&b.a, &b.v)
	})
	if err != nil {
		return nil, fmt.Errorf("locking accounts: %w", err)
	}
	b := make(ledger.Balances, len(got))
	for _, x := range got {
		b[x.a] = x.v
	}
	return b, nil
}

// replayMany answers the payments whose reference was paid before.
func (db *DB) replayMany(ctx context.Context, tx *sql.Tx, ps []*payments.Batched) error {
	if len(ps) == 0 {
		return nil
	}
	refs := make([]any, len(ps))
	for i, b := range ps {
		refs[i] = b.Payment.Reference
	}
	q, err := tx.QueryContext(ctx, "SELECT reference FROM ledger_transactions WHERE reference IN "+db.placeholders(0, len(refs)), refs...)
	found, err := list(q, err, func(r row) (string, error) {
		var ref string
		return ref, r.Scan(&ref)
	})
	if err != nil || len(found) == 0 {
		return err
	}
	for _, b := range ps {
		if !slices.Contains(found, b.Payment.Reference) {
			continue
		}
		first, ok, err := db.paymentByReference(ctx, tx, b.Payment.Reference)
		switch {
		case err != nil:
			return err
		case ok:
			b.Payment, b.Replayed = first, true
		default:
			b.Alone = true // a reference of something else: Pay says so
		}
	}
	return nil
}

// cardsMayPay leaves to Pay the payments of cards that are missing,
// frozen, or (paying with the physical card) lost: Pay refuses them.
func (db *DB) cardsMayPay(ctx context.Context, tx *sql.Tx, ps []*payments.Batched) error {
	if len(ps) == 0 {
		return nil
	}
	ids := make([]any, 0, len(ps))
	for _, b := range ps {
		if !slices.Contains(ids, any(b.Payment.Card)) {
			ids = append(ids, b.Payment.Card)
		}
	}
	type card struct {
		id               int64
		status, physical string
	}
	q, err := tx.QueryContext(ctx, "SELECT id, status, physical FROM cards WHERE id IN "+db.placeholders(0, len(ids)), ids...)
	cs, err := list(q, err, func(r row) (card, error) {
		var c card
		return c, r.Scan(&c.id, &c.status, &c.physical)
	})
	if err != nil {
		return err
	}
	for _, b := range ps {
		i := slices.IndexFunc(cs, func(c card) bool { return c.id == b.Payment.Card })
		b.Alone = i < 0 || cs[i].status != "valid" || b.Payment.Physical && cs[i].physical != "valid"
	}
	return nil
}

const paymentColumns = `p.id, p.tx_id, p.card_id, coalesce(p.reader, ''), p.merchant, p.amount_fen, p.source, coalesce(p.provider, ''),
	coalesce(p.provider_txn, ''), p.description, p.refunded_fen, p.at, r.balance_fen
	FROM payments p JOIN wallet_records r ON r.tx_id = p.tx_id AND r.card_id = p.card_id `

func scanPayment(r row) (payments.Payment, error) {
	var p payments.Payment
	return p, r.Scan(&p.ID, &p.Tx, &p.Card, &p.Reader, &p.Merchant, &p.Amount, &p.Source, &p.Provider, &p.ProviderTxn,
		&p.Description, &p.Refunded, timeOf{&p.At}, &p.Balance)
}

func (db *DB) paymentByReference(ctx context.Context, q querier, ref string) (payments.Payment, bool, error) {
	p, err := scanPayment(q.QueryRowContext(ctx, "SELECT "+paymentColumns+"JOIN ledger_transactions t ON t.id = p.tx_id WHERE t.reference = $1", ref))
	if noRows(err) {
		return p, false, nil
	}
	p.Reference = ref
	return p, err == nil, err
}

// PaymentByReference is the payment made under a reference, if any.
func (db *DB) PaymentByReference(ctx context.Context, ref string) (payments.Payment, bool, error) {
	p, found, err := db.paymentByReference(ctx, db.sql, ref)
	return p, found, db.fail(err, "reading a payment")
}

// PaymentByID is a payment.
func (db *DB) PaymentByID(ctx context.Context, id int64) (payments.Payment, error) {
	p, err := scanPayment(db.sql.QueryRowContext(ctx, "SELECT "+paymentColumns+"WHERE p.id = $1", id))
	if noRows(err) {
		return p, fmt.Errorf("%w (payment %d)", payments.ErrNotFound, id)
	}
	return p, db.fail(err, "reading a payment")
}

// Refund gives back part of a payment.
func (db *DB) Refund(ctx context.Context, id, amount, by int64, at time.Time) (payments.Refund, error) {
	at = stamp(at)
	r := payments.Refund{Payment: id, Amount: amount, By: by, At: at}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		p, err := scanPayment(tx.QueryRowContext(ctx, "SELECT "+paymentColumns+"WHERE p.id = $1"+db.forUpdateOf("p"), id))
		if noRows(err) {
			return served{fmt.Errorf("%w (payment %d)", payments.ErrNotFound, id)}
		}
		if err != nil {
			return err
		}
		if left := p.Amount - p.Refunded; amount > left {
			return served{payments.Conflict("over_refund", fmt.Sprintf("payment %d paid %d fen and %d fen were refunded: at most %d fen more", id, p.Amount, p.Refunded, left),
				fmt.Sprintf("付款 %d 金额 %d 分，已退 %d 分，最多还能退 %d 分", id, p.Amount, p.Refunded, left))}
		}
		_, subject, err := db.cardSubject(ctx, tx, p.Card)
		if err != nil {
			return err
		}
		wallet := ledger.Wallet(p.Card)
		dest := wallet
		r.Source, r.Provider, r.ProviderTxn = p.Source, p.Provider, p.ProviderTxn
		if p.Source == payments.SourceExternal {
			dest = ledger.Provider(p.Provider)
		}
		lt, after, err := db.commitIn(ctx, tx, ledger.Transaction{Kind: ledger.KindRefund, At: at,
			Postings: []ledger.Posting{{Source: ledger.Merchant(p.Merchant), Destination: dest, Amount: amount}}})
		if errors.Is(err, ledger.ErrInsufficientFunds) {
			return served{payments.Conflict("merchant_short", "the merchant's account does not hold the refund", "商户账户余额不足以退款")}
		}
		if err != nil {
			return err
		}
		r.Tx = lt.ID
		if _, err := tx.ExecContext(ctx, "UPDATE payments SET refunded_fen = refunded_fen + $2 WHERE id = $1", id, amount); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO refunds (tx_id, payment_id, amount_fen, by_user, at) VALUES ($1, $2, $3, $4, $5)",
			lt.ID, id, amount, by, db.d.Time(at)); err != nil {
			return err
		}
		r.Balance = after[wallet]
		if dest != wallet {
			if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(balance_fen), 0) FROM ledger_accounts WHERE address = $1", wallet).Scan(&r.Balance); err != nil {
				return err
			}
		}
		if err := db.record(ctx, tx, payments.Record{Tx: lt.ID, Kind: ledger.KindRefund, Source: p.Source, Amount: amount, Balance: r.Balance,
			Merchant: p.Merchant, Reader: p.Reader, Payment: id, At: at}, p.Card); err != nil {
			return err
		}
		_, err = db.AppendTx(ctx, tx, audit.Entry{At: at, Actor: by, Subject: subject, Kind: audit.Refund, Place: p.Reader, Decision: audit.Allow,
			Detail: detail(map[string]any{"payment": id, "amount_fen": amount, "tx": lt.ID})})
		return err
	})
	return r, db.fail(err, "refunding payment %d", id)
}

// Records are a card's records, newest first.
func (db *DB) Records(ctx context.Context, card int64, before int64, limit int) ([]payments.Record, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, tx_id, kind, source, amount_fen, balance_fen, coalesce(merchant, ''), coalesce(reader, ''),
		coalesce(payment_id, 0), at FROM wallet_records WHERE card_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, card, below(before), limit)
	rs, err := list(rows, err, func(r row) (payments.Record, error) {
		var x payments.Record
		return x, r.Scan(&x.ID, &x.Tx, &x.Kind, &x.Source, &x.Amount, &x.Balance, &x.Merchant, &x.Reader, &x.Payment, timeOf{&x.At})
	})
	return rs, db.fail(err, "reading records")
}

const billColumns = `b.id, b.user_id, u.email, b.room, b.period, b.water_from, b.water_to, b.electricity_from, b.electricity_to,
	b.amount_fen, b.status, coalesce(b.paid_source, ''), coalesce(b.appeal, ''), b.created FROM bills b JOIN users u ON u.id = b.user_id `

func scanBill(r row) (payments.Bill, error) {
	var b payments.Bill
	return b, r.Scan(&b.ID, &b.UserID, &b.Email, &b.Room, &b.Period, &b.WaterFrom, &b.WaterTo, &b.ElectricityFrom, &b.ElectricityTo,
		&b.Amount, &b.Status, &b.Source, &b.Appeal, timeOf{&b.Created})
}

// IssueBills issues bills, all or none.
func (db *DB) IssueBills(ctx context.Context, bs []payments.Bill, by int64, at time.Time) ([]payments.Bill, error) {
	at = stamp(at)
	var issued []payments.Bill
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		issued = issued[:0]
		var entries []audit.Entry
		for _, b := range bs {
			err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE email = $1", b.Email).Scan(&b.UserID)
			if noRows(err) {
				return served{payments.Invalid("body", "line %d: no account %s", "第 %d 行：没有账户 %s", b.Line, b.Email)}
			}
			if err != nil {
				return err
			}
			var one int
			err = tx.QueryRowContext(ctx, "SELECT 1 FROM bills WHERE user_id = $1 AND room = $2 AND period = $3", b.UserID, b.Room, b.Period).Scan(&one)
			if err == nil {
				continue // issued before
			}
			if !noRows(err) {
				return err
			}
			lt, _, err := db.commitIn(ctx, tx, ledger.Transaction{Kind: ledger.KindBill, At: at,
				Postings: []ledger.Posting{{Source: ledger.Receivable, Destination: ledger.Merchant(payments.Utilities), Amount: b.Amount}}})
			if err != nil {
				return err
			}
			err = tx.QueryRowContext(ctx, `INSERT INTO bills (user_id, room, period, water_from, water_to, electricity_from, electricity_to, amount_fen, status, issued_tx, created)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'unpaid', $9, $10) RETURNING id`,
				b.UserID, b.Room, b.Period, b.WaterFrom, b.WaterTo, b.ElectricityFrom, b.ElectricityTo, b.Amount, lt.ID, db.d.Time(at)).Scan(&b.ID)
			if err != nil {
				return err
			}
			b.Status, b.Created = payments.Unpaid, at
			issued = append(issued, b)
			entries = append(entries, audit.Entry{At: at, Actor: by, Subject: b.Email, Kind: audit.BillIssued, Place: b.Room, Decision: audit.Allow,
				Detail: detail(map[string]any{"bill": b.ID, "period": b.Period, "amount_fen": b.Amount})})
		}
		_, err := db.AppendManyTx(ctx, tx, entries)
		return err
	})
	if issued == nil {
		issued = []payments.Bill{}
	}
	return issued, db.fail(err, "issuing bills")
}

// Bills are a person's bills, newest first.
func (db *DB) Bills(ctx context.Context, userID int64, before int64, limit int) ([]payments.Bill, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+billColumns+"WHERE b.user_id = $1 AND b.id < $2 ORDER BY b.id DESC LIMIT $3", userID, below(before), limit)
	bs, err := list(rows, err, scanBill)
	return bs, db.fail(err, "reading bills")
}

// PayBill pays a person's bill once.
func (db *DB) PayBill(ctx context.Context, p payments.Payment, id int64, source string, external func(ctx context.Context, mandate, provider string) (string, error)) (payments.Bill, payments.Payment, error) {
	p.At = stamp(p.At)
	var b payments.Bill
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = scanBill(tx.QueryRowContext(ctx, "SELECT "+billColumns+"WHERE b.id = $1"+db.forUpdateOf("b"), id))
		if noRows(err) || err == nil && b.UserID != p.UserID {
			return served{fmt.Errorf("%w (bill %d)", payments.ErrNotFound, id)}
		}
		if err != nil {
			return err
		}
		if b.Status == payments.Paid {
			return served{payments.Conflict("already_paid", fmt.Sprintf("bill %d is paid", id), fmt.Sprintf("账单 %d 已支付", id))}
		}
		p.Amount = b.Amount
		from := fromWallet
		if source == payments.SourceExternal {
			from = fromExternal
		}
		p, err = db.payIn(ctx, tx, p, ledger.KindBill, ledger.Receivable, from, external)
		if err != nil {
			return err
		}
		b.Status, b.Source = payments.Paid, p.Source
		_, err = tx.ExecContext(ctx, "UPDATE bills SET status = 'paid', paid_tx = $2, paid_source = $3 WHERE id = $1", id, p.Tx, p.Source)
		return err
	})
	return b, p, db.fail(err, "paying bill %d", id)
}

// AppealBill records an appeal of a person's bill.
func (db *DB) AppealBill(ctx context.Context, userID, id int64, reason string, at time.Time) (payments.Bill, error) {
	at = stamp(at)
	var b payments.Bill
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE bills SET appeal = $3, appealed = $4 WHERE id = $1 AND user_id = $2", id, userID, reason, db.d.Time(at))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = served{fmt.Errorf("%w (bill %d)", payments.ErrNotFound, id)}
			}
			return err
		}
		if b, err = scanBill(tx.QueryRowContext(ctx, "SELECT "+billColumns+"WHERE b.id = $1", id)); err != nil {
			return err
		}
		_, err = db.AppendTx(ctx, tx, audit.Entry{At: at, Actor: userID, Subject: b.Email, Kind: audit.BillAppealed, Place: b.Room, Decision: audit.Allow,
			Reason: reason, Detail: detail(map[string]any{"bill": id})})
		return err
	})
	return b, db.fail(err, "appealing bill %d", id)
}
