//go:build tools

// Package helm records the helm command built from this module, so `go mod tidy` keeps it.
package helm

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
