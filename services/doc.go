// Package services holds the campus services, one package each (auth,
// places, and later card, access, booking, repair, visitor, share), and
// what they share (audit: the audit log's entries and their chain). Each
// declares the store interface it needs; the adapters (services/sqlite and
// services/postgres) implement them, and only cmd picks one. This package
// itself holds the one rule they share about text people give
// (TextProblem), so that both stores answer it alike.
package services
