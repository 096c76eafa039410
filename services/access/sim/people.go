package sim

import (
	"fmt"
	"math/rand/v2"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// Credentials a simulated person shows.
const (
	// ServerCode: a code the server signs, fetched right before each
	// reader (GET /card/code), as a phone with a signal does.
	ServerCode = "server_code"
	// DeviceCode: a code the phone signs itself with the key it
	// registered once (POST /card/devices), as underground.
	DeviceCode = "device_code"
	// PhysicalCard: the physical card's number.
	PhysicalCard = "physical_card"
)

// Mix is who the simulated people are, by their number n (1, 2, ...):
// of every ten, three staff, six students and one family member. It
// depends on n alone, so a second run with the same people finds the
// same accounts.
func Mix(n int) auth.Role {
	switch (n - 1) % 10 {
	case 0, 4, 7:
		return auth.Staff
	case 9:
		return auth.Family
	}
	return auth.Student
}

// Email is simulated person n's account. The domain is reserved
// (RFC 2606): no mail goes anywhere.
func Email(n int) string { return fmt.Sprintf("sim-%d@sim.campus.invalid", n) }

// AdminEmail is the simulation's operator: it grants the rooms and, as
// the service desk, unfreezes the cards the attacks froze.
const AdminEmail = "sim-admin@sim.campus.invalid"

// Shares are the shares of people by credential (the rest fetch server
// codes) and of those who come by car.
type Shares struct {
	Physical float64 // show the physical card
	Offline  float64 // sign their own codes (a registered phone)
}

// Person is one simulated person.
type Person struct {
	N          int
	Email      string
	Role       auth.Role
	Office     *geo.Unit // staff: the office they occupy (its lock opens by a grant)
	Room       *geo.Unit // half the students: the dormitory room they live in
	ByCar      bool      // comes by car: a barrier at a gate, the car park
	Credential string    // ServerCode, DeviceCode or PhysicalCard
}

// Grants are the rooms a person holds a grant to: their office or
// dormitory room (the lock, the building's doors, the lift to its floor).
func (p Person) Grants() []*geo.Unit {
	var out []*geo.Unit
	for _, u := range []*geo.Unit{p.Office, p.Room} {
		if u != nil {
			out = append(out, u)
		}
	}
	return out
}

// People are simulated persons 1 to n. Roles, offices and rooms depend on
// n alone (a second run grants the same rooms); credentials and cars on
// the seed too.
func (c *Campus) People(n int, seed uint64, s Shares) []Person {
	out := make([]Person, n)
	var staff, students int
	for i := range out {
		num := i + 1
		p := Person{N: num, Email: Email(num), Role: Mix(num), Credential: ServerCode}
		switch p.Role {
		case auth.Staff:
			if len(c.offices) > 0 {
				p.Office = c.offices[spread(staff, len(c.offices))]
			}
			staff++
		case auth.Student:
			if students%2 == 0 && len(c.residences) > 0 {
				p.Room = c.residences[spread(students/2, len(c.residences))]
			}
			students++
		}
		rng := rand.New(rand.NewPCG(seed, uint64(num)))
		switch x := rng.Float64(); {
		case x < s.Physical:
			p.Credential = PhysicalCard
		case x < s.Physical+s.Offline:
			p.Credential = DeviceCode
		}
		car := map[auth.Role]float64{auth.Staff: 0.4, auth.Family: 0.3}[p.Role]
		p.ByCar = len(c.gateBarriers) > 0 && len(c.parkBarriers) > 0 && rng.Float64() < car
		out[i] = p
	}
	return out
}

// spread is the i-th of n rooms in an order that scatters neighbours
// over the campus (a stride prime to n), wrapping round when people
// outnumber rooms.
func spread(i, n int) int {
	stride := 7919 % n
	for stride == 0 || gcd(stride, n) != 1 {
		stride++
	}
	return (i % n) * stride % n
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
