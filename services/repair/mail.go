package repair

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/campusnav/engine/services/mail"
)

// mail is the message to a reporter (to, in lang) about ticket t, which
// was just dispatched or completed: its number, its status and a link.
// A phone account has no mailbox: none.
func (s *Service) mail(t Ticket, to, lang string) (mail.Message, bool) {
	if to == "" || strings.HasPrefix(to, "tel:") || !strings.Contains(to, "@") {
		return mail.Message{}, false
	}
	link := s.link + "/api/v1/repairs/" + strconv.FormatInt(t.ID, 10)
	cat, _ := CategoryOf(t.Category)
	place := t.Location.Ref
	if place == "" {
		place = fmt.Sprintf("%.6f, %.6f", t.Location.Lon, t.Location.Lat)
	}
	var subject, body string
	if isChinese(lang) {
		what := "已派单给 " + t.Assignee
		if t.Status == Completed {
			what = "已完成。如问题仍未解决，可在 7 天内驳回重开；也欢迎在 7 天内评价"
		}
		subject = fmt.Sprintf("报修单 %s %s", t.Number, statusZh[t.Status])
		body = fmt.Sprintf("您的报修单 %s（%s，%s）%s。\n\n查看进度：%s\n", t.Number, cat.Name.Zh, place, what, link)
	} else {
		what := "was dispatched to " + t.Assignee
		if t.Status == Completed {
			what = "was completed. If the fault persists you may reopen it within 7 days; you may also rate it within 7 days"
		}
		subject = fmt.Sprintf("Repair ticket %s %s", t.Number, strings.ReplaceAll(t.Status, "_", " "))
		body = fmt.Sprintf("Your repair ticket %s (%s, %s) %s.\n\nFollow it: %s\n", t.Number, cat.Name.En, place, what, link)
	}
	return mail.Message{To: to, Subject: subject, Text: body}, true
}
