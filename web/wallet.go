package web

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/payments"
)

// The card's money (services/payments): the wallet, top-ups and their
// providers' notifications, password-free payments, tills' charges,
// refunds and bills.

// walletUser is the signed-in person asking about their wallet.
func (s *Server) walletUser(c echo.Context) (auth.User, error) {
	if s.d.Payments == nil {
		return auth.User{}, problem(http.StatusNotFound, "", "payments are not available")
	}
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return auth.User{}, err
	}
	return *u, nil
}

func (s *Server) wallet(c echo.Context) error {
	u, err := s.walletUser(c)
	if err != nil {
		return err
	}
	w, err := s.d.Payments.Wallet(c.Request().Context(), u)
	if err != nil {
		return err
	}
	return ok(c, w)
}

// cursorParam is the cursor of a page listed newest first by id (0: the
// first page).
func cursorParam(c echo.Context) (int64, error) {
	cur := c.QueryParam("cursor")
	if cur == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(cur, 10, 64)
	if err != nil || n < 2 {
		return 0, badParam("cursor", "cursor %q is not one this list gave", cur)
	}
	return n, nil
}

const (
	recordsDefault = 50
	recordsMax     = 200
)

func (s *Server) walletTransactions(c echo.Context) error {
	u, err := s.walletUser(c)
	if err != nil {
		return err
	}
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", recordsDefault, 1, recordsMax)
	if err != nil {
		return err
	}
	before, err := cursorParam(c)
	if err != nil {
		return err
	}
	rs, err := s.d.Payments.Records(c.Request().Context(), u, lang, before, limit+1)
	if err != nil {
		return err
	}
	page := struct {
		Items []payments.RecordView `json:"items"`
		Next  *string               `json:"next"`
	}{Items: rs}
	if len(rs) > limit {
		next := strconv.FormatInt(rs[limit-1].ID, 10)
		page.Items, page.Next = rs[:limit], &next
	}
	return ok(c, page)
}

func (s *Server) topUp(c echo.Context) error {
	u, err := s.walletUser(c)
	if err != nil {
		return err
	}
	var req struct {
		Amount   *int64 `json:"amount_fen"`
		Provider string `json:"provider"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Amount == nil {
		return badParam("amount_fen", "amount_fen, the top-up in fen, is required")
	}
	t, err := s.d.Payments.TopUp(c.Request().Context(), u, *req.Amount, req.Provider)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) topUpStatus(c echo.Context) error {
	u, err := s.walletUser(c)
	if err != nil {
		return err
	}
	t, err := s.d.Payments.TopUpStatus(c.Request().Context(), u, c.Param("id"))
	if err != nil {
		return err
	}
	return ok(c, map[string]any{"topup_id": t.ID, "status": t.Status, "amount_fen": t.Amount, "provider": t.Provider})
}

// maxNotification bounds a provider's notification, in bytes.
const maxNotification = 8 << 10

// paymentNotify takes a provider's signed notification. It answers 200
// to one taken or already taken (a provider retries until it sees 2xx),
// 401 to one not signed, 4xx to one refused.
func (s *Server) paymentNotify(c echo.Context) error {
	if s.d.Payments == nil {
		return problem(http.StatusNotFound, "", "payments are not available")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxNotification+1))
	if err != nil || len(body) > maxNotification {
		return badParam("body", "a notification is at most %d bytes", maxNotification)
	}
	changed, err := s.d.Payments.Notify(c.Request().Context(), c.Param("provider"), c.Request().Header, body)
	if err != nil {
		return err
	}
	return ok(c, map[string]bool{"received": true, "changed": changed})
}

// sandboxCheckout is the sandbox provider's checkout: the person pays
// (or fails to); the notification follows later.
func (s *Server) sandboxCheckout(c echo.Context) error {
	if s.d.Payments == nil {
		return problem(http.StatusNotFound, "", "payments are not available")
	}
	var req struct {
		Outcome string `json:"outcome"`
	}
	form := strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm)
	if form { // the checkout page's buttons
		req.Outcome = c.FormValue("outcome")
	} else if err := decodeBody(c, &req); err != nil {
		return err
	}
	if err := s.d.Payments.Checkout(c.Request().Context(), c.Param("id"), req.Outcome); err != nil {
		return err
	}
	if form {
		zh := problemLang(c) == "zh"
		return checkoutPage(c, http.StatusAccepted, pick(zh, "Done: the campus card will hear of it in a moment. You may close this page.", "已完成：校园卡稍后即会收到通知，可以关闭本页。"), "", zh)
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "accepted"})
}

// sandboxCheckoutPage is the sandbox's checkout as a person sees it at
// pay_url or sign_url: what is asked, and two buttons.
func (s *Server) sandboxCheckoutPage(c echo.Context) error {
	if s.d.Payments == nil {
		return problem(http.StatusNotFound, "", "payments are not available")
	}
	ck, err := s.d.Payments.CheckoutOf(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	zh := problemLang(c) == "zh"
	what := pick(zh, "Link your account for password-free payments on the campus card", "为校园卡免密支付绑定您的账户")
	if ck.TopUp {
		what = fmt.Sprintf(pick(zh, "Top up the campus card with ¥%d.%02d", "为校园卡充值 ¥%d.%02d"), ck.Amount/100, ck.Amount%100)
	}
	if ck.Status != payments.Pending {
		return checkoutPage(c, http.StatusOK, what, pick(zh, "This is settled already: ", "此项已处理：")+ck.Status, zh)
	}
	return checkoutPage(c, http.StatusOK, what, "", zh)
}

func pick(zh bool, en, zhText string) string {
	if zh {
		return zhText
	}
	return en
}

// checkoutPage writes the sandbox's page: a heading, a note, and while
// nothing is settled the two buttons (a form: no script runs).
func checkoutPage(c echo.Context, status int, heading, note string, zh bool) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	lang, title, pay, fail := "en", "Sandbox payment provider", "Pay", "Fail"
	if zh {
		lang, title, pay, fail = "zh-Hans", "沙盒支付机构", "支付", "失败"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html lang="%s"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>%s</title>`+
		`<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}button{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem}</style></head>`+
		`<body><main><p>%s</p><h1>%s</h1>`, lang, html.EscapeString(title), html.EscapeString(title), html.EscapeString(heading))
	if note != "" {
		fmt.Fprintf(&b, `<p>%s</p>`, html.EscapeString(note))
	}
	if status == http.StatusOK && note == "" {
		fmt.Fprintf(&b, `<form method="post"><button name="outcome" value="succeeded">%s</button><button name="outcome" value="failed">%s</button></form>`, pay, fail)
	}
	b.WriteString(`</main></body></html>`)
	return c.HTMLBlob(status, []byte(b.String()))
}

func (s *Server) linkExternal(c echo.Context) error {
	u, err := s.walletUser(c)
	if err != nil {
		return err
	}
	var req struct {
		Provider string `json:"provider"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	m, err := s.d.Payments.LinkExternal(c.Request().Context(), u, req.Provider)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, m)
}

func (s *Server) passwordFree(c echo.Context) error {
	u, err := s.walletUser(c)
	if err != nil {
		return err
	}
	var req struct {
		Enabled *bool `json:"enabled"`
		Limit   int64 `json:"limit_fen"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Enabled == nil {
		return badParam("enabled", "enabled, true or false, is required")
	}
	w, err := s.d.Payments.SetPasswordFree(c.Request().Context(), u, *req.Enabled, req.Limit)
	if err != nil {
		return err
	}
	return ok(c, w)
}

// posCharge is a till charging a card: its token names it (readerAuth).
func (s *Server) posCharge(c echo.Context) error {
	if s.d.Payments == nil {
		return problem(http.StatusNotFound, "", "payments are not available")
	}
	r := c.Get(readerKey).(*geo.Reader)
	var req payments.ChargeRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Reader != r.ID {
		return problem(http.StatusUnauthorized, "reader", "this token is not reader %q's", req.Reader)
	}
	rc, err := s.d.Payments.Charge(c.Request().Context(), r, idempotencyKey(c), req)
	if err != nil {
		return err
	}
	return ok(c, rc)
}

func (s *Server) refund(c echo.Context) error {
	u, err := s.walletUser(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return badParam("id", "%q is not a payment id", c.Param("id"))
	}
	var req struct {
		Amount *int64 `json:"amount_fen"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Amount == nil {
		return badParam("amount_fen", "amount_fen, the refund in fen, is required")
	}
	r, err := s.d.Payments.Refund(c.Request().Context(), u, id, *req.Amount)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"refund_tx": r.Tx, "payment_id": r.Payment, "amount_fen": r.Amount, "to": r.Source, "at": r.At.In(payments.Shanghai)})
}

// issueBills is finance issuing bills from a CSV (text/csv, or JSON
// {"csv": "..."}).
func (s *Server) issueBills(c echo.Context) error {
	u, err := s.walletUser(c)
	if err != nil {
		return err
	}
	var csv io.Reader
	if ct := c.Request().Header.Get(echo.HeaderContentType); strings.HasPrefix(ct, "text/csv") {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return echo.ErrStatusRequestEntityTooLarge
			}
			return badParam("body", "the body could not be read")
		}
		csv = bytes.NewReader(b)
	} else {
		var req struct {
			CSV string `json:"csv"`
		}
		if err := decodeBody(c, &req); err != nil {
			return err
		}
		csv = strings.NewReader(req.CSV)
	}
	issued, skipped, err := s.d.Payments.ImportBills(c.Request().Context(), u, csv)
	if err != nil {
		return err
	}
	items := make([]payments.BillView, len(issued))
	for i, b := range issued {
		items[i] = s.d.Payments.BillView(b)
	}
	return c.JSON(http.StatusCreated, map[string]any{"issued": len(issued), "skipped": skipped, "items": items})
}

func (s *Server) bills(c echo.Context) error {
	u, err := s.walletUser(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", recordsDefault, 1, recordsMax)
	if err != nil {
		return err
	}
	before, err := cursorParam(c)
	if err != nil {
		return err
	}
	bs, err := s.d.Payments.Bills(c.Request().Context(), u, before, limit+1)
	if err != nil {
		return err
	}
	page := struct {
		Items []payments.BillView `json:"items"`
		Next  *string             `json:"next"`
	}{Items: []payments.BillView{}}
	for i, b := range bs {
		if i == limit {
			next := strconv.FormatInt(bs[limit-1].ID, 10)
			page.Next = &next
			break
		}
		page.Items = append(page.Items, s.d.Payments.BillView(b))
	}
	return ok(c, page)
}

func billID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badParam("id", "%q is not a bill id", c.Param("id"))
	}
	return id, nil
}

func (s *Server) payBill(c echo.Context) error {
	u, err := s.walletUser(c)
	if err != nil {
		return err
	}
	id, err := billID(c)
	if err != nil {
		return err
	}
	var req struct {
		Source string `json:"source"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	b, p, err := s.d.Payments.PayBill(c.Request().Context(), u, id, req.Source)
	if err != nil {
		return err
	}
	return ok(c, map[string]any{"bill": s.d.Payments.BillView(b), "payment": map[string]any{
		"status": payments.Paid, "payment_id": p.ID, "source": p.Source, "balance_fen": p.Balance, "amount_fen": p.Amount}})
}

func (s *Server) appealBill(c echo.Context) error {
	u, err := s.walletUser(c)
	if err != nil {
		return err
	}
	id, err := billID(c)
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	b, err := s.d.Payments.AppealBill(c.Request().Context(), u, id, req.Reason)
	if err != nil {
		return err
	}
	return ok(c, s.d.Payments.BillView(b))
}
