// Package graphqlapi serves the workspace GraphQL API (POST /graphql).
package graphqlapi

import (
	"edgecrm/api"
	"edgecrm/durable"
)

// Serve answers one GraphQL request against workspace w.
func Serve(w *durable.Workspace, req *durable.Request) (*api.Result, error) {
	return nil, api.NewError(501, "the GraphQL API is not built yet")
}
