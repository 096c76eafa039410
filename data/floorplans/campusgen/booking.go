package campusgen

import "fmt"

// What bookings need (issue 15; the seeds: §11 space booking, §5 the
// sports hall, §17-18 the NICE and NFF labs, §19 counselling): library
// study rooms, the two labs' rooms and their equipment, the counselling
// centre's rooms; and booking.json (the booking extension), the kinds of
// bookable spaces with their rules. Like the places of places.go, the
// rooms are rooms the slabs already have, renamed (and given a capacity),
// never new geometry: walls, doors, beacons, readers and routes stay as
// they were. A room keeps its category unless said otherwise, so a
// laboratory keeps its badge-reader door and an office its smart lock.

// use is a room given a use for bookings.
type use struct {
	ref      string // the room, as numberUnits named it
	was      string // its category before: a check that the layout did not move
	category string // its IMDF category now ("": unchanged)
	name     labels
	capacity int // people at once; 0 keeps the room's own
}

// studyRooms are the library's study rooms (图书馆学习室, seeds §11): the
// discussion rooms of W's two library floors, across the corridor from
// the Library (W-103) and along the corridor from its Reading Room
// (W-204). They stay huddle rooms of the size they were; booking.json
// selects them by reference, before the discussion rooms.
var studyRooms = func() []use {
	var out []use
	for i, ref := range []string{"W-121", "W-208", "W-212", "W-240"} {
		out = append(out, use{ref: ref, was: "huddleroom",
			name: labels{fmt.Sprintf("Study Room %d", i+1), fmt.Sprintf("图书馆学习室 %d", i+1)}})
	}
	return out
}()

// counsellingRooms are the counselling centre's rooms (心理咨询室, seeds
// §19): the last offices at the quiet east end of E 5/F, by Stair B. They
// stay offices (a counsellor's room, with its smart lock); students book
// them only through a counsellor's published slots.
var counsellingRooms = func() []use {
	var out []use
	for i, ref := range []string{"E-542", "E-543", "E-544"} {
		out = append(out, use{ref: ref, was: "office", capacity: 3,
			name: labels{fmt.Sprintf("Counselling Room %d", i+1), fmt.Sprintf("心理咨询室 %d", i+1)}})
	}
	return out
}()

// labDef is a lab of the seeds (§17 NICE, §18 NFF) that books its
// equipment and takes samples: its rooms (laboratories of the teaching
// buildings, renamed) and its equipment.
type labDef struct {
	id        string // "NICE", "NFF": the lab in the API
	name      labels
	email     string
	rooms     []use
	equipment []piece
}

// piece is a piece of a lab's equipment: a space of type "equipment" in
// one of the lab's rooms.
type piece struct {
	name     labels
	room     string // the ref of the lab's room it stands in
	capacity int    // people at once
}

// ref returns the reference of the lab's i-th piece: "NFF-E01".
func (l *labDef) ref(i int) string { return fmt.Sprintf("%s-E%02d", l.id, i+1) }

// equipmentID returns the id of a piece of equipment from its reference.
func equipmentID(ref string) string { return newID("equipment:%s", ref) }

// labs are the two labs. The seeds give only their acronyms and contacts.
// NFF is taken to be a nanosystem fabrication facility (a cleanroom:
// lithography, etching, deposition), as at HKUST's Clear Water Bay
// campus. NICE's expansion is not known: it is kept as the seeds name it
// ("NICE Lab", NICE 实验室), and assumed to be the shared analysis and
// characterisation facility beside NFF (microscopy, spectroscopy, X-ray
// and thermal analysis), which is what its equipment is. Both are in
// buildings closed to the public (C1, C7): their doors keep their badge
// readers, which members are granted.
var labs = []labDef{
	{
		id: "NFF", name: labels{"NFF Lab (Nanosystem Fabrication Facility)", "NFF 实验室（纳米系统制造平台）"}, email: "nff@hkust-gz.edu.cn",
		rooms: []use{
			{ref: "C1-215", was: "laboratory", capacity: 10, name: labels{"NFF Cleanroom — Lithography Bay", "NFF 洁净室 — 光刻区"}},
			{ref: "C1-222", was: "laboratory", capacity: 10, name: labels{"NFF Cleanroom — Etch and Deposition Bay", "NFF 洁净室 — 刻蚀与薄膜沉积区"}},
		},
		equipment: []piece{
			{labels{"Electron-Beam Lithography System", "电子束光刻系统"}, "C1-215", 1},
			{labels{"Mask Aligner", "掩模对准光刻机"}, "C1-215", 1},
			{labels{"Maskless Laser Direct Writer", "无掩模激光直写光刻机"}, "C1-215", 1},
			{labels{"Spin Coater and Hotplate Station", "匀胶机与热板工作站"}, "C1-215", 2},
			{labels{"Field-Emission Scanning Electron Microscope", "场发射扫描电子显微镜"}, "C1-215", 1},
			{labels{"Reactive Ion Etcher", "反应离子刻蚀机"}, "C1-222", 1},
			{labels{"Inductively Coupled Plasma Etcher", "电感耦合等离子体刻蚀机"}, "C1-222", 1},
			{labels{"Atomic Layer Deposition System", "原子层沉积系统"}, "C1-222", 1},
			{labels{"Magnetron Sputtering System", "磁控溅射镀膜系统"}, "C1-222", 1},
			{labels{"Electron-Beam Evaporator", "电子束蒸发镀膜机"}, "C1-222", 1},
		},
	},
	{
		id: "NICE", name: labels{"NICE Lab", "NICE 实验室"}, email: "nice@hkust-gz.edu.cn",
		rooms: []use{
			{ref: "C7-214", was: "laboratory", capacity: 8, name: labels{"NICE Lab — Electron Microscopy", "NICE 实验室 — 电子显微分析室"}},
			{ref: "C7-220", was: "laboratory", capacity: 8, name: labels{"NICE Lab — Spectroscopy", "NICE 实验室 — 光谱分析室"}},
			{ref: "C7-318", was: "laboratory", capacity: 8, name: labels{"NICE Lab — X-ray and Thermal Analysis", "NICE 实验室 — X 射线与热分析室"}},
		},
		equipment: []piece{
			{labels{"Transmission Electron Microscope", "透射电子显微镜"}, "C7-214", 2},
			{labels{"Scanning Electron Microscope with EDS", "扫描电子显微镜（含能谱仪）"}, "C7-214", 1},
			{labels{"Atomic Force Microscope", "原子力显微镜"}, "C7-214", 1},
			{labels{"Confocal Raman Spectrometer", "共聚焦拉曼光谱仪"}, "C7-220", 1},
			{labels{"FTIR Spectrometer", "傅里叶变换红外光谱仪"}, "C7-220", 1},
			{labels{"400 MHz NMR Spectrometer", "400 MHz 核磁共振波谱仪"}, "C7-220", 1},
			{labels{"X-ray Diffractometer", "X 射线衍射仪"}, "C7-318", 1},
			{labels{"X-ray Photoelectron Spectrometer", "X 射线光电子能谱仪"}, "C7-318", 1},
			{labels{"Thermogravimetric Analyser", "热重分析仪"}, "C7-318", 1},
		},
	},
}

// bookingUses returns every room given a use for bookings, in the order
// they are applied.
func bookingUses() []use {
	out := append(append([]use{}, studyRooms...), counsellingRooms...)
	for _, l := range labs {
		out = append(out, l.rooms...)
	}
	return out
}

// placeBookings gives the rooms of bookingUses their names, categories and
// capacities, and checks that every piece of equipment stands in one of
// its lab's rooms.
func (c *campus) placeBookings() error {
	for _, p := range bookingUses() {
		u := c.unitByRef(p.ref)
		if u == nil || u.category != p.was {
			return errorf("%s (%s): no %s %s", p.name.en, p.name.zh, p.was, p.ref)
		}
		name := p.name
		u.name = &name
		if p.category != "" {
			u.category = p.category
		}
		if p.capacity > 0 {
			u.capacity = p.capacity
		}
		if u.capacity <= 0 {
			return errorf("%s %s: no capacity", p.ref, p.name.en)
		}
	}
	for _, l := range labs {
		for i, e := range l.equipment {
			ok := false
			for _, r := range l.rooms {
				ok = ok || r.ref == e.room
			}
			if !ok {
				return errorf("%s %s (%s) stands in %s, not one of the lab's rooms", l.ref(i), e.name.en, l.id, e.room)
			}
		}
	}
	return nil
}

// bookingKind is one kind of bookable space of booking.json (FORMAT.md
// says what each field means).
type bookingKind struct {
	typ                string
	name               labels
	units              *selector // nil: the kind has only equipment
	roles              []string  // empty: nobody books directly
	hours              []hours   // nil: always
	slotMin, aheadDays int
	longestMin         int
	approver           string // "": none
	checkin            bool
	cancelBeforeMin    int
	acceptRules        bool
	rules              *labels
	labMembers         bool
	locked             []lockedSpan
}

// selector says which units are spaces of a kind: all its given lists
// must match.
type selector struct{ categories, buildings, refs []string }

// lockedSpan is a period a kind cannot be booked in.
type lockedSpan struct {
	from, to string // RFC 3339
	reason   labels
}

// refsOf returns the references of rooms.
func refsOf(us []use) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.ref)
	}
	return out
}

// hallRules are the sports hall's rules people accept when they book a
// court (seeds §5.1: 勾选"入场须知").
var hallRules = labels{
	"Sports hall rules: bring your campus card and check in from 10 minutes before to 15 minutes after the start of your slot, " +
		"or the court is released; wear clean, non-marking indoor sports shoes; no food, chewing gum or glass bottles on the courts; " +
		"return borrowed equipment to the equipment store; cancel at least 2 hours before the slot; " +
		"three no-shows in 30 days suspend booking for 7 days; follow the hall staff's instructions.",
	"体育馆入场须知：请携带校园卡，于场次开始前 10 分钟至开始后 15 分钟内签到，逾时场地将被释放；" +
		"请穿着干净、不留痕的室内运动鞋；场内禁止饮食、嚼口香糖及携带玻璃瓶；借用的器材请归还器材室；" +
		"如需取消，请至少在场次开始前 2 小时操作；30 天内爽约 3 次将暂停预约 7 天；请听从体育馆工作人员的指引。",
}

// bookingKinds are the kinds, in the order that decides: a unit belongs
// to the first kind that selects it (the study rooms are huddle rooms, so
// "study" comes before "discussion"). Rooms of other categories (offices,
// laboratories, restrooms, canteens...) no kind selects: they are not
// bookable.
func bookingKinds() []bookingKind {
	staffStudent := []string{"staff", "student"}
	return []bookingKind{
		{typ: "meeting", name: labels{"Meeting room", "会议室"}, units: &selector{categories: []string{"conferenceroom"}},
			roles: staffStudent, hours: teachingHours, slotMin: 30, aheadDays: 14, longestMin: 240, checkin: true},
		{typ: "classroom", name: labels{"Classroom", "教室"}, units: &selector{categories: []string{"classroom"}},
			roles: staffStudent, hours: teachingHours, slotMin: 30, aheadDays: 30, longestMin: 480, approver: "desk",
			checkin: true, cancelBeforeMin: 1440, locked: []lockedSpan{
				{"2027-01-04T00:00:00+08:00", "2027-01-16T00:00:00+08:00",
					labels{"Final examinations, autumn term 2026-27", "2026-27 学年秋季学期期末考试"}},
				{"2027-05-24T00:00:00+08:00", "2027-06-05T00:00:00+08:00",
					labels{"Final examinations, spring term 2026-27", "2026-27 学年春季学期期末考试"}},
			}},
		{typ: "study", name: labels{"Library study room", "图书馆学习室"}, units: &selector{refs: refsOf(studyRooms)},
			roles: staffStudent, hours: libraryHours, slotMin: 30, aheadDays: 7, longestMin: 240, checkin: true},
		{typ: "discussion", name: labels{"Discussion room", "讨论室"}, units: &selector{categories: []string{"huddleroom"}},
			roles: staffStudent, hours: teachingHours, slotMin: 30, aheadDays: 7, longestMin: 180, checkin: true},
		{typ: "court", name: labels{"Sports hall court", "体育馆场地"}, units: &selector{categories: []string{"fieldofplay"}, buildings: []string{"SH"}},
			roles: members, hours: hallHours, slotMin: 60, aheadDays: 7, longestMin: 120, checkin: true, cancelBeforeMin: 120,
			acceptRules: true, rules: &hallRules},
		{typ: "counselling", name: labels{"Counselling room", "心理咨询室"}, units: &selector{refs: refsOf(counsellingRooms)},
			roles: []string{}, hours: []hours{{weekdays, "09:00", "17:30"}}, slotMin: 30, aheadDays: 14, longestMin: 60,
			cancelBeforeMin: 1440},
		{typ: "equipment", name: labels{"Lab equipment", "实验设备"},
			roles: staffStudent, hours: []hours{{everyDay, "09:00", "21:00"}}, slotMin: 30, aheadDays: 14, longestMin: 480,
			cancelBeforeMin: 1440, labMembers: true},
	}
}

// bookingJSON returns booking.json.
func bookingJSON() ([]byte, error) {
	var kinds []object
	for _, k := range bookingKinds() {
		o := object{{"type", k.typ}, {"name", &k.name}}
		if s := k.units; s != nil {
			sel := object{}
			if s.categories != nil {
				sel = append(sel, field{"categories", s.categories})
			}
			if s.buildings != nil {
				sel = append(sel, field{"buildings", s.buildings})
			}
			if s.refs != nil {
				sel = append(sel, field{"refs", s.refs})
			}
			o = append(o, field{"units", sel})
		}
		o = append(o, field{"roles", k.roles})
		if k.hours != nil {
			o = append(o, field{"hours", hoursJSON(k.hours)})
		}
		o = append(o, field{"slot_min", k.slotMin}, field{"ahead_days", k.aheadDays}, field{"longest_min", k.longestMin})
		if k.approver != "" {
			o = append(o, field{"approver", k.approver})
		}
		o = append(o, field{"checkin", k.checkin}, field{"cancel_before_min", k.cancelBeforeMin})
		if k.acceptRules {
			o = append(o, field{"accept_rules", true})
		}
		if k.rules != nil {
			o = append(o, field{"rules", k.rules})
		}
		if k.labMembers {
			o = append(o, field{"lab_members", true})
		}
		if k.locked != nil {
			var spans []object
			for _, l := range k.locked {
				spans = append(spans, object{{"from", l.from}, {"to", l.to}, {"reason", &l.reason}})
			}
			o = append(o, field{"locked", spans})
		}
		kinds = append(kinds, o)
	}
	var labList, equipment []object
	for _, l := range labs {
		labList = append(labList, object{{"id", l.id}, {"name", &l.name}, {"email", l.email}, {"units", refsOf(l.rooms)}})
		for i, e := range l.equipment {
			ref := l.ref(i)
			equipment = append(equipment, object{
				{"id", equipmentID(ref)},
				{"ref", ref},
				{"name", &e.name},
				{"type", "equipment"},
				{"lab", l.id},
				{"unit", e.room},
				{"capacity", e.capacity},
			})
		}
	}
	return indent(object{
		{"version", 1},
		{"time_zone", "Asia/Shanghai"},
		{"kinds", kinds},
		{"labs", labList},
		{"equipment", equipment},
	})
}
