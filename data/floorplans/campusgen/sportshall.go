package campusgen

import (
	"fmt"
	"math"
)

// The sports hall SH: 72 m by 50 m, two floors. A 10 m deep south strip
// (stairs, restrooms, showers, the lobby or the dance studio, the lifts with
// the equipment store behind them, a fitness room) and a corridor along it;
// north of the corridor two basketball courts on the ground floor, and on
// the first floor six badminton courts, a gallery behind them and the table
// tennis room, squash courts and yoga room off the gallery.
var (
	hallAt = pt{190, 200}
	hallW  = 72.0
	hallD  = 50.0
)

const (
	stripDepth = 10.0 // the south strip
	hallWalkN  = 13.0 // the north wall of the corridor
)

func (c *campus) sportsHall() error {
	r := func(x0, y0, x1, y1 float64) rect { return rect{x0, y0, x1, y1}.shift(hallAt) }
	b := &building{ref: "SH", name: labels{"Sports Hall", "体育馆"}, category: "unspecified", outline: r(0, 0, hallW, hallD)}
	c.addBuilding(b)
	b.shafts = []*shaft{
		{category: "stairs", name: "Stair A"}, {category: "stairs", name: "Stair B"},
		{category: "elevator", name: "Lift 1"}, {category: "elevator", name: "Lift 2"},
	}
	for f := 1; f <= 2; f++ {
		l := &level{b: b, ordinal: f - 1, floor: fmt.Sprint(f)}
		b.levels = append(b.levels, l)
		hall := l.add("walkway", r(0, stripDepth, hallW, hallWalkN), nil)
		hall.beacons = alongAxis
		onHall := func(u *unit, d *door) error { return connect(u, hall, "pedestrian", doorWidth, d) }

		// The south strip, west to east.
		stairA := l.add("stairs", r(0, 0, stairWidth, stripDepth), lbl("Stair A", "A楼梯"))
		men := l.add("restroom.male", r(4.4, 0, 10.4, stripDepth), lbl("Men's Restroom", "男洗手间"))
		women := l.add("restroom.female", r(10.4, 0, 16.4, stripDepth), lbl("Women's Restroom", "女洗手间"))
		menShower := l.add("shower", r(16.4, 0, 22.4, stripDepth), lbl("Men's Showers", "男淋浴间"))
		womenShower := l.add("shower", r(22.4, 0, 28.4, stripDepth), lbl("Women's Showers", "女淋浴间"))
		var middle *unit
		if f == 1 {
			middle = l.add("lobby", r(28.4, 0, 43.6, stripDepth), lbl("Sports Hall Lobby", "体育馆大堂"))
		} else {
			middle = l.add("recreation", r(28.4, 0, 43.6, stripDepth), lbl("Dance Studio", "舞蹈室"))
		}
		middle.beacons = gridBeacons
		lift1 := l.add("elevator", r(43.6, stripDepth-liftDepth, 46.4, stripDepth), lbl("Lift 1", "1号电梯"))
		lift2 := l.add("elevator", r(46.4, stripDepth-liftDepth, 49.2, stripDepth), lbl("Lift 2", "2号电梯"))
		store := l.add("storage", r(43.6, 0, 49.2, stripDepth-liftDepth), lbl("Equipment Store", "器材室"))
		store.restriction = "employeesonly"
		gym := l.add("fitnessroom", r(49.2, 0, 67.6, stripDepth), lbl("Fitness Room", "健身房"))
		if f == 2 {
			gym.name = lbl("Spinning Room", "动感单车室")
		}
		gym.beacons = gridBeacons
		stairB := l.add("stairs", r(67.6, 0, hallW, stripDepth), lbl("Stair B", "B楼梯"))
		for _, u := range []*unit{stairA, stairB} {
			if err := onHall(u, metalDoor); err != nil {
				return err
			}
		}
		for _, u := range []*unit{men, women, menShower, womenShower, middle, gym} {
			if err := onHall(u, woodDoor); err != nil {
				return err
			}
		}
		for _, u := range []*unit{lift1, lift2} {
			if err := onHall(u, liftDoor); err != nil {
				return err
			}
		}
		if err := connect(store, middle, "service", doorWidth, metalDoor); err != nil {
			return err
		}
		for i, u := range []*unit{stairA, stairB, lift1, lift2} {
			b.shafts[i].units = append(b.shafts[i].units, u)
		}

		if f == 1 {
			if err := c.courtsGround(l, r, hall); err != nil {
				return err
			}
			c.entrance(b, "main", exit(middle, south, math.NaN(), "pedestrian.principal", mainWidth, glassDoor), south)
			c.entrance(b, "west", exit(hall, west, math.NaN(), "pedestrian", exitWidth, glassDoor), west)
			c.entrance(b, "east", exit(hall, east, math.NaN(), "emergencyexit", exitWidth, metalDoor), east)
		} else if err := c.courtsFirst(l, r, hall); err != nil {
			return err
		}
		c.hallAmenities(l, hall, middle, men, women, menShower, womenShower, f)
		if err := l.numberUnits(); err != nil {
			return err
		}
	}
	return nil
}

// court adds a field of play for capacity players.
func court(l *level, r rect, name *labels, capacity int) *unit {
	u := l.add("fieldofplay", r, name)
	u.capacity = capacity
	u.beacons = gridBeacons
	return u
}

// courtsGround adds the two basketball courts north of the corridor.
func (c *campus) courtsGround(l *level, r func(x0, y0, x1, y1 float64) rect, hall *unit) error {
	for i := range 2 {
		x := float64(i) * hallW / 2
		u := court(l, r(x, hallWalkN, x+hallW/2, hallD), lbl(fmt.Sprintf("Basketball Court %d", i+1), fmt.Sprintf("%d号篮球场", i+1)), 20)
		if err := connect(u, hall, "pedestrian", 2*doorWidth, woodDoor); err != nil {
			return err
		}
	}
	return nil
}

// courtsFirst adds the first floor north of the corridor: a side walkway
// to the gallery, six badminton courts between the corridor and the
// gallery, and the rooms off the gallery.
func (c *campus) courtsFirst(l *level, r func(x0, y0, x1, y1 float64) rect, hall *unit) error {
	const side, courtN, galleryN = 3.0, 32.0, 35.0
	walk := l.add("walkway", r(0, hallWalkN, side, hallD), nil)
	walk.beacons = alongAxis
	gallery := l.add("walkway", r(side, courtN, hallW, galleryN), lbl("Gallery", "观众廊"))
	gallery.beacons = alongAxis
	if err := connect(walk, hall, "pedestrian", doorWidth, nil); err != nil {
		return err
	}
	if err := connect(gallery, walk, "pedestrian", doorWidth, nil); err != nil {
		return err
	}
	span := (hallW - side) / 6
	for i := range 6 {
		x := side + float64(i)*span
		u := court(l, r(x, hallWalkN, x+span, courtN), lbl(fmt.Sprintf("Badminton Court %d", i+1), fmt.Sprintf("%d号羽毛球场", i+1)), 4)
		if err := connect(u, hall, "pedestrian", doorWidth, woodDoor); err != nil {
			return err
		}
		if err := connect(u, gallery, "pedestrian", doorWidth, woodDoor); err != nil {
			return err
		}
	}
	rooms := []struct {
		x0, x1   float64
		name     *labels
		capacity int // 0: not a court
	}{
		{side, 27, lbl("Table Tennis Room", "乒乓球室"), 8},
		{27, 37, lbl("Squash Court 1", "1号壁球场"), 2},
		{37, 47, lbl("Squash Court 2", "2号壁球场"), 2},
		{47, hallW, lbl("Yoga Room", "瑜伽室"), 0},
	}
	for _, rm := range rooms {
		var u *unit
		if rm.capacity > 0 {
			u = court(l, r(rm.x0, galleryN, rm.x1, hallD), rm.name, rm.capacity)
		} else {
			u = l.add("recreation", r(rm.x0, galleryN, rm.x1, hallD), rm.name)
			u.beacons = gridBeacons
		}
		if err := connect(u, gallery, "pedestrian", doorWidth, woodDoor); err != nil {
			return err
		}
	}
	return nil
}
