package routing

import json "github.com/goccy/go-json"

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
