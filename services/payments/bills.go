package payments

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/auth"
)

// BillColumns are the columns of a bills CSV, in this order, after a
// header line naming them: the resident's campus email, the room's
// reference (D1-302), the period (YYYY-MM), the water meter's readings
// at its start and end (m³), the electricity meter's (kWh), and the
// amount in fen.
var BillColumns = []string{"email", "room", "period", "water_from", "water_to", "electricity_from", "electricity_to", "amount_fen"}

// MaxBillsImport bounds one import, in bills.
const MaxBillsImport = 20000

var periodRE = regexp.MustCompile(`^20[0-9]{2}-(0[1-9]|1[0-2])$`)

// ParseBills reads a bills CSV (BillColumns); rooms says whether a room
// reference names a room of the campus. An error names the line and the
// column at fault.
func ParseBills(r io.Reader, rooms func(ref string) bool) ([]Bill, error) {
	cr := csv.NewReader(io.LimitReader(r, 8<<20))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, invalid("body", "the bills file is empty: its first line names the columns %s", "账单文件为空：第一行须为列名 %s", strings.Join(BillColumns, ","))
		}
		return nil, invalid("body", "line 1: %v", "第 1 行：%v", err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff") // Excel's BOM
	}
	if strings.Join(head, ",") != strings.Join(BillColumns, ",") {
		return nil, invalid("body", "line 1: the columns are %s, in this order (got %s)", "第 1 行：列须依次为 %s（现为 %s）", strings.Join(BillColumns, ","), strings.Join(head, ","))
	}
	var bs []Bill
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, invalid("body", "%v", "%v", err)
		}
		line, _ := cr.FieldPos(0)
		if len(bs) == MaxBillsImport {
			return nil, invalid("body", "more than %d bills in one file; split it", "单个文件超过 %d 张账单，请拆分", MaxBillsImport)
		}
		b, err := parseBill(rec, line, rooms)
		if err != nil {
			return nil, err
		}
		bs = append(bs, b)
	}
	if len(bs) == 0 {
		return nil, invalid("body", "the bills file has no bills after its header", "账单文件在列名之后没有账单")
	}
	return bs, nil
}

func parseBill(rec []string, line int, rooms func(string) bool) (Bill, error) {
	bad := func(col, en, zh string, args ...any) error {
		return invalid("body", "line %d, column %s: "+en, "第 %d 行 %s 列："+zh, append([]any{line, col}, args...)...)
	}
	if len(rec) != len(BillColumns) {
		return Bill{}, invalid("body", "line %d: %d columns, want %d", "第 %d 行：%d 列，应为 %d 列", line, len(rec), len(BillColumns))
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
		if en, zh := services.TextProblem(rec[i]); en != "" {
			return Bill{}, bad(BillColumns[min(i, len(BillColumns)-1)], en, zh)
		}
	}
	b := Bill{Email: strings.ToLower(rec[0]), Room: rec[1], Period: rec[2], Status: Unpaid, Line: line}
	if !strings.Contains(b.Email, "@") || len(b.Email) > 254 {
		return Bill{}, bad("email", "%q is not a campus email", "%q 不是校园邮箱", rec[0])
	}
	if !rooms(b.Room) {
		return Bill{}, bad("room", "no room %q on the campus", "校园中没有房间 %q", b.Room)
	}
	if !periodRE.MatchString(b.Period) {
		return Bill{}, bad("period", "%q is not a month YYYY-MM", "%q 不是月份 YYYY-MM", b.Period)
	}
	readings := []*float64{&b.WaterFrom, &b.WaterTo, &b.ElectricityFrom, &b.ElectricityTo}
	for i, p := range readings {
		col := BillColumns[3+i]
		v, err := strconv.ParseFloat(rec[3+i], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e9 {
			return Bill{}, bad(col, "%q is not a meter reading (a number from 0)", "%q 不是表读数（不小于 0 的数）", rec[3+i])
		}
		*p = v
	}
	if b.WaterTo < b.WaterFrom {
		return Bill{}, bad("water_to", "the reading %g is below the period's start %g", "读数 %g 小于期初读数 %g", b.WaterTo, b.WaterFrom)
	}
	if b.ElectricityTo < b.ElectricityFrom {
		return Bill{}, bad("electricity_to", "the reading %g is below the period's start %g", "读数 %g 小于期初读数 %g", b.ElectricityTo, b.ElectricityFrom)
	}
	a, err := strconv.ParseInt(rec[7], 10, 64)
	if err != nil || a < 1 || a > MaxBillAmount {
		return Bill{}, bad("amount_fen", "%q is not an amount of 1 to %d fen", "%q 不是 1 至 %d 分的金额", rec[7], int64(MaxBillAmount))
	}
	b.Amount = a
	return b, nil
}

// mayBill is an admin or an operator of finance.
func mayBill(u auth.User) error {
	if !u.Has(auth.Finance) {
		return &Error{Kind: ErrForbidden, En: "only admins and finance may issue bills", Zh: "只有管理员和财务人员可以开具账单"}
	}
	return nil
}

// ImportBills issues the bills of a CSV (ParseBills), as op; a bill
// issued before for the same resident, room and period is skipped. All
// or none: an error names the line at fault.
func (s *Service) ImportBills(ctx context.Context, op auth.User, r io.Reader) ([]Bill, int, error) {
	if err := mayBill(op); err != nil {
		return nil, 0, err
	}
	bs, err := ParseBills(r, s.isRoom)
	if err != nil {
		return nil, 0, err
	}
	for i := range bs {
		if u := s.rooms[bs[i].Room]; u != nil {
			bs[i].Room = u.ID
		}
	}
	issued, err := s.store.IssueBills(ctx, bs, op.ID, s.now())
	return issued, len(bs) - len(issued), err
}

// isRoom reports whether ref is a room's reference.
func (s *Service) isRoom(ref string) bool { return s.rooms[ref] != nil }

// BillView is a bill as its resident reads it.
type BillView struct {
	ID          int64     `json:"id"`
	Room        string    `json:"room"`
	Period      string    `json:"period"`
	Water       Reading   `json:"water_m3"`
	Electricity Reading   `json:"electricity_kwh"`
	Amount      int64     `json:"amount_fen"`
	Status      string    `json:"status"`
	Source      *string   `json:"paid_source"`
	Appeal      *string   `json:"appeal"`
	Issued      time.Time `json:"issued"`
}

// Reading is a meter's readings at a period's start and end.
type Reading struct {
	From float64 `json:"from"`
	To   float64 `json:"to"`
	Used float64 `json:"used"`
}

// BillView is b as its resident reads it.
func (s *Service) BillView(b Bill) BillView {
	v := BillView{ID: b.ID, Room: b.Room, Period: b.Period, Amount: b.Amount, Status: b.Status, Issued: b.Created.In(Shanghai),
		Water:       Reading{b.WaterFrom, b.WaterTo, round3(b.WaterTo - b.WaterFrom)},
		Electricity: Reading{b.ElectricityFrom, b.ElectricityTo, round3(b.ElectricityTo - b.ElectricityFrom)}}
	if f, ok := s.unitRef[b.Room]; ok {
		v.Room = f
	}
	if b.Source != "" {
		src := b.Source
		v.Source = &src
	}
	if b.Appeal != "" {
		a := b.Appeal
		v.Appeal = &a
	}
	return v
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// Bills are u's bills, newest first.
func (s *Service) Bills(ctx context.Context, u auth.User, before int64, limit int) ([]Bill, error) {
	return s.store.Bills(ctx, u.ID, before, limit)
}

// PayBill pays u's bill id from the wallet or the linked external
// account, once.
func (s *Service) PayBill(ctx context.Context, u auth.User, id int64, source string) (Bill, Payment, error) {
	if source != SourceWallet && source != SourceExternal {
		return Bill{}, Payment{}, invalid("source", "source is wallet or external, not %q", "source 须为 wallet 或 external，而非 %q", source)
	}
	c, err := s.cardOf(ctx, u)
	if err != nil {
		return Bill{}, Payment{}, err
	}
	ref := "bill:" + strconv.FormatInt(id, 10)
	p := Payment{Card: c.ID, UserID: u.ID, Subject: c.Subject, Merchant: Utilities, Reference: ref, At: s.now()}
	return s.store.PayBill(ctx, p, id, source, func(ctx context.Context, mandate, provider string) (string, error) {
		b, err := s.store.Bills(ctx, u.ID, id+1, 1)
		if err != nil || len(b) == 0 || b[0].ID != id {
			return "", fmt.Errorf("%w (bill %d)", ErrNotFound, id)
		}
		return s.external(ref, b[0].Amount)(ctx, mandate, provider)
	})
}

// MaxAppeal is an appeal's reason, in bytes.
const MaxAppeal = 2000

// AppealBill records u's appeal of bill id.
func (s *Service) AppealBill(ctx context.Context, u auth.User, id int64, reason string) (Bill, error) {
	reason = strings.TrimSpace(reason)
	if err := checkText("reason", reason); err != nil {
		return Bill{}, err
	}
	if reason == "" || len(reason) > MaxAppeal {
		return Bill{}, invalid("reason", "reason says what is wrong with the bill (1 to %d bytes)", "reason 须说明账单的问题（1 至 %d 字节）", MaxAppeal)
	}
	return s.store.AppealBill(ctx, u.ID, id, reason, s.now())
}
