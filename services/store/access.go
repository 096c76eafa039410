package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/card"
)

var _ access.Store = (*DB)(nil)

// cardColumns are what scanCard reads: the card and its holder's account.
const cardColumns = "c.id, c.user_id, c.holder, u.role, u.email, c.status, c.frozen_reason, c.number, c.physical, c.last_step, c.last_at, c.last_reader, c.created"

const cardFrom = " FROM cards c JOIN users u ON u.id = c.user_id "

func scanCard(r row) (access.Card, error) {
	var c access.Card
	var role string
	var frozen, lastReader sql.NullString
	var lastAt *time.Time
	err := r.Scan(&c.ID, &c.UserID, &c.Holder, &role, &c.Subject, &c.Status, &frozen, &c.Number, &c.Physical,
		&c.LastStep, maybeTimeOf{&lastAt}, &lastReader, timeOf{&c.Created})
	c.Role = auth.Role(role)
	c.FrozenReason, c.LastReader = frozen.String, lastReader.String
	if lastAt != nil {
		c.LastAt = *lastAt
	}
	return c, err
}

// forUpdateOf locks the rows of one table of a join, on PostgreSQL.
func (db *DB) forUpdateOf(table string) string {
	if db.d.ForUpdate == "" {
		return ""
	}
	return db.d.ForUpdate + " OF " + table
}

// CardOf is userID's card, made at the first call.
func (db *DB) CardOf(ctx context.Context, userID int64, holder string, number func() string) (access.Card, error) {
	c, err := scanCard(db.sql.QueryRowContext(ctx, "SELECT "+cardColumns+cardFrom+"WHERE c.user_id = $1", userID))
	if err == nil {
		return c, nil
	}
	if !noRows(err) {
		return access.Card{}, db.errorf("reading a card: %w", err)
	}
	for range 5 {
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO cards (user_id, holder, number, created) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO NOTHING",
				userID, holder, number(), db.t(time.Time{}))
			return err
		})
		switch {
		case err == nil:
			c, err := scanCard(db.sql.QueryRowContext(ctx, "SELECT "+cardColumns+cardFrom+"WHERE c.user_id = $1", userID))
			return c, db.fail(err, "reading a card")
		case db.d.IsForeignKey(err):
			return access.Card{}, fmt.Errorf("%w (account %d)", access.ErrNotFound, userID)
		case !db.d.IsUnique(err):
			return access.Card{}, db.errorf("making a card: %w", err)
		}
		// The number was taken: draw another.
	}
	return access.Card{}, db.errorf("making a card: no free card number in 5 draws")
}

// CardByID is a card by its id.
func (db *DB) CardByID(ctx context.Context, id int64) (access.Card, error) {
	c, err := scanCard(db.sql.QueryRowContext(ctx, "SELECT "+cardColumns+cardFrom+"WHERE c.id = $1", id))
	if noRows(err) {
		return access.Card{}, fmt.Errorf("%w (card %d)", access.ErrNotFound, id)
	}
	return c, db.fail(err, "reading a card")
}

// ChangeCard freezes, unfreezes, or marks the physical card lost or
// found, with its audit entry, in one transaction.
func (db *DB) ChangeCard(ctx context.Context, ch access.CardChange) (access.Card, error) {
	var c access.Card
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		c, _, err = db.changeCardTx(ctx, tx, ch)
		return err
	})
	return c, db.fail(err, "changing card %d", ch.Card)
}

// changeCardTx is ChangeCard in tx: the card, and whether it changed.
func (db *DB) changeCardTx(ctx context.Context, tx *sql.Tx, ch access.CardChange) (access.Card, bool, error) {
	c, err := scanCard(tx.QueryRowContext(ctx, "SELECT "+cardColumns+cardFrom+"WHERE c.id = $1"+db.forUpdateOf("c"), ch.Card))
	if noRows(err) {
		return c, false, served{fmt.Errorf("%w (card %d)", access.ErrNotFound, ch.Card)}
	}
	if err != nil {
		return c, false, err
	}
	e := audit.Entry{At: ch.At, Actor: ch.By, Subject: c.Subject, Place: "card:" + strconv.FormatInt(c.ID, 10)}
	switch {
	case ch.Freeze != "":
		if c.Status == access.Frozen {
			return c, false, nil
		}
		c.Status, c.FrozenReason = access.Frozen, ch.Freeze
		e.Kind, e.Decision, e.Reason = audit.CardFrozen, audit.Deny, ch.Freeze
	case ch.Unfreeze:
		if c.Status != access.Frozen {
			return c, false, nil
		}
		e.Kind, e.Decision, e.Reason = audit.CardUnfrozen, audit.Allow, "was "+c.FrozenReason
		c.Status, c.FrozenReason = access.Valid, ""
		if _, err := tx.ExecContext(ctx, "UPDATE card_devices SET revoked = true WHERE card_id = $1 AND NOT revoked", c.ID); err != nil {
			return c, false, err
		}
	case ch.Lost, ch.Found:
		lost := ch.Lost
		if (c.Physical == access.Lost) == lost {
			return c, false, nil
		}
		c.Physical, e.Kind, e.Decision, e.Reason = access.Valid, audit.CardFound, audit.Allow, "found"
		if lost {
			c.Physical, e.Kind, e.Decision, e.Reason = access.Lost, audit.CardLost, audit.Deny, "lost"
		}
	default:
		return c, false, nil
	}
	if err := db.updateCard(ctx, tx, &c, ch.At); err != nil {
		return c, false, err
	}
	_, err = db.AppendTx(ctx, tx, e)
	return c, err == nil, err
}

// updateCard writes a card's status and last use.
func (db *DB) updateCard(ctx context.Context, tx *sql.Tx, c *access.Card, at time.Time) error {
	var frozen, lastReader, lastAt any
	if c.FrozenReason != "" {
		frozen = c.FrozenReason
	}
	if c.LastReader != "" {
		lastReader = c.LastReader
	}
	if !c.LastAt.IsZero() {
		lastAt = db.t(c.LastAt)
	}
	_, err := tx.ExecContext(ctx, `UPDATE cards SET status = $2, frozen_reason = $3, frozen_at = CASE WHEN $2 = 'frozen' THEN coalesce(frozen_at, $4) END,
		physical = $5, last_step = $6, last_at = $7, last_reader = $8 WHERE id = $1`,
		c.ID, c.Status, frozen, db.t(at), c.Physical, c.LastStep, lastAt, lastReader)
	return err
}

// SigningKeys are the code-signing keys, newest first.
func (db *DB) SigningKeys(ctx context.Context) ([]access.StoredKey, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT id, private, created FROM card_keys ORDER BY created DESC, id")
	ks, err := list(rows, err, func(r row) (access.StoredKey, error) {
		var id int64
		var seed []byte
		var k access.StoredKey
		if err := r.Scan(&id, &seed, timeOf{&k.Created}); err != nil {
			return k, err
		}
		sk, err := card.SigningKeyFromSeed(card.KeyID(id), seed)
		k.Key = sk
		return k, err
	})
	return ks, db.fail(err, "reading the card keys")
}

// AddSigningKey stores a new key.
func (db *DB) AddSigningKey(ctx context.Context, k access.StoredKey) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO card_keys (id, private, created) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
			int64(k.Key.ID), []byte(k.Key.Private.Seed()), db.t(k.Created))
		return err
	})
	return db.fail(err, "storing a card key")
}

// AddDevice registers a phone's key, revoking the card's oldest beyond max.
func (db *DB) AddDevice(ctx context.Context, d access.Device, max int) (access.Device, error) {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "INSERT INTO card_devices (card_id, public_key, created, expires) VALUES ($1, $2, $3, $4) RETURNING id",
			d.Card, d.PublicKey, db.t(d.Created), db.t(d.Expires)).Scan(&d.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE card_devices SET revoked = true WHERE card_id = $1 AND NOT revoked AND id NOT IN
			(SELECT id FROM card_devices WHERE card_id = $1 AND NOT revoked ORDER BY id DESC LIMIT $2)`, d.Card, max)
		return err
	})
	if db.d.IsForeignKey(err) {
		return access.Device{}, fmt.Errorf("%w (card %d)", access.ErrNotFound, d.Card)
	}
	return d, db.fail(err, "registering a device")
}

// Decide decides a batch of attempts in one transaction: it loads their
// cards (locked, in id order), the earlier uses of their codes, their
// devices and their holders' grants; calls decide for each in turn; and
// writes the uses, the codes used, the cards changed and one audit entry
// for each decision (and one for each card frozen).
func (db *DB) Decide(ctx context.Context, as []*access.Attempt, decide func(*access.State, *access.Attempt) access.Effect) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		st, err := db.loadState(ctx, tx, as)
		if err != nil {
			return err
		}
		entries := make([]audit.Entry, 0, len(as))
		uses := make([]any, 0, 6*len(as))
		for _, a := range as {
			a.Card, a.Result = nil, access.Result{}
			eff := decide(st, a)
			if eff.Err != nil {
				return eff.Err
			}
			var cardID any
			subject := ""
			if a.Card != nil {
				cardID, subject = a.Card.ID, a.Card.Subject
			}
			uses = append(uses, db.t(a.At), cardID, a.Reader.ID, a.Credential, a.Result.Decision, a.Result.Reason)
			detail := map[string]any{"reader": a.Reader.Kind, "name": a.Reader.Name.In("en"), "credential": a.Credential}
			if a.Card != nil {
				detail["card"] = a.Card.ID
			}
			if a.Floor != nil {
				detail["floor"] = *a.Floor
			}
			dj, _ := json.Marshal(detail)
			entries = append(entries, audit.Entry{At: a.At, Subject: subject, Kind: audit.Access, Place: a.Reader.ID,
				Decision: a.Result.Decision, Reason: a.Result.Reason, Detail: dj})
			if eff.Freeze != "" && a.Card != nil {
				entries = append(entries, audit.Entry{At: a.At, Subject: subject, Kind: audit.CardFrozen, Place: a.Reader.ID,
					Decision: audit.Deny, Reason: eff.Freeze})
			}
		}
		if err := db.insertRows(ctx, tx, "card_uses (at, card_id, reader, credential, decision, reason)", 6, uses, ""); err != nil {
			return fmt.Errorf("recording uses: %w", err)
		}
		codes := make([]any, 0, 9*len(st.NewCodes))
		for _, c := range st.NewCodes {
			codes = append(codes, c.Card, c.Step, int64(c.Nonce), c.Reader, db.t(c.At), c.Decision, c.Reason, floorsText(c.Floors), c.Ref)
		}
		if err := db.insertRows(ctx, tx, "card_codes (card_id, step, nonce, reader, at, decision, reason, floors, ref)", 9, codes, " ON CONFLICT DO NOTHING"); err != nil {
			return fmt.Errorf("recording codes: %w", err)
		}
		if err := db.updateCards(ctx, tx, st); err != nil {
			return err
		}
		_, err = db.AppendManyTx(ctx, tx, entries)
		return err
	})
	return db.fail(err, "deciding %d attempts", len(as))
}

// updateCards writes the cards a batch changed: their last use in one
// statement for all (the common case), and the whole row of each whose
// status changed (a freeze, rare).
func (db *DB) updateCards(ctx context.Context, tx *sql.Tx, st *access.State) error {
	var rows []string
	var args []any
	for id := range st.Changed {
		c := st.Cards[id]
		if c.Status != st.Loaded[id].Status || c.FrozenReason != st.Loaded[id].FrozenReason || c.Physical != st.Loaded[id].Physical {
			if err := db.updateCard(ctx, tx, c, c.LastAt); err != nil {
				return fmt.Errorf("updating card %d: %w", id, err)
			}
			continue
		}
		n := len(args)
		rows = append(rows, fmt.Sprintf("(CAST(%s AS bigint), CAST(%s AS bigint), CAST(%s AS %s), CAST(%s AS text))",
			db.param(n+1), db.param(n+2), db.param(n+3), db.d.TimeType, db.param(n+4)))
		args = append(args, c.ID, c.LastStep, db.t(c.LastAt), c.LastReader)
	}
	if len(rows) == 0 {
		return nil
	}
	// VALUES columns are column1, column2 ... on both engines.
	_, err := tx.ExecContext(ctx, "UPDATE cards SET last_step = v.column2, last_at = v.column3, last_reader = v.column4 FROM (VALUES "+
		strings.Join(rows, ", ")+") AS v WHERE cards.id = v.column1", args...)
	if err != nil {
		return fmt.Errorf("updating cards: %w", err)
	}
	return nil
}

// insertRows inserts rows of n columns each (args, flat) in statements
// of at most 64 rows.
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, into string, n int, args []any, suffix string) error {
	const chunk = 64
	for from := 0; from < len(args); from += chunk * n {
		part := args[from:min(from+chunk*n, len(args))]
		var q strings.Builder
		q.WriteString("INSERT INTO " + into + " VALUES ")
		for i := 0; i < len(part); i += n {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(db.placeholders(i, n))
		}
		q.WriteString(suffix)
		if _, err := tx.ExecContext(ctx, q.String(), part...); err != nil {
			return err
		}
	}
	return nil
}

// loadState reads what a batch of attempts needs, locking their cards.
func (db *DB) loadState(ctx context.Context, tx *sql.Tx, as []*access.Attempt) (*access.State, error) {
	st := &access.State{Cards: map[int64]*access.Card{}, ByNumber: map[string]*access.Card{}, ByUser: map[int64]*access.Card{},
		Codes: map[access.CodeKey]*access.CodeUse{}, Devices: map[int64]access.Device{},
		Changed: map[int64]bool{}, Loaded: map[int64]access.Card{}}
	var ids, numbers, users, devices, codes []any
	var now time.Time
	for _, a := range as {
		if a.At.After(now) {
			now = a.At
		}
		switch {
		case a.Claims != nil:
			ids = append(ids, a.Claims.Card)
			codes = append(codes, a.Claims.Card, a.Claims.Step, int64(a.Claims.Nonce))
			if a.Claims.Device != 0 {
				devices = append(devices, a.Claims.Device)
			}
		case a.Number != "":
			numbers = append(numbers, a.Number)
		case a.UserID != 0:
			users = append(users, a.UserID)
		}
	}
	if len(ids)+len(numbers)+len(users) == 0 {
		return st, nil
	}
	var where []string
	var args []any
	in := func(col string, vs []any) {
		if len(vs) == 0 {
			return
		}
		ps := make([]string, len(vs))
		for i := range vs {
			ps[i] = db.param(len(args) + i + 1)
		}
		args = append(args, vs...)
		where = append(where, col+" IN ("+strings.Join(ps, ", ")+")")
	}
	in("c.id", ids)
	in("c.number", numbers)
	in("c.user_id", users)
	rows, err := tx.QueryContext(ctx, "SELECT "+cardColumns+cardFrom+"WHERE "+strings.Join(where, " OR ")+" ORDER BY c.id"+db.forUpdateOf("c"), args...)
	cards, err := list(rows, err, scanCard)
	if err != nil {
		return nil, fmt.Errorf("loading cards: %w", err)
	}
	for i := range cards {
		c := &cards[i]
		st.Cards[c.ID], st.ByNumber[c.Number], st.ByUser[c.UserID] = c, c, c
		st.Loaded[c.ID] = *c
	}
	if len(codes) > 0 {
		var match []string
		for i := 0; i < len(codes); i += 3 {
			match = append(match, fmt.Sprintf("(card_id = %s AND step = %s AND nonce = %s)", db.param(i+1), db.param(i+2), db.param(i+3)))
		}
		rows, err := tx.QueryContext(ctx, "SELECT card_id, step, nonce, reader, at, decision, reason, floors, ref FROM card_codes WHERE "+strings.Join(match, " OR "), codes...)
		used, err := list(rows, err, func(r row) (access.CodeUse, error) {
			var u access.CodeUse
			var nonce int64
			var floors string
			err := r.Scan(&u.Card, &u.Step, &nonce, &u.Reader, timeOf{&u.At}, &u.Decision, &u.Reason, &floors, &u.Ref)
			u.Nonce, u.Floors = uint64(nonce), parseFloors(floors)
			return u, err
		})
		if err != nil {
			return nil, fmt.Errorf("loading codes: %w", err)
		}
		for i := range used {
			st.Codes[used[i].CodeKey] = &used[i]
		}
	}
	if len(devices) > 0 {
		args = args[:0]
		where = where[:0]
		in("id", devices)
		rows, err := tx.QueryContext(ctx, "SELECT id, card_id, expires, revoked FROM card_devices WHERE "+where[0], args...)
		ds, err := list(rows, err, func(r row) (access.Device, error) {
			var d access.Device
			err := r.Scan(&d.ID, &d.Card, timeOf{&d.Expires}, &d.Revoked)
			return d, err
		})
		if err != nil {
			return nil, fmt.Errorf("loading devices: %w", err)
		}
		for _, d := range ds {
			st.Devices[d.ID] = d
		}
	}
	st.Grants = func(userID int64) ([]access.Grant, error) {
		rows, err := tx.QueryContext(ctx, "SELECT "+grantColumns+" FROM access_grants WHERE user_id = $1 AND valid_to > $2", userID, db.t(now))
		gs, err := list(rows, err, scanGrant)
		if err != nil {
			return nil, fmt.Errorf("loading grants: %w", err)
		}
		return gs, nil
	}
	return st, nil
}

func floorsText(fs []int) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = strconv.Itoa(f)
	}
	return strings.Join(s, ",")
}

func parseFloors(s string) []int {
	if s == "" {
		return nil
	}
	var fs []int
	for _, p := range strings.Split(s, ",") {
		if f, err := strconv.Atoi(p); err == nil {
			fs = append(fs, f)
		}
	}
	return fs
}

// History is a card's decisions, newest first, with ids below before.
func (db *DB) History(ctx context.Context, cardID int64, before int64, limit int) ([]access.Use, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, at, reader, credential, decision, reason FROM card_uses
		WHERE card_id = $1 AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3`, cardID, before, limit)
	us, err := list(rows, err, func(r row) (access.Use, error) {
		var u access.Use
		err := r.Scan(&u.ID, timeOf{&u.At}, &u.Reader, &u.Credential, &u.Decision, &u.Reason)
		return u, err
	})
	return us, db.fail(err, "reading a card's history")
}

// PurgeCodes forgets the codes used before t.
func (db *DB) PurgeCodes(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "DELETE FROM card_codes WHERE at < $1", db.t(t))
		if err == nil {
			n, err = r.RowsAffected()
		}
		return err
	})
	return n, db.fail(err, "purging used codes")
}

const grantColumns = "id, user_id, target, valid_from, valid_to, coalesce(granted_by, 0), created"

func scanGrant(r row) (access.Grant, error) {
	var g access.Grant
	err := r.Scan(&g.ID, &g.UserID, &g.Target, timeOf{&g.From}, timeOf{&g.To}, &g.GrantedBy, timeOf{&g.Created})
	return g, err
}

// AddGrant stores a grant to the account person, with its audit entry.
func (db *DB) AddGrant(ctx context.Context, person string, g access.Grant) (access.Grant, error) {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE email = $1", person).Scan(&g.UserID); err != nil {
			if noRows(err) {
				return served{fmt.Errorf("%w (person %s)", access.ErrNotFound, person)}
			}
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM access_grants WHERE user_id = $1 AND valid_to > $2", g.UserID, db.t(g.Created)).Scan(&n); err != nil {
			return err
		}
		if n >= access.MaxGrantsPerPerson {
			return served{&access.FieldError{Field: "person", Reason: fmt.Sprintf("%s holds %d grants already, the most a person may", person, n)}}
		}
		var by any
		if g.GrantedBy != 0 {
			by = g.GrantedBy
		}
		g.From, g.To, g.Created = stamp(g.From), stamp(g.To), stamp(g.Created)
		if err := tx.QueryRowContext(ctx, "INSERT INTO access_grants (user_id, target, valid_from, valid_to, granted_by, created) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
			g.UserID, g.Target, db.d.Time(g.From), db.d.Time(g.To), by, db.d.Time(g.Created)).Scan(&g.ID); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"grant": g.ID, "from": g.From, "to": g.To})
		_, err := db.AppendTx(ctx, tx, audit.Entry{At: g.Created, Actor: g.GrantedBy, Subject: person, Kind: audit.GrantAdded,
			Place: g.Target, Decision: audit.Grant, Reason: "granted by an admin", Detail: detail})
		return err
	})
	return g, db.fail(err, "granting access")
}

// Grants are a person's grants not ended by now.
func (db *DB) Grants(ctx context.Context, person string, now time.Time) ([]access.Grant, error) {
	var id int64
	err := db.sql.QueryRowContext(ctx, "SELECT id FROM users WHERE email = $1", person).Scan(&id)
	if noRows(err) {
		return nil, fmt.Errorf("%w (person %s)", access.ErrNotFound, person)
	}
	if err != nil {
		return nil, db.errorf("reading grants: %w", err)
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT "+grantColumns+" FROM access_grants WHERE user_id = $1 AND valid_to > $2 ORDER BY id", id, db.t(now))
	gs, err := list(rows, err, scanGrant)
	return gs, db.fail(err, "reading grants")
}

// DeleteGrant ends a grant, with its audit entry.
func (db *DB) DeleteGrant(ctx context.Context, id int64, by int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var target, subject string
		err := tx.QueryRowContext(ctx, "SELECT g.target, u.email FROM access_grants g JOIN users u ON u.id = g.user_id WHERE g.id = $1", id).Scan(&target, &subject)
		if noRows(err) {
			return served{fmt.Errorf("%w (grant %d)", access.ErrNotFound, id)}
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM access_grants WHERE id = $1", id); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"grant": id})
		_, err = db.AppendTx(ctx, tx, audit.Entry{Actor: by, Subject: subject, Kind: audit.GrantEnded, Place: target,
			Decision: audit.Revoke, Reason: "ended by an admin", Detail: detail})
		return err
	})
	return db.fail(err, "ending grant %d", id)
}

// SetReaderToken stores the hash of a reader's token, replacing any.
func (db *DB) SetReaderToken(ctx context.Context, reader string, hash []byte) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO reader_tokens (reader, hash, created) VALUES ($1, $2, $3)
			ON CONFLICT (reader) DO UPDATE SET hash = excluded.hash, created = excluded.created`, reader, hash, db.t(time.Time{}))
		return err
	})
	return db.fail(err, "storing a reader's token")
}

// ReaderOfToken is the reader whose token hashes to hash.
func (db *DB) ReaderOfToken(ctx context.Context, hash []byte) (string, error) {
	var reader string
	err := db.sql.QueryRowContext(ctx, "SELECT reader FROM reader_tokens WHERE hash = $1", hash).Scan(&reader)
	if noRows(err) {
		return "", access.ErrReader
	}
	return reader, db.fail(err, "reading a reader's token")
}

// RevokeReader deletes a reader's token.
func (db *DB) RevokeReader(ctx context.Context, reader string) (bool, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "DELETE FROM reader_tokens WHERE reader = $1", reader)
		if err == nil {
			n, err = r.RowsAffected()
		}
		return err
	})
	return n > 0, db.fail(err, "revoking a reader's token")
}
