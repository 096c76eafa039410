package visitor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

// Batch import: a host who is a staff member imports their own visitors
// from a filled template, one visit of one person a row. Each visit is
// approved at once (the host asks for it), its visitor's account is
// their phone's ("tel:+86...", made a visitor's account if new: they
// sign in by phone to see it) and is texted. The answer goes row by row;
// a row that fails names its field, and the others are imported. The
// same person (ID number) on the same day, twice in the file or already
// visiting that day, is reported and not created again. A dry run
// checks everything, the store included, and creates nothing.

// ImportRow is one row's answer.
type ImportRow struct {
	Row    int       `json:"row"` // as the spreadsheet numbers it: the header is row 1
	Status string    `json:"status"`
	Visit  *View     `json:"visit,omitempty"`
	Error  *RowError `json:"error,omitempty"`
}

// RowError is why a row was not imported.
type RowError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Import's row statuses.
const (
	RowOK     = "ok"
	RowFailed = "error"
)

// ImportResult is an import's answer: each row's, and how many visits
// were created (or, in a dry run, would be).
type ImportResult struct {
	Rows    []ImportRow `json:"rows"`
	Created int         `json:"created"`
}

// mayImport is a staff member.
func mayImport(u auth.User) error {
	if u.Role != auth.Staff {
		return refuse(ErrForbidden, "", "", "staff import their own visitors; visitors register, students invite",
			"教职工可导入自己的访客；访客请自行登记，学生请发送邀请")
	}
	return nil
}

// rowVisit is the visit of one row, checked, or why not.
func (s *Service) rowVisit(ctx context.Context, u auth.User, r Row, now time.Time, lang string) (Visit, error) {
	c := r.Cells
	typ := c["type"]
	if typ == "" {
		typ = "business"
	}
	d := Details{Type: typ, Reason: c["reason"], Date: c["date"], From: c["from"], To: c["to"], Mode: c["mode"], Plate: c["plate"],
		Place: c["place"], People: []PersonInput{{Name: c["name"], Phone: c["phone"], IDNumber: c["id_number"]}}}
	if c["phone"] == "" {
		return Visit{}, invalid("phone", "phone, the visitor's mobile number, is required", "需要填写访客的手机号码 phone")
	}
	if c["place"] == "" {
		return Visit{}, invalid("place", "place, where you meet (a building like C1 or a room like C1-201), is required",
			"需要填写会面地点 place（楼栋如 C1，或房间如 C1-201）")
	}
	v, ps, err := s.details(ctx, d, now)
	if err != nil {
		return Visit{}, rowField(err)
	}
	if v.People, err = s.hashPeople(ctx, ps); err != nil {
		return Visit{}, err
	}
	v.Visitor, v.HostID, v.Host = "tel:"+v.People[0].Phone, u.ID, u.Email
	v.Status, v.Source, v.DecidedBy, v.Decided, v.Created, v.Lang = Approved, SourceImport, u.ID, &now, now, lang
	return v, nil
}

// rowField names a row's field as its column: people[0].name is name.
func rowField(err error) error {
	var e *Error
	if errors.As(err, &e) && len(e.Field) > 10 && e.Field[:10] == "people[0]." {
		c := *e
		c.Field = e.Field[10:]
		return &c
	}
	return err
}

// Import imports a table of visits (XLSX or CSV) as host u, in language
// lang (of the rows' errors); dryRun checks and creates nothing.
func (s *Service) Import(ctx context.Context, u auth.User, data []byte, dryRun bool, lang string) (ImportResult, error) {
	if err := mayImport(u); err != nil {
		return ImportResult{}, err
	}
	rows, err := ReadTable(data)
	if err != nil {
		return ImportResult{}, err
	}
	now := s.now()
	res := ImportResult{Rows: make([]ImportRow, len(rows))}
	var vs []Visit
	var at []int // vs[i] is rows[at[i]]'s
	fail := func(i int, err error) error {
		var e *Error
		if !errors.As(err, &e) {
			return err
		}
		res.Rows[i] = ImportRow{Row: rows[i].N, Status: RowFailed, Error: &RowError{Field: e.Field, Detail: e.DetailIn(lang)}}
		return nil
	}
	var checked []Visit
	var checkedAt []int
	for i, r := range rows {
		res.Rows[i] = ImportRow{Row: r.N, Status: RowOK}
		v, err := s.rowVisit(ctx, u, r, now, lang)
		if err != nil {
			if err := fail(i, err); err != nil {
				return ImportResult{}, err
			}
			continue
		}
		checked = append(checked, v)
		checkedAt = append(checkedAt, i)
	}
	refusals, err := s.screenAll(ctx, u, checked, now)
	if err != nil {
		return ImportResult{}, err
	}
	for k, v := range checked {
		if refusals[k] != nil {
			fail(checkedAt[k], refusals[k])
			continue
		}
		vs = append(vs, v)
		at = append(at, checkedAt[k])
	}
	if len(vs) == 0 {
		return res, nil
	}
	got, err := s.st.ImportVisits(ctx, vs, Create{Now: now, Jobs: s.tellVisitor, Audit: func(v Visit) []audit.Entry {
		return []audit.Entry{decisionEntry(v, now, u.ID, audit.Approve, "imported")}
	}}, dryRun)
	if err != nil {
		return ImportResult{}, err
	}
	for k, g := range got {
		i := at[k]
		switch {
		case g.DuplicateRow >= 0:
			fail(i, &Error{Kind: ErrConflict, Field: "id_number",
				En: fmt.Sprintf("the same person on the same day as row %d", rows[at[g.DuplicateRow]].N),
				Zh: fmt.Sprintf("与第 %d 行为同一人同一天", rows[at[g.DuplicateRow]].N)})
		case g.Existing != 0:
			fail(i, &Error{Kind: ErrConflict, Field: "id_number",
				En: fmt.Sprintf("this person visits that day already (visit %d)", g.Existing),
				Zh: fmt.Sprintf("此人当天已有来访预约（预约 %d）", g.Existing)})
		default:
			res.Created++
			if !dryRun {
				w := s.View(g.Visit)
				res.Rows[i].Visit = &w
			}
		}
	}
	return res, nil
}
