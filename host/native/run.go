package native

import (
	"bytes"
	"encoding/json"
	"fmt"

	"edgecrm/host"
	"edgecrm/host/dispatch"
	"edgecrm/sqldb/sqlitedb"
)

// runCtx is where effects run, the mirror of the shell's cx: an object
// (ws, db) or the Worker (edge: h.mu is not held; client: its request).
type runCtx struct {
	call     func(entry string, in dispatch.Input) *host.Output // calls Go there
	ws       string
	db       *sqlitedb.DB
	edge     bool
	client   *host.Request
	respond  bool           // a failing continuation answers instead of failing the run
	flush    bool           // set when an effect asked for the outbox flush
	consumed *ConsumeResult // a queue batch's acks and retries
	log      map[string]any // the edge's fields for the request's one line (Output.Log)
}

// objectCx is the context of workspace ws's object.
func (h *Host) objectCx(ws string, db *sqlitedb.DB, respond bool) *runCtx {
	return &runCtx{call: func(entry string, in dispatch.Input) *host.Output { return h.call(db, entry, in) }, ws: ws, db: db, respond: respond}
}

// run is the native host's one effect runner, as the shell's run: each
// effect's kind runs (kind), its result goes to the continuation Go named,
// and the effects that returns run in turn. It returns the last response.
func (h *Host) run(out *host.Output, cx *runCtx) (*host.Response, error) {
	resp := out.Response
	for k, v := range out.Log {
		if cx.log == nil {
			cx.log = map[string]any{}
		}
		cx.log[k] = v
	}
	for _, e := range out.Effects {
		result, r, err := h.kind(e, cx)
		if r != nil {
			resp = r
		}
		if e.Background { // waitUntil: a failure is only logged
			continue
		}
		if e.Resume == nil {
			if err != nil {
				return resp, err
			}
			continue
		}
		if h.Lose[e.Resume.Entry] { // the answer is lost, as to an evicted object
			continue
		}
		in := host.ResumeInput{Workspace: cx.ws, Ctx: e.Resume.Ctx, Result: result}
		if err != nil {
			in.Error = err.Error()
		}
		next := cx.call(e.Resume.Entry, dispatch.Input{Workspace: cx.ws, Resume: &in})
		if next.Response != nil && next.Response.Status >= 500 && len(next.Effects) == 0 && !cx.respond {
			return next.Response, fmt.Errorf("%s failed: %s", e.Resume.Entry, next.Response.Body)
		}
		if r, err = h.run(next, cx); r != nil {
			resp = r
		}
		if err != nil {
			return resp, err
		}
	}
	return resp, nil
}

// kind runs one effect: its result for a continuation, or the response a
// forward got.
func (h *Host) kind(e host.Effect, cx *runCtx) (json.RawMessage, *host.Response, error) {
	switch e.Kind {
	case host.EffectFlush:
		cx.flush = true
		return nil, nil, nil
	case host.EffectForward:
		if e.Guard != nil {
			if res, err := h.edgeEffect(*e.Guard); err == nil && !bytes.Contains(res, []byte(`"success":true`)) {
				return nil, e.Refused, nil
			}
		}
		r, err := h.forward(e, cx.client)
		return nil, r, err
	case host.EffectAck, host.EffectRetry:
		if cx.consumed == nil {
			return nil, nil, fmt.Errorf("%s outside a queue consumer", e.Kind)
		}
		if e.Kind == host.EffectAck {
			cx.consumed.Acked = append(cx.consumed.Acked, e.IDs...)
		} else {
			cx.consumed.Retried = append(cx.consumed.Retried, e.IDs...)
		}
		return nil, nil, nil
	case host.EffectHTTP:
		r, err := httpFetch(e)
		return r, nil, err
	case host.EffectEmail:
		h.Emails = append(h.Emails, *e.Email)
		id := e.Email.MessageID // a raw message is sent under its own (the shell answers it)
		if id == "" {
			id = fmt.Sprintf("<%d@native>", len(h.Emails))
		}
		r, err := json.Marshal(host.EmailResult{MessageID: id})
		return r, nil, err
	case host.EffectAll, host.EffectSeq: // all: one after another here too
		var res host.AllResult
		for _, x := range e.Effects {
			r, _, err := h.kind(x, cx)
			er := host.EffectResult{Result: r}
			if err != nil {
				er.Error = err.Error()
			}
			res.Results = append(res.Results, er)
			if err != nil && e.Kind == host.EffectSeq {
				break
			}
		}
		r, err := json.Marshal(res)
		return r, nil, err
	case host.EffectDOFetch:
		if cx.consumed != nil { // the queue consumer holds h.mu
			r, err := h.doFetch(e, true)
			return r, nil, err
		}
		r, err := h.edgeEffect(e) // edge.go
		return r, nil, err
	case host.EffectKVGet, host.EffectKVPut, host.EffectKVDelete, host.EffectRateLimit:
		r, err := h.edgeEffect(e) // edge.go
		return r, nil, err
	case host.EffectAlarm, host.EffectWSAttach, host.EffectWSSend, host.EffectWSClose, host.EffectWSBroadcast, host.EffectWSTimer, host.EffectWSRead:
		r, err := h.wsEffect(cx.ws, cx.db, e) // ws.go
		return r, nil, err
	}
	if cx.edge { // in an object h.mu is already held
		h.mu.Lock()
		defer h.mu.Unlock()
	}
	r, err := h.effect(e)
	return r, nil, err
}
