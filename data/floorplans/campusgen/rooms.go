package campusgen

import (
	"fmt"
	"math"
)

// kind is a kind of room a floor plan is filled with.
type kind int

const (
	office kind = iota
	classroom
	lecture
	lab
	meeting
	discussion
	bedroom
	warden
	lobby
)

// width is the nominal width along the corridor of a room of the kind, in
// metres; offices and bedrooms take the width their building gives.
var width = [...]float64{
	office:     3.6,
	classroom:  9.6,
	lecture:    18,
	lab:        12,
	meeting:    7.2,
	discussion: 3.6,
	bedroom:    3.6,
	warden:     6,
	lobby:      12,
}

// labNames name the laboratories, in turn across the campus.
var labNames = []labels{
	{"Robotics Lab", "机器人实验室"},
	{"Microelectronics Lab", "微电子实验室"},
	{"Data Science Lab", "数据科学实验室"},
	{"Advanced Materials Lab", "先进材料实验室"},
	{"Smart Energy Lab", "智能能源实验室"},
	{"Bioengineering Lab", "生物工程实验室"},
	{"Photonics Lab", "光子学实验室"},
	{"Environmental Lab", "环境实验室"},
	{"Intelligent Manufacturing Lab", "智能制造实验室"},
	{"Quantum Devices Lab", "量子器件实验室"},
	{"Fluid Mechanics Lab", "流体力学实验室"},
	{"Computational Media Lab", "计算媒体实验室"},
	{"Urban Systems Lab", "城市系统实验室"},
	{"Chemistry Teaching Lab", "化学教学实验室"},
	{"Physics Teaching Lab", "物理教学实验室"},
	{"Computer Lab", "计算机实验室"},
	{"Internet of Things Lab", "物联网实验室"},
	{"Autonomous Systems Lab", "自主系统实验室"},
	{"Sustainable Energy Lab", "可持续能源实验室"},
	{"Earth Sciences Lab", "地球科学实验室"},
	{"Financial Technology Lab", "金融科技实验室"},
	{"Human-Computer Interaction Lab", "人机交互实验室"},
	{"Biomedical Imaging Lab", "生物医学成像实验室"},
	{"Wireless Networks Lab", "无线网络实验室"},
}

// fill lays out the rooms between x0 and x1: the fixed rooms spread among
// as many fillers (offices, bedrooms) of width fw as fit, all stretched a
// little so that they end exactly at x1.
func fill(x0, x1 float64, fixed []kind, filler kind, fw float64) (layout, error) {
	span := x1 - x0
	var fixedW float64
	for _, k := range fixed {
		fixedW += width[k]
	}
	n := int(math.Floor((span - fixedW) / fw))
	if n < 0 || (n == 0 && len(fixed) == 0) {
		return layout{}, errorf("%.1f m cannot hold %v", span, fixed)
	}
	kinds := make([]kind, n+len(fixed))
	for i := range kinds {
		kinds[i] = filler
	}
	m := len(fixed)
	for i, k := range fixed {
		kinds[(2*i+1)*len(kinds)/(2*m)] = k
	}
	total := fixedW + float64(n)*fw
	walls := make([]float64, len(kinds)+1)
	walls[0] = x0
	var at float64
	for i, k := range kinds {
		if k == filler {
			at += fw
		} else {
			at += width[k]
		}
		walls[i+1] = x0 + at*span/total
	}
	walls[len(kinds)] = x1
	return layout{kinds, walls}, nil
}

// room adds a room of kind k covering r to level l, with its name and, if
// it can be booked, its capacity.
func (c *campus) room(l *level, k kind, r rect) *unit {
	b := l.b
	var u *unit
	switch k {
	case office:
		u = l.add("office", r, nil)
	case classroom:
		u = l.add("classroom", r, nil)
		u.capacity = 5 * int(rectArea(r)/1.8/5)
		u.beacons = gridBeacons
	case lecture:
		c.lectures++
		u = l.add("classroom", r, lbl(fmt.Sprintf("Lecture Theatre %d", c.lectures), fmt.Sprintf("%d号演讲厅", c.lectures)))
		u.capacity = 10 * int(rectArea(r)/1.2/10)
		u.beacons = gridBeacons
	case lab:
		n := labNames[c.labs%len(labNames)]
		if round := c.labs / len(labNames); round > 0 {
			n = labels{fmt.Sprintf("%s %d", n.en, round+1), fmt.Sprintf("%s%d", n.zh, round+1)}
		}
		c.labs++
		u = l.add("laboratory", r, &n)
		u.beacons = gridBeacons
	case meeting:
		b.meetings++
		u = l.add("conferenceroom", r, lbl(fmt.Sprintf("Meeting Room %d", b.meetings), fmt.Sprintf("%d号会议室", b.meetings)))
		u.capacity = clamp(int(rectArea(r)/4), 8, 24)
	case discussion:
		b.discussions++
		u = l.add("huddleroom", r, lbl(fmt.Sprintf("Discussion Room %d", b.discussions), fmt.Sprintf("%d号研讨室", b.discussions)))
		u.capacity = clamp(int(rectArea(r)/6), 4, 8)
	case bedroom:
		u = l.add("room", r, nil)
		u.bedroom = true
	case warden:
		u = l.add("office", r, lbl("Warden Office", "舍监办公室"))
	case lobby:
		u = l.add("lobby", r, lbl(b.ref+" Lobby", b.ref+"大堂"))
		u.beacons = gridBeacons
	}
	return u
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }
