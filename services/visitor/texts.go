package visitor

import (
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/services/audit"
)

// Text messages to visitors go through the outbox (a job of KindText,
// written in the transaction of the change that causes it), in
// Simplified Chinese and English both: a visitor's language is not
// known when they are invited.

// KindText is the kind of the jobs that text a message to a phone
// (services/jobs.TextWorker works them).
const KindText = "text"

// Text is a text message job's arguments.
type Text struct {
	Phone string `json:"phone"`
	Text  string `json:"text"`
}

func textJob(phone, text string) Job {
	return Job{Kind: KindText, Args: Text{Phone: phone, Text: text}}
}

// Audit log kinds of visits.
const (
	AuditDecided   = "visit_decided"     // a visit approved, rejected, or withdrawn by its host (decision approve, reject, revoke)
	AuditRefused   = "visit_refused"     // the watchlist refused a registration (reason: the entry)
	AuditGate      = "visit_gate"        // a gate's decision on a visitor (allow, deny; reason why)
	AuditWatchlist = "watchlist_changed" // security added (grant) or removed (revoke) a watchlist entry
)

// decisionEntry is the audit entry of a decision about v by actor (0:
// the external workflow).
func decisionEntry(v Visit, at time.Time, actor int64, decision, reason string) audit.Entry {
	place := v.Place.Unit
	if place == "" {
		place = v.Place.Building
	}
	return audit.Entry{At: at, Actor: actor, Subject: v.Visitor, Kind: AuditDecided, Place: place, Decision: decision,
		Reason: clip(reason, audit.MaxReason), Detail: audit.Detail(map[string]any{"visit": v.ID, "host": v.Host, "source": v.Source})}
}

// clip is s cut to at most n bytes, on a character's boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

const (
	brandZh = "【香港科技大学（广州）】"
	brandEn = "[HKUST(GZ)] "
)

// when is a visit's day and window as a text tells it.
func when(date string, from, to time.Time) string {
	return fmt.Sprintf("%s %s-%s", date, local(from).Format("15:04"), local(to).Format("15:04"))
}

func placeRef(p Place) string {
	if p.Ref != "" {
		return p.Ref
	}
	return "-"
}

// invitationText is the text inviting a visitor.
func invitationText(inv Invitation, link string) string {
	w := when(inv.Date, inv.From, inv.To)
	return fmt.Sprintf("%s%s 邀请您于 %s 来访（%s）。请用本机号码登录并填写来访信息：%s\n%s%s invites you to visit on %s (%s). Sign in with this number and complete your details: %s",
		brandZh, inv.Host, w, placeRef(inv.Place), link, brandEn, inv.Host, w, placeRef(inv.Place), link)
}

// visitorPhone is where a visit's visitor is texted: their account's
// phone, else the first person's; "" for none.
func visitorPhone(v Visit) string {
	if p, ok := strings.CutPrefix(v.Visitor, "tel:"); ok {
		return p
	}
	if len(v.People) > 0 {
		return v.People[0].Phone
	}
	return ""
}

// tellVisitor is the text telling v's visitor of its decision (approved,
// rejected, withdrawn by the host), if they have a phone.
func (s *Service) tellVisitor(v Visit) []Job {
	phone := visitorPhone(v)
	if phone == "" {
		return nil
	}
	w := when(v.Date, v.From, v.To)
	var zh, en string
	switch v.Status {
	case Approved:
		zh = fmt.Sprintf("您 %s 的来访预约已批准。会面地点：%s。请在预约时段内经 2 号门或 5 号门步行入校（驾车请走车辆道闸）。", w, placeRef(v.Place))
		en = fmt.Sprintf("Your visit on %s was approved. Meet at %s; walk in by Gate 2 or Gate 5 within its window (cars: the barriers).", w, placeRef(v.Place))
	case Rejected:
		zh = fmt.Sprintf("您 %s 的来访预约未获批准。", w)
		en = fmt.Sprintf("Your visit on %s was not approved.", w)
		if v.Note != "" {
			zh += "说明：" + v.Note
			en += " Note: " + v.Note
		}
	case Withdrawn:
		zh = fmt.Sprintf("您 %s 的来访已被接待人取消。", w)
		en = fmt.Sprintf("Your visit on %s was withdrawn by your host.", w)
	default:
		return nil
	}
	return []Job{textJob(phone, brandZh+zh+"\n"+brandEn+en)}
}
