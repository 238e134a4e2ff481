package durable

import (
	"edgecrm/host"
	"encoding/json"
)

// Idempotent commands: a client names a command with an Idempotency-Key (or
// X-Command-Id) header; the first response is stored in `_commands` and a
// repeat gets it back without appending anything.

// ClientCommandID returns the command id the client sent, or "".
func ClientCommandID(r *host.Request) string {
	if id := r.Header("idempotency-key"); id != "" {
		return id
	}
	return r.Header("x-command-id")
}

// CommandID returns the id to record this request's events under: the
// client's, namespaced by api ("" for REST, "graphql:", "metadata:") so the
// same key on two APIs names two commands, or a fresh id.
func (w *Workspace) CommandID(req *host.Request, api string) (id string, fromClient bool) {
	if c := ClientCommandID(req); c != "" {
		return api + c, true
	}
	return NewRecordID(w.Now()), false
}

// StoredResponse returns the response recorded for command id, if any.
func (w *Workspace) StoredResponse(id string) (*host.Response, bool, error) {
	stored, found, err := w.Store.Command(id)
	if err != nil || !found {
		return nil, false, err
	}
	var resp host.Response
	if err := json.Unmarshal(stored, &resp); err != nil {
		return nil, false, err
	}
	return &resp, true, nil
}

// RememberResponse records resp as the result of command id.
func (w *Workspace) RememberResponse(id string, resp *host.Response) error {
	stored, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	return w.Store.RecordCommand(id, stored, w.Now())
}
