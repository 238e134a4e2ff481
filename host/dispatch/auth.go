package dispatch

import (
	"fmt"

	"edgecrm/api/apierr"
	"edgecrm/api/rest"
	"edgecrm/auth"
	"edgecrm/durable"
	"edgecrm/durable/accounts"
	"edgecrm/edge"
	"edgecrm/host"
	"edgecrm/sqldb"
	"strings"
)

// dispatchEdge runs the entries that belong to no workspace object: the
// configuration, the edge Worker's request handling, token verification,
// and the account objects. ok is false for any other entry.
func dispatchEdge(entry string, in *Input, db sqldb.DB, logLine map[string]any) (out *host.Output, ok bool, err error) {
	switch entry {
	case edge.EntryConfigure:
		if err := auth.Configure(in.Config); err != nil {
			return nil, true, err
		}
		cfg := auth.Current()
		// limits: what the shell enforces before Go sees a request.
		body := map[string]any{"configured": true, "auth": cfg.Keys != nil, "limits": map[string]any{
			"maxBody":  rest.MaxBodyBytes,
			"tooLarge": apierr.ErrorResponse(apierr.NewError(413, fmt.Sprintf("request body is larger than %d bytes", rest.MaxBodyBytes))),
		}}
		if cfg.Keys == nil {
			body["authError"] = cfg.KeyError
		}
		return &host.Output{Response: host.JSONResponse(200, body)}, true, nil
	case edge.EntryFetch:
		if in.Request == nil {
			return nil, true, errMissingRequest
		}
		logLine["route"] = in.Request.Method + " " + in.Request.Path
		return edge.Stamp(edge.Fetch(in.Request, logLine)), true, nil
	case edge.EntryResume:
		if in.Resume == nil {
			return nil, true, errMissingRequest
		}
		return edge.Stamp(edge.Resume(*in.Resume, logLine)), true, nil
	case edge.EntryVerify:
		return edge.VerifyEntry(in.Token, in.Workspace), true, nil
	case accounts.EntryAccountFetch:
		if db == nil {
			return nil, true, errNoStorage
		}
		if in.Request == nil {
			return nil, true, errMissingRequest
		}
		logLine["route"] = "account " + in.Request.Path
		out, err := accounts.ServeAccount(in.Account, db, Now, in.Request)
		return out, true, err
	}
	if strings.HasPrefix(entry, "account.outbox") {
		if db == nil {
			return nil, true, errNoStorage
		}
		a, err := accounts.OpenAccount(in.Account, db, Now)
		if err != nil {
			return nil, true, err
		}
		return a.Stream().Run(entry, in.Resume)
	}
	return nil, false, nil
}

// dispatchAccess runs the workspace object's access-log entries.
func dispatchAccess(entry string, w *durable.Workspace, in *Input) (*host.Output, bool, error) {
	return accounts.OpenAccess(w).Stream().Run(entry, in.Resume)
}

var (
	errMissingRequest = apierr.NewError(400, "missing request")
	errNoStorage      = apierr.NewError(400, "this entry runs in a Durable Object")
)
