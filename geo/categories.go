package geo

import "strings"

// The categories IMDF 1.0.0 defines, per feature type, and the properties
// it defines; anything else is reported as a warning and kept.
var (
	unitCategories = words(`auditorium brick classroom column concrete conferenceroom drywall elevator
		escalator fieldofplay firstaid fitnessroom foodservice footbridge glass huddleroom kitchen
		laboratory library lobby lounge mailroom mothersroom movietheater movingwalkway nonpublic
		office opentobelow parking phoneroom platform privatelounge ramp recreation restroom
		restroom.family restroom.female restroom.female.wheelchair restroom.male
		restroom.male.wheelchair restroom.transgender restroom.transgender.wheelchair
		restroom.unisex restroom.unisex.wheelchair restroom.wheelchair road room serverroom
		shower smokingarea stairs steps storage structure terrace theater unenclosedarea
		unspecified vegetation waitingroom walkway walkway.island wood`)
	openingCategories = words(`automobile bicycle emergencyexit pedestrian pedestrian.principal
		pedestrian.transit service`)
	amenityCategories = words(`amphitheater animalreliefarea arrivalgate atm babychanging
		baggagecarousel baggageclaim baggagerecheck baggagestorage bankingservices bar bathroom
		boardinggate bicycleparking bicyclerental bus.stop businesscenter cafe campsite carrental
		cashier changemachine checkin.desk checkin.desk.firstclass checkin.desk.transfer
		checkin.selfservice childcarecenter childplayarea clinic coatcheck cocktaillounge
		conciergedesk copymachine currencyexchange customs defibrillator dentist departuregate
		diaperstation drinkingfountain elevator emergencyshelter entry escalator exhibit exit
		fieldofplay firealarm fireextinguisher firstaid fitnessroom foodcourt fountain gate
		groundtransportation handicappedparking handsanitizerstation healthscreening
		hotelreservation immigration information kiosk library lockers lostandfound
		meditationroom meetingpoint mobilityrescue mothersroom movietheater nursery observationdeck
		office parking parking.bicycle parking.compact parking.ev parking.longterm parking.motorcycle
		parking.shortterm payphone pharmacy photobooth picnicarea police post.office powerchargingstation
		prayerroom prayerroom.buddhism prayerroom.christianity prayerroom.hinduism prayerroom.islam
		prayerroom.islam.female prayerroom.islam.male prayerroom.judaism prayerroom.shintoism
		prayerroom.sikh prayerroom.taoic prayerroom.christianity recreation restroom
		restroom.family restroom.female restroom.female.wheelchair restroom.male
		restroom.male.wheelchair restroom.transgender restroom.transgender.wheelchair
		restroom.unisex restroom.unisex.wheelchair restroom.wheelchair rideshare seating
		security securityscreening shower shuttle sleepbox smokingarea stairs storeclerk swimmingpool
		taxi telephone ticketing tickets.bus tickets.taxi tickets.train toilet train.station
		traintransit transit.stop travelservices tty vendingmachine wheelchairassist wifi yoga`)
	buildingCategories  = words(`parking transit transit.bus transit.train unspecified`)
	footprintCategories = words(`aerial ground subterranean`)
	levelCategories     = words(`parking transit unspecified`)
	venueCategories     = words(`airport airport.intl aquarium businesscampus casino communitycenter
		conventioncenter governmentfacility healthcarefacility hotel museum parkingfacility
		resort retailstore shoppingcenter stadium stripmall theater themepark trainstation
		transitstation university`)
	relationshipCategories = words(`elevator escalator ramp stairs traversal traversal.path`)
	restrictions           = words(`employeesonly restricted`)
	pathCategories         = words(`footway steps ramp driveway`)
	gateCategories         = words(`pedestrian vehicle mixed`)
)

// knownProperties lists the properties IMDF (and our extensions) define per
// feature type.
var knownProperties = map[string][]string{
	"address":      words(`address unit locality province country postal_code postal_code_ext postal_code_vanity`),
	"amenity":      words(`category accessibility name alt_name hours phone website unit_ids address_id correlation_id`),
	"anchor":       words(`address_id unit_id`),
	"building":     words(`name alt_name category restriction display_point address_id`),
	"detail":       words(`level_id`),
	"fixture":      words(`category name alt_name anchor_id level_id display_point`),
	"footprint":    words(`category name building_ids`),
	"geofence":     words(`category restriction accessibility name alt_name correlation_id display_point building_ids level_ids parents`),
	"kiosk":        words(`name alt_name anchor_id level_id display_point`),
	"level":        words(`category restriction outdoor ordinal name short_name display_point address_id building_ids`),
	"occupant":     words(`name category anchor_id hours phone website validity correlation_id`),
	"opening":      words(`category accessibility access_control door name alt_name display_point level_id`),
	"relationship": words(`category direction origin intermediary destination hours`),
	"section":      words(`category restriction accessibility name alt_name display_point level_id address_id correlation_id parents`),
	"unit":         words(`category restriction accessibility name alt_name level_id display_point`),
	"venue":        words(`category restriction name alt_name hours website phone display_point address_id`),
	"beacon":       words(`uuid major minor measured_power level_id ordinal name`),
	"path":         words(`category covered from_ordinal to_ordinal name`),
	"gate":         words(`name alt_name category`),
	"reader":       words(`kind guards level_id name`),
}

// extensionProperties are the unit properties of the booking extension.
var extensionProperties = map[string][]string{
	"unit": {"capacity", "area_m2"},
}

// Extensions this engine reads, by the file they add.
const (
	ExtBeacon      = "imdf:extension:campusnav:beacon#1.0.0"
	ExtPath        = "imdf:extension:campusnav:path#1.0.0"
	ExtGate        = "imdf:extension:campusnav:gate#1.0.0"
	ExtUnitBooking = "imdf:extension:campusnav:unit-booking#1.0.0"
	ExtPolicy      = "imdf:extension:campusnav:policy#1.0.0"
	ExtReader      = "imdf:extension:campusnav:reader#1.0.0"
	ExtAccess      = "imdf:extension:campusnav:access#1.0.0"
	ExtBooking     = "imdf:extension:campusnav:booking#1.0.0"
)

var extensionFiles = map[string]string{
	"beacon.geojson": ExtBeacon,
	"path.geojson":   ExtPath,
	"gate.geojson":   ExtGate,
	"reader.geojson": ExtReader,
	PolicyFile:       ExtPolicy,
	AccessFile:       ExtAccess,
	BookingFile:      ExtBooking,
}

// imdfFiles are the feature types of IMDF 1.0.0, in the order they are built.
var imdfFiles = words(`address venue building footprint level unit opening amenity anchor occupant
	fixture kiosk section geofence detail relationship`)

// requiredFiles must be in every archive.
var requiredFiles = words(`venue building footprint level unit`)

func words(s string) []string { return strings.Fields(s) }

// IsAmenityCategory reports whether c is an IMDF amenity category.
func IsAmenityCategory(c string) bool { return hasString(amenityCategories, c) }

// InCategory reports whether category c is group or one of its kinds:
// "restroom.male" is in "restroom", "restroom" is in "restroom", and
// "restroomx" is in neither.
func InCategory(c, group string) bool {
	return c == group || (len(c) > len(group) && c[len(group)] == '.' && c[:len(group)] == group)
}

// IsAmenityCategoryGroup reports whether c is an IMDF amenity category or
// the parent of some ("checkin" for "checkin.desk", ...): what a question
// about amenities of a kind may name.
func IsAmenityCategoryGroup(c string) bool {
	for _, a := range amenityCategories {
		if InCategory(a, c) {
			return true
		}
	}
	return false
}

// AmenityCategoriesNamed returns the amenity categories whose label or
// synonyms, in English or Chinese, include the word w ("printer" ->
// copymachine, "toilet" -> restroom): what someone who typed w for a
// category meant. A group stands for its kinds.
func AmenityCategoriesNamed(w string) []string {
	w = strings.ToLower(strings.TrimSpace(w))
	var found []string
	for _, c := range amenityCategories {
		for _, text := range categoryTexts(c) {
			if words, _ := splitWords(text); hasString(words, w) || strings.EqualFold(text, w) {
				found = append(found, c)
				break
			}
		}
	}
	var out []string
	for _, c := range found {
		kind := false
		for _, g := range found {
			kind = kind || (g != c && InCategory(c, g))
		}
		if !kind && !hasString(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// nonDestinations are the unit categories nobody goes to for their own sake:
// corridors, shafts (stairs, lifts, escalators), driveways and the building's
// structure. Search lists them only when asked for by reference, after the
// rooms, and never by name.
var nonDestinations = words(`walkway walkway.island movingwalkway stairs steps elevator escalator ramp
	road opentobelow structure column brick concrete drywall glass wood`)

// IsDestination reports whether a unit of category c is a place people go
// to, not one they pass through.
func IsDestination(c string) bool { return !hasString(nonDestinations, c) }
