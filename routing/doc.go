// Package routing owns the navigation graph of a venue and the routes found
// on it. The graph is built once from a geo.Venue: doors and room points,
// paths through walkable units (along a corridor's centre line, or around a
// unit's corners, never through a wall), vertical links from the IMDF
// relationships (or inferred from stacked elevator and stairs units), the
// building entrances, and the outdoor path network with the gates and the
// car park ramps.
//
// Every edge knows which roles may use it, so a route for a role uses only
// what that role may see; every edge has a cost in seconds per profile
// (walk, wheelchair, sheltered). Routes are found by A* with a consistent
// heuristic, so they are least-cost on the graph, and answered with
// geometry per level, level changes and instructions in English and
// Simplified Chinese.
//
// Coordinates inside are the venue's local metric plane (metres); answers
// carry WGS 84 longitude, latitude.
package routing
