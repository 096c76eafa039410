package routing

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// Instruction types.
const (
	InstrDepart    = "depart"
	InstrTurn      = "turn"
	InstrEnter     = "enter"
	InstrExit      = "exit"
	InstrElevator  = "elevator"
	InstrStairs    = "stairs"
	InstrEscalator = "escalator"
	InstrRamp      = "ramp"
	InstrGate      = "gate"
	InstrVia       = "via" // a via place reached, on the way on
	InstrArrive    = "arrive"
)

// Turn thresholds, degrees: smaller changes of heading are "continue".
const (
	turnSlight = 30.0
	turnSharp  = 150.0
	// minLeg is the shortest stretch (metres) whose direction counts for a
	// turn: a step across a door frame is not a turn.
	minLeg = 2.0
)

// phrases holds the text of instructions, English and Simplified Chinese.
var phrases = map[string][2]string{
	"depart":        {"Depart from %s", "从%s出发"},
	"arrive":        {"Arrive at %s", "到达%s"},
	"via":           {"Arrive at waypoint %s", "到达途经点%s"},
	"enter":         {"Enter %s", "进入%s"},
	"exit":          {"Exit %s", "离开%s"},
	"gate":          {"Pass through %s", "通过%s"},
	"elevator":      {"Take the elevator to %s", "乘电梯到%s"},
	"stairs":        {"Take the stairs to %s", "走楼梯到%s"},
	"escalator":     {"Take the escalator to %s", "乘扶梯到%s"},
	"ramp":          {"Take the ramp to %s", "走坡道到%s"},
	"left":          {"Turn left", "左转"},
	"right":         {"Turn right", "右转"},
	"slight left":   {"Bear left", "向左前方走"},
	"slight right":  {"Bear right", "向右前方走"},
	"around":        {"Turn around", "掉头"},
	"start":         {"your position", "当前位置"},
	"destination":   {"your destination", "目的地"},
	"outdoor level": {"ground level", "地面"},
}

func phrase(key, lang string, args ...any) string {
	i := 0
	if lang == "zh" {
		i = 1
	}
	p := phrases[key][i]
	if len(args) > 0 {
		return fmt.Sprintf(p, args...)
	}
	return p
}

// placeName names a place for people in lang.
func placeName(pl *Place, lang string, first bool) string {
	switch {
	case pl.Kind == PlacePoint && first:
		return phrase("start", lang)
	case pl.Kind == PlacePoint:
		return phrase("destination", lang)
	case pl.Kind == geo.KindAmenity && pl.In != "":
		if geo.IsChinese(lang) {
			return pl.In + placeNameOnly(pl, lang)
		}
		return placeNameOnly(pl, lang) + " (" + pl.In + ")"
	case pl.Ref != "" && pl.Kind == geo.KindUnit:
		if n := pl.Name.In(lang); n != "" {
			return pl.Ref + " " + n
		}
		return pl.Ref
	}
	return placeNameOnly(pl, lang)
}

// placeNameOnly is a place's name in lang, or its kind's.
func placeNameOnly(pl *Place, lang string) string {
	if n := pl.Name.In(lang); n != "" {
		return n
	}
	return geo.CategoryLabel(pl.Category, lang)
}

func levelName(l *geo.Level, lang string) string {
	if n := l.Name.In(lang); n != "" {
		return n
	}
	if n := l.ShortName.In(lang); n != "" {
		return n
	}
	return fmt.Sprint(l.Ordinal)
}

// instructions turns the pieces of a route into directions; stops says
// where in pieces each via place is reached. Each instruction's distance
// is the walk from it to the next.
func (g *Graph) instructions(w geo.View, places []*Place, pieces []piece, stops []int, lang string) []Instruction {
	var out []Instruction
	walked := 0.0 // since the last instruction
	add := func(typ, text string, level *geo.Level, ordinal int) {
		if len(out) > 0 {
			out[len(out)-1].DistanceM = round1(walked)
		}
		walked = 0
		in := Instruction{Type: typ, Text: text, Ordinal: ordinal}
		if level != nil && w.Sees(level) {
			in.Level = &level.ID
			in.Ordinal = level.Ordinal
		}
		out = append(out, in)
	}
	first, last := places[0], places[len(places)-1]
	add(InstrDepart, phrase("depart", lang, placeName(first, lang, true)), first.Level, first.Ordinal)
	if len(pieces) > 0 && first.Kind != geo.KindGate {
		if gt := gateAt(pieces[0].from); gt != nil {
			add(InstrGate, phrase("gate", lang, gt.Name.In(lang)), nil, 0)
		}
	}
	var heading orb.Point // direction of the last stretch of at least minLeg
	stop := 0             // the next via place
	reach := func(i int) {
		for stop < len(stops) && stops[stop] <= i {
			pl := places[stop+1]
			add(InstrVia, phrase("via", lang, placeName(pl, lang, false)), pl.Level, pl.Ordinal)
			heading = orb.Point{}
			stop++
		}
	}
	for i := 0; i < len(pieces); i++ {
		reach(i)
		pc := pieces[i]
		if pc.kind.vertical() || (pc.kind == EdgeOutdoor && pc.ordFrom != pc.ordTo) {
			// A run of one kind of vertical link is one instruction.
			j := i
			for j+1 < len(pieces) && pieces[j+1].kind == pc.kind && (pc.kind.vertical() || pieces[j+1].ordFrom != pieces[j+1].ordTo) {
				j++
			}
			typ := pc.via()
			dest := phrase("outdoor level", lang)
			if l := pieces[j].to; l != nil && l.Level != nil {
				dest = levelName(l.Level, lang)
			}
			add(typ, phrase(typ, lang, dest), pieces[j].level, pieces[j].ordTo)
			if pc.kind == EdgeOutdoor {
				for k := i; k <= j; k++ {
					walked += pieces[k].length // the ramp or steps belong to this step
				}
			}
			heading = orb.Point{}
			i = j
			continue
		}
		// Entering or leaving a building at a door.
		if i > 0 && pc.from != nil && pc.from.Kind == NodeDoor {
			prev := pieces[i-1]
			if b := doorBuilding(pc.from); b != nil {
				switch {
				case prev.kind == EdgeOutdoor && pc.kind == EdgeIndoor:
					add(InstrEnter, phrase("enter", lang, b.Name.In(lang)), pc.level, pc.ordFrom)
					heading = orb.Point{}
				case prev.kind == EdgeIndoor && pc.kind == EdgeOutdoor:
					add(InstrExit, phrase("exit", lang, b.Name.In(lang)), nil, 0)
					heading = orb.Point{}
				}
			}
		}
		if i > 0 && pc.from != nil {
			if gt := gateAt(pc.from); gt != nil {
				add(InstrGate, phrase("gate", lang, gt.Name.In(lang)), nil, 0)
			}
		}
		// Turns at each bend of the stretch.
		for k := 0; k+1 < len(pc.pts); k++ {
			a, b := pc.pts[k], pc.pts[k+1]
			l := dist(a, b)
			if l < minLeg {
				walked += l
				continue
			}
			dir := orb.Point{(b[0] - a[0]) / l, (b[1] - a[1]) / l}
			if heading != (orb.Point{}) {
				if key := turnKey(heading, dir); key != "" {
					lvl := pc.level
					if pc.kind == EdgeOutdoor {
						lvl = nil
					}
					add(InstrTurn, phrase(key, lang), lvl, pc.ordFrom)
				}
			}
			heading = dir
			walked += l
		}
	}
	if len(pieces) > 0 {
		if gt := gateAt(pieces[len(pieces)-1].to); gt != nil && last.Kind != geo.KindGate {
			add(InstrGate, phrase("gate", lang, gt.Name.In(lang)), nil, 0)
		}
	}
	reach(len(pieces))
	add(InstrArrive, phrase("arrive", lang, placeName(last, lang, false)), last.Level, last.Ordinal)
	return out
}

// turnKey names the turn from heading a to heading b, or "" to go on.
func turnKey(a, b orb.Point) string {
	cross := a[0]*b[1] - a[1]*b[0]
	dot := a[0]*b[0] + a[1]*b[1]
	deg := math.Atan2(cross, dot) * 180 / math.Pi // positive: to the left
	switch abs := math.Abs(deg); {
	case abs < turnSlight:
		return ""
	case abs >= turnSharp:
		return "around"
	case abs < 60 && deg > 0:
		return "slight left"
	case abs < 60:
		return "slight right"
	case deg > 0:
		return "left"
	default:
		return "right"
	}
}

func gateAt(n *Node) *geo.Gate {
	if n == nil {
		return nil
	}
	gt, _ := n.Feature.(*geo.Gate)
	return gt
}

func doorBuilding(n *Node) *geo.Building {
	if n.Level == nil {
		return nil
	}
	return n.Level.Building()
}
