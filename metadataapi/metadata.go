// Package metadataapi serves Twenty's metadata API (POST /metadata).
package metadataapi

import (
	"edgecrm/api"
	"edgecrm/durable"
)

// Serve answers one metadata GraphQL request against workspace w.
func Serve(w *durable.Workspace, req *durable.Request) (*api.Result, error) {
	return nil, api.NewError(501, "the metadata API is not built yet")
}
