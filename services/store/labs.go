package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/booking"
)

var _ booking.LabStore = (*DB)(nil)

// The labs: memberships (one row a person a lab) and samples. A lab's
// decision on a membership is written with its audit entry in one
// transaction. A person's writes take turns on their account's row
// (FOR UPDATE on PostgreSQL; SQLite has one writer), so the bound on
// open samples holds whatever runs at once.

const labMemberColumns = `m.lab, m.user_id, u.email, m.name, m.department, m.supervisor, m.phone, m.email, m.purpose,
	m.status, m.note, m.applied, m.decided, COALESCE(m.decided_by, 0) FROM lab_members m JOIN users u ON u.id = m.user_id`

func scanLabMember(r row) (booking.LabMember, error) {
	var m booking.LabMember
	p := &m.Profile
	err := r.Scan(&m.Lab, &m.UserID, &m.Account, &p.Name, &p.Department, &p.Supervisor, &p.Phone, &p.Email, &p.Purpose,
		&m.Status, &m.Note, timeOf{&m.Applied}, maybeTimeOf{&m.Decided}, &m.DecidedBy)
	return m, err
}

const sampleColumns = `s.id, s.lab, s.user_id, u.email, s.what, s.count, s.service, s.note, s.status, s.created, s.updated
	FROM lab_samples s JOIN users u ON u.id = s.user_id`

func scanSample(r row) (booking.Sample, error) {
	var s booking.Sample
	err := r.Scan(&s.ID, &s.Lab, &s.UserID, &s.Account, &s.What, &s.Count, &s.Service, &s.Note, &s.Status, timeOf{&s.Created}, timeOf{&s.Updated})
	return s, err
}

// lockUser takes userID's turn: their account's row, locked until tx
// ends (on SQLite the writer holds everything already); ErrNotFound
// (of booking) for no such account.
func (db *DB) lockUser(ctx context.Context, tx *sql.Tx, userID int64) error {
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM users WHERE id = $1"+db.d.ForUpdate, userID).Scan(&one)
	if noRows(err) {
		return served{fmt.Errorf("%w (account %d)", booking.ErrNotFound, userID)}
	}
	return err
}

// LabMember reports whether userID is an approved member of lab.
func (db *DB) LabMember(ctx context.Context, lab string, userID int64) (bool, error) {
	var ok bool
	err := db.sql.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM lab_members WHERE lab = $1 AND user_id = $2 AND status = 'approved')",
		lab, userID).Scan(&ok)
	return ok, db.fail(err, "lab membership")
}

// ApplyLab stores a new application, or a pending or rejected one again.
func (db *DB) ApplyLab(ctx context.Context, m booking.LabMember) (booking.LabMember, error) {
	m.Applied = stamp(m.Applied)
	p := m.Profile
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, m.UserID); err != nil {
			return err
		}
		var status string
		err := tx.QueryRowContext(ctx, "SELECT status FROM lab_members WHERE lab = $1 AND user_id = $2"+db.d.ForUpdate, m.Lab, m.UserID).Scan(&status)
		switch {
		case noRows(err):
			_, err = tx.ExecContext(ctx, `INSERT INTO lab_members (lab, user_id, name, department, supervisor, phone, email, purpose, status, applied)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9)`,
				m.Lab, m.UserID, p.Name, p.Department, p.Supervisor, p.Phone, p.Email, p.Purpose, db.d.Time(m.Applied))
		case err != nil:
		case status == booking.MemberApproved:
			return served{booking.ErrMemberAlready}
		default:
			_, err = tx.ExecContext(ctx, `UPDATE lab_members SET name = $3, department = $4, supervisor = $5, phone = $6, email = $7, purpose = $8,
				status = 'pending', applied = $9 WHERE lab = $1 AND user_id = $2`,
				m.Lab, m.UserID, p.Name, p.Department, p.Supervisor, p.Phone, p.Email, p.Purpose, db.d.Time(m.Applied))
		}
		if err != nil {
			return err
		}
		m, err = scanLabMember(tx.QueryRowContext(ctx, "SELECT "+labMemberColumns+" WHERE m.lab = $1 AND m.user_id = $2", m.Lab, m.UserID))
		return err
	})
	return m, db.fail(err, "applying to lab %s", m.Lab)
}

// LabMembership is a person's membership of a lab.
func (db *DB) LabMembership(ctx context.Context, lab string, userID int64) (booking.LabMember, error) {
	m, err := scanLabMember(db.sql.QueryRowContext(ctx, "SELECT "+labMemberColumns+" WHERE m.lab = $1 AND m.user_id = $2", lab, userID))
	if noRows(err) {
		return m, fmt.Errorf("%w (membership of %s)", booking.ErrNotFound, lab)
	}
	return m, db.fail(err, "membership of %s", lab)
}

// UserLabMemberships are a person's memberships, by lab.
func (db *DB) UserLabMemberships(ctx context.Context, userID int64) ([]booking.LabMember, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+labMemberColumns+" WHERE m.user_id = $1 ORDER BY m.lab", userID)
	ms, err := list(rows, err, scanLabMember)
	return ms, db.fail(err, "lab memberships")
}

// LabMembers lists a lab's memberships, by user id descending.
func (db *DB) LabMembers(ctx context.Context, lab, status string, before int64, limit int) ([]booking.LabMember, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+labMemberColumns+` WHERE m.lab = $1 AND ($2 = '' OR m.status = $2) AND m.user_id < $3
		ORDER BY m.user_id DESC LIMIT $4`, lab, status, below(before), limit)
	ms, err := list(rows, err, scanLabMember)
	return ms, db.fail(err, "members of %s", lab)
}

// DecideLabMember approves or rejects a pending membership, with its
// audit entry.
func (db *DB) DecideLabMember(ctx context.Context, lab string, userID int64, approve bool, note string, by int64, at time.Time) (booking.LabMember, error) {
	at = stamp(at)
	status, decision := booking.MemberRejected, audit.Reject
	if approve {
		status, decision = booking.MemberApproved, audit.Approve
	}
	var m booking.LabMember
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		m, err = scanLabMember(tx.QueryRowContext(ctx, "SELECT "+labMemberColumns+" WHERE m.lab = $1 AND m.user_id = $2"+db.forUpdateOf("m"), lab, userID))
		if noRows(err) {
			return served{fmt.Errorf("%w (membership of %s)", booking.ErrNotFound, lab)}
		}
		if err != nil {
			return err
		}
		if m.Status != booking.MemberPending {
			return served{booking.ErrNotPending}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE lab_members SET status = $3, note = $4, decided = $5, decided_by = NULLIF($6, 0) WHERE lab = $1 AND user_id = $2",
			lab, userID, status, note, db.d.Time(at), by); err != nil {
			return err
		}
		m.Status, m.Note, m.Decided, m.DecidedBy = status, note, &at, by
		_, err = db.AppendTx(ctx, tx, audit.Entry{At: at, Actor: by, Subject: m.Account, Kind: booking.AuditLabMember, Place: lab,
			Decision: decision, Reason: note, Detail: audit.Detail(map[string]any{"lab": lab, "account": userID})})
		return err
	})
	return m, db.fail(err, "deciding membership of %s", lab)
}

// AddSample stores a sample of an approved member, within the bound.
func (db *DB) AddSample(ctx context.Context, s booking.Sample) (booking.Sample, error) {
	s.Created = stamp(s.Created)
	s.Updated, s.Status = s.Created, booking.SampleSubmitted
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, s.UserID); err != nil {
			return err
		}
		var member bool
		var open int
		err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM lab_members WHERE lab = $1 AND user_id = $2 AND status = 'approved'),
			(SELECT count(*) FROM lab_samples WHERE lab = $1 AND user_id = $2 AND status <> 'returned')`, s.Lab, s.UserID).Scan(&member, &open)
		switch {
		case err != nil:
			return err
		case !member:
			return served{booking.ErrNotMember}
		case open >= booking.MaxOpenSamples:
			return served{booking.ErrTooManySamples}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO lab_samples (lab, user_id, what, count, service, note, status, created, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			s.Lab, s.UserID, s.What, s.Count, s.Service, s.Note, s.Status, db.d.Time(s.Created)).Scan(&s.ID)
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT email FROM users WHERE id = $1", s.UserID).Scan(&s.Account)
	})
	return s, db.fail(err, "sample for %s", s.Lab)
}

// MoveSample moves a lab's sample forward.
func (db *DB) MoveSample(ctx context.Context, lab string, id int64, status string, at time.Time) (booking.Sample, error) {
	if booking.SampleRank(status) < 0 {
		return booking.Sample{}, fmt.Errorf("%w: no sample status %q", booking.ErrInvalid, status)
	}
	at = stamp(at)
	var s booking.Sample
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		s, err = scanSample(tx.QueryRowContext(ctx, "SELECT "+sampleColumns+" WHERE s.id = $1 AND s.lab = $2"+db.forUpdateOf("s"), id, lab))
		if noRows(err) {
			return served{fmt.Errorf("%w (sample %d of %s)", booking.ErrNotFound, id, lab)}
		}
		if err != nil {
			return err
		}
		if booking.SampleRank(status) <= booking.SampleRank(s.Status) {
			return served{booking.ErrBackwards}
		}
		s.Status, s.Updated = status, at
		_, err = tx.ExecContext(ctx, "UPDATE lab_samples SET status = $2, updated = $3 WHERE id = $1", id, status, db.d.Time(at))
		return err
	})
	return s, db.fail(err, "moving sample %d", id)
}

// Samples lists a lab's samples, newest first.
func (db *DB) Samples(ctx context.Context, lab string, userID int64, status string, before int64, limit int) ([]booking.Sample, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+sampleColumns+` WHERE s.lab = $1 AND (CAST($2 AS bigint) = 0 OR s.user_id = $2)
		AND ($3 = '' OR s.status = $3) AND s.id < $4 ORDER BY s.id DESC LIMIT $5`, lab, userID, status, below(before), limit)
	ss, err := list(rows, err, scanSample)
	return ss, db.fail(err, "samples of %s", lab)
}
