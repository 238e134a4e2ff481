package durable

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"edgecrm/events"
	"edgecrm/host"
)

// Idempotent commands: a client names a command with an Idempotency-Key (or
// X-Command-Id) header. The key is bound to the request that first used it
// (the caller, method, path and query, and a hash of the body): a retry of
// that request gets the first response back and appends nothing; any other
// request with the key is refused (*KeyReusedError, 422) and changes
// nothing. Only keyed commands are kept, for CommandTTL.

// CommandTTL is how long a command key is remembered.
const CommandTTL = 24 * time.Hour

// ClientCommandID returns the command id the client sent, or "".
func ClientCommandID(r *host.Request) string {
	if id := r.Header("idempotency-key"); id != "" {
		return id
	}
	return r.Header("x-command-id")
}

// Command is one mutating request's identity.
type Command struct {
	// ID records the request's events: the client's key, namespaced by API
	// ("" for REST, "graphql:", "metadata:") so that the same key on two
	// APIs names two commands, or a fresh id.
	ID      string
	Keyed   bool   // the client named the command
	binding string // hash of who sent the request and what it asks
}

// KeyReusedError refuses a request whose idempotency key already names a
// different request.
type KeyReusedError struct{ Key string }

func (e *KeyReusedError) Error() string {
	return fmt.Sprintf("Idempotency key %q was already used for a different request; send a new key with each new request", e.Key)
}

// BeginCommand names req's command. If the client's key names a command
// kept from the same request, it returns that command's response: the
// caller answers it and does nothing else. If the key names a different
// request, it returns a *KeyReusedError.
func (w *Workspace) BeginCommand(req *host.Request, api string) (Command, *host.Response, error) {
	key := ClientCommandID(req)
	if key == "" {
		return Command{ID: NewRecordID(w.Now())}, nil, nil
	}
	c := Command{ID: api + key, Keyed: true, binding: requestBinding(req)}
	kept, found, err := w.Store.Command(c.ID)
	if err != nil || !found || kept.At.Before(w.Now().Add(-CommandTTL)) {
		return c, nil, err
	}
	if kept.Binding != c.binding {
		return c, nil, &KeyReusedError{Key: key}
	}
	var resp host.Response
	if err := json.Unmarshal(kept.Result, &resp); err != nil {
		return c, nil, err
	}
	return c, &resp, nil
}

// FinishCommand keeps resp as the outcome of a keyed command, and forgets a
// few expired ones. An unkeyed command keeps nothing.
func (w *Workspace) FinishCommand(c Command, resp *host.Response) error {
	if !c.Keyed {
		return nil
	}
	stored, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	now := w.Now()
	return w.Store.RecordCommand(events.CommandRecord{ID: c.ID, Binding: c.binding, Result: stored, At: now}, now.Add(-CommandTTL))
}

// requestBinding hashes who sent req and what it asks: a key reused for
// another caller, method, path, query or body is another request.
func requestBinding(req *host.Request) string {
	h := sha256.New()
	for _, part := range []string{req.Principal, req.Method, req.Path, req.Query, req.Body} {
		fmt.Fprintf(h, "%d:%s", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}
