package repair

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var lifeNow = time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai)

func TestStepAllowedMoves(t *testing.T) {
	tk := Ticket{Status: Submitted}
	for _, c := range []struct {
		action string
		args   Args
		want   string
	}{
		{Dispatch, Args{Assignee: "plumbers"}, Dispatched},
		{Start, Args{}, InProgress},
		{Hold, Args{Reason: "parts"}, OnHold},
		{Start, Args{}, InProgress},
		{Complete, Args{Note: "done"}, Completed},
		{Rate, Args{Stars: 4}, Completed},
		{Reopen, Args{Reason: "leaks"}, Dispatched},
	} {
		e, err := step(&tk, c.action, c.args, lifeNow)
		if err != nil || tk.Status != c.want || e.To != c.want {
			t.Fatalf("%s: %v, status %s, want %s", c.action, err, tk.Status, c.want)
		}
	}
	if tk.Assignee != "plumbers" || tk.Completed != nil || tk.Stars != 4 {
		t.Errorf("after reopening: %+v", tk)
	}
}

func TestStepRefusals(t *testing.T) {
	done := lifeNow.Add(-Window)
	for _, c := range []struct {
		name   string
		t      Ticket
		action string
		code   string
		both   []string // words the detail names
	}{
		{"start a submitted", Ticket{Status: Submitted}, Start, "status", []string{"submitted", "dispatched"}},
		{"complete on hold", Ticket{Status: OnHold}, Complete, "status", []string{"on_hold", "in_progress"}},
		{"reopen in progress", Ticket{Status: InProgress}, Reopen, "status", []string{"in_progress", "completed"}},
		{"reopen after 7 days", Ticket{Status: Completed, Completed: &done}, Reopen, "window_closed", []string{"7 days"}},
		{"rate after 7 days", Ticket{Status: Closed, Completed: &done}, Rate, "window_closed", []string{"7 days"}},
		{"rate twice", Ticket{Status: Completed, Completed: &lifeNow, Stars: 3}, Rate, "rated", nil},
		{"rate a dismissed", Ticket{Status: Closed}, Rate, "status", nil},
	} {
		tk := c.t
		_, err := step(&tk, c.action, Args{Stars: 5}, lifeNow)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrConflict) || e.Code != c.code {
			t.Errorf("%s: %v, want a conflict %s", c.name, err, c.code)
			continue
		}
		for _, w := range c.both {
			if !strings.Contains(e.En, w) {
				t.Errorf("%s: %q does not name %q", c.name, e.En, w)
			}
		}
		if e.Zh == "" || tk.Status != c.t.Status {
			t.Errorf("%s: no Chinese, or the ticket moved: %+v", c.name, tk)
		}
	}
	// A second before the window ends, it is open.
	almost := lifeNow.Add(-Window + time.Second)
	tk := Ticket{Status: Completed, Completed: &almost}
	if _, err := step(&tk, Reopen, Args{Reason: "x"}, lifeNow); err != nil {
		t.Errorf("reopen within the window: %v", err)
	}
}

func TestCheckReport(t *testing.T) {
	ok := Report{Category: "water", Description: " dripping ", Unit: "u1"}
	if err := ok.check(); err != nil || ok.Description != "dripping" {
		t.Errorf("a good report: %v %q", err, ok.Description)
	}
	for _, c := range []struct {
		name  string
		r     Report
		field string
	}{
		{"no category", Report{Category: "x", Description: "d", Unit: "u"}, "category"},
		{"long description", Report{Category: "water", Description: strings.Repeat("é", MaxDescription+1), Unit: "u"}, "description"},
		{"long contact", Report{Category: "water", Description: "d", Unit: "u", Contact: strings.Repeat("1", MaxContact+1)}, "contact"},
		{"NUL", Report{Category: "water", Description: "d\x00", Unit: "u"}, "description"},
		{"nowhere", Report{Category: "water", Description: "d"}, "unit"},
		{"two places", Report{Category: "water", Description: "d", Unit: "u", At: &Point{}}, "unit"},
	} {
		var e *Error
		if err := c.r.check(); !errors.As(err, &e) || e.Field != c.field || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want invalid naming %s", c.name, err, c.field)
		}
	}
}
