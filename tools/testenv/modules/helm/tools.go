//go:build tools

// Package tools pins the helm command for `go build` (the apply tier templates the vcluster chart with it).
package tools

import _ "helm.sh/helm/v4/cmd/helm"
