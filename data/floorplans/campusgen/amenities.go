package campusgen

// amenityNames names the amenities by category.
var amenityNames = map[string]labels{
	"copymachine":      {"Printer", "打印机"},
	"defibrillator":    {"AED", "自动体外除颤器"},
	"firstaid":         {"First Aid Kit", "急救箱"},
	"vendingmachine":   {"Vending Machine", "自动售货机"},
	"drinkingfountain": {"Drinking Water", "饮水机"},
	"restroom.male":    {"Men's Restroom", "男洗手间"},
	"restroom.female":  {"Women's Restroom", "女洗手间"},
	"atm":              {"ATM", "自动柜员机"},
	"information":      {"Information Desk", "服务台"},
	"shower":           {"Showers", "淋浴间"},
	"cashier":          {"Till", "收银台"},
}

// put places an amenity of category c at p, which must be inside unit u.
func put(u *unit, c string, p pt) {
	u.lvl.things = append(u.lvl.things, &amenity{category: c, at: p, in: u})
}

// inset returns the point dx, dy metres in from the south-west corner of r
// (negative: from the north or east side).
func inset(r rect, dx, dy float64) pt {
	x, y := r.x0+dx, r.y0+dy
	if dx < 0 {
		x = r.x1 + dx
	}
	if dy < 0 {
		y = r.y1 + dy
	}
	return pt{x, y}
}

// restrooms marks the restrooms of a level with their amenities.
func restrooms(l *level) {
	for _, u := range l.units {
		switch u.category {
		case "restroom.male", "restroom.female", "shower":
			put(u, u.category, u.r.centre())
		}
	}
}

// slabAmenities places the services of floor f of a slab: on a teaching
// floor two or three printers along the corridor, drinking water and a
// first-aid kit by the core, an AED on the ground floor and every other
// floor, vending machines, and the lobby's information desk and ATM.
func (c *campus) slabAmenities(l *level, p plan, f int, hall, lobbyUnit *unit) {
	s := p.s
	along := func(x float64) pt { return p.r(x, p.hallS+0.6, x, p.hallS+0.6).centre() }
	restrooms(l)
	if lobbyUnit != nil {
		r := lobbyUnit.r
		put(lobbyUnit, "defibrillator", inset(r, 0.8, -0.8))
		put(lobbyUnit, "vendingmachine", inset(r, -0.8, -0.8))
		if !s.dorm {
			put(lobbyUnit, "information", r.centre())
		}
		if s.bank {
			put(lobbyUnit, "atm", inset(r, -0.8, 1.5))
		}
	}
	put(hall, "drinkingfountain", along(s.length/2-1))
	if s.dorm {
		if f == 1 {
			put(hall, "firstaid", along(s.length/2+1))
		}
		return
	}
	put(hall, "firstaid", along(s.length/2+1))
	put(hall, "copymachine", along(s.length*0.22))
	put(hall, "copymachine", along(s.length*0.78))
	if f%2 == 1 {
		put(hall, "copymachine", along(s.length/2+9))
		if f > 1 {
			put(hall, "defibrillator", along(p.core-1.5))
		}
	} else {
		put(hall, "vendingmachine", along(s.length*0.35))
	}
}

// hallAmenities places the services of the sports hall's floor f.
func (c *campus) hallAmenities(l *level, hall, middle, men, women, menShower, womenShower *unit, f int) {
	restrooms(l)
	along := func(x float64) pt { return pt{hall.r.x0 + x, hall.r.y0 + 0.6} }
	put(hall, "drinkingfountain", along(30))
	put(hall, "vendingmachine", along(52))
	if f == 1 {
		r := middle.r
		put(middle, "information", r.centre())
		put(middle, "defibrillator", inset(r, 0.8, -0.8))
		put(middle, "firstaid", inset(r, 0.8, 1.5))
		put(middle, "atm", inset(r, -0.8, 1.5))
		return
	}
	put(hall, "defibrillator", along(45))
	put(hall, "firstaid", along(47))
}

// carParkAmenities places an AED in each lift lobby, a first-aid kit in
// each pedestrian lobby, and a vending machine in the i-th lift lobby if
// it is the middle one.
func (c *campus) carParkAmenities(ped, liftLobby *unit, i int) {
	put(liftLobby, "defibrillator", inset(liftLobby.r, 0.8, 0.8))
	put(ped, "firstaid", inset(ped.r, 0.8, -0.8))
	if i == 1 {
		put(liftLobby, "vendingmachine", inset(liftLobby.r, -0.8, 0.8))
	}
}
