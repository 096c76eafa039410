// Package geo owns the venue: it reads an IMDF 1.0.0 archive (a folder or a
// .zip of GeoJSON files plus manifest.json, with this project's extensions for
// beacons, outdoor paths, gates, card readers and the visibility policy, and
// the access policy kept as read for services/access), validates it,
// and builds an immutable, indexed Venue that is safe to share between
// goroutines.
//
// Every question is asked through a View, which is the Venue as one role may
// see it: search, locate, nearest and features in a bounding box answer only
// what the visibility policy lets that role see, and a hidden feature is
// answered exactly as one that does not exist.
//
// Geometry is kept twice: as read (WGS 84 longitude, latitude) for output,
// and projected once to a local metric plane (metres east and north of the
// venue's anchor) for every computation. Distances are metres.
package geo
