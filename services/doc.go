// Package services holds the campus services, one package each (auth,
// places, and later card, access, booking, repair, visitor, share). Each
// declares the store interface it needs; the adapters (services/sqlite, and
// later services/postgres) implement them, and only cmd picks one.
package services
