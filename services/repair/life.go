package repair

import (
	"fmt"
	"slices"
	"time"
)

// Actions on a ticket. The desk dispatches, starts, holds, completes and
// closes; the reporter reopens and rates; the system closes a completed
// ticket Window after its completion.
const (
	Dispatch = "dispatch"
	Start    = "start"
	Hold     = "hold"
	Complete = "complete"
	CloseIt  = "close"
	Reopen   = "reopen"
	Rate     = "rate"
)

// moves says, for each action, the statuses it may start from and the
// status it leads to ("" for rate: the status stays).
var moves = map[string]struct {
	from []string
	to   string
}{
	Dispatch: {[]string{Submitted}, Dispatched},
	Start:    {[]string{Dispatched, OnHold}, InProgress},
	Hold:     {[]string{InProgress}, OnHold},
	Complete: {[]string{InProgress}, Completed},
	CloseIt:  {[]string{Submitted, Completed}, Closed},
	Reopen:   {[]string{Completed}, Dispatched},
	Rate:     {[]string{Completed, Closed}, ""},
}

// Args are what an action carries: the assignee of a dispatch, the
// reason of a hold or a reopening, the note of a completion, the stars
// and comment of a rating.
type Args struct {
	Assignee string
	Reason   string
	Note     string
	Stars    int
	Comment  string
}

// step moves t by action at now, as actor: the event, or why not (a
// *Error: 409 naming both states, or the window closed).
func step(t *Ticket, action string, a Args, now time.Time) (Event, error) {
	m, ok := moves[action]
	if !ok {
		return Event{}, refuse(ErrInvalid, "action", "action", "no action %q", "没有操作 %q", action)
	}
	if (action == Reopen || action == Rate) && t.Completed != nil && !now.Before(t.Completed.Add(Window)) {
		days := int(Window / (24 * time.Hour))
		return Event{}, &Error{Kind: ErrConflict, Code: "window_closed",
			En: fmt.Sprintf("the %d days to %s this ticket after its completion have passed", days, action),
			Zh: fmt.Sprintf("完成后 %d 天内方可%s，现已超过期限", days, actionZh[action])}
	}
	if !slices.Contains(m.from, t.Status) {
		return Event{}, &Error{Kind: ErrConflict, Code: "status",
			En: fmt.Sprintf("a ticket %s cannot be %s: only one %s can", t.Status, past[action], joinStatuses(m.from)),
			Zh: fmt.Sprintf("报修单当前为%s，不能%s：仅%s的报修单可以", statusZh[t.Status], actionZh[action], statusesZh(m.from))}
	}
	e := Event{At: now, From: t.Status, To: m.to}
	switch action {
	case Dispatch:
		t.Assignee, e.Note = a.Assignee, a.Assignee
	case Hold:
		e.Note = a.Reason
	case Complete:
		t.Completed, e.Note = &now, a.Note
	case Reopen:
		t.Completed, e.Note = nil, a.Reason
	case Rate:
		if t.Completed == nil {
			return Event{}, refuse(ErrConflict, "status", "", "a ticket closed unfinished cannot be rated", "未完成即关闭的报修单不能评价")
		}
		if t.Stars != 0 {
			return Event{}, refuse(ErrConflict, "rated", "stars", "this ticket was rated already", "该报修单已评价")
		}
		t.Stars, t.Comment = a.Stars, a.Comment
		e.To, e.Note = t.Status, fmt.Sprintf("%d/5 %s", a.Stars, a.Comment)
	}
	t.Status = e.To
	return e, nil
}

// past is each action's participle, for refusals.
var past = map[string]string{Dispatch: "dispatched", Start: "started", Hold: "put on hold", Complete: "completed",
	CloseIt: "closed", Reopen: "reopened", Rate: "rated"}

var actionZh = map[string]string{Dispatch: "派单", Start: "开始处理", Hold: "挂起", Complete: "完成", CloseIt: "关闭",
	Reopen: "驳回重开", Rate: "评价"}

var statusZh = map[string]string{Submitted: "已提交", Dispatched: "已派单", InProgress: "处理中", OnHold: "已挂起",
	Completed: "已完成", Closed: "已关闭"}

func joinStatuses(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " or "
		}
		out += s
	}
	return out
}

func statusesZh(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "或"
		}
		out += statusZh[s]
	}
	return out
}
