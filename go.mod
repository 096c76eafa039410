module github.com/campusnav/engine

go 1.26.8

require (
	github.com/goccy/go-json v0.12.0
	github.com/google/uuid v1.6.0
	github.com/paulmach/orb v0.14.0
	github.com/spf13/pflag v1.1.0
	github.com/tidwall/rtree v1.10.0
)

require github.com/tidwall/geoindex v1.7.0 // indirect
