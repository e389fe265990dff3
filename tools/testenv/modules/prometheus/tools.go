//go:build tools

// Package tools pins the Prometheus commands for `go build`: promtool checks and tests the alert rules.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
