// Package dispatch is the one door into the Go core: Dispatch runs a named entry
// point synchronously and returns a response plus effects. The wasm main and
// the native host both call it.
package dispatch

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"edgecrm/api/apierr"
	"edgecrm/api/graphql"
	"edgecrm/api/metadata"
	"edgecrm/api/rest"
	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/accounts"
	"edgecrm/durable/backpressure"
	"edgecrm/durable/stream"
	"edgecrm/durable/webhooks"
	"edgecrm/durable/workflows"
	"edgecrm/edge"
	"edgecrm/edge/consumer"
	"edgecrm/host"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqldbtest"
)

// Input is what the shell passes to every entry point.
type Input struct {
	Workspace string             `json:"workspace"`
	Request   *host.Request      `json:"request,omitempty"`
	Resume    *host.ResumeInput  `json:"resume,omitempty"`
	Messages  []consumer.Message `json:"messages,omitempty"`
	Socket    *host.SocketInput  `json:"socket,omitempty"`  // ws.* entries
	Account   string             `json:"account,omitempty"` // account.* entries: the account object's id
	Config    map[string]string  `json:"config,omitempty"`  // configure: the Worker's env (secrets included; never logged)
	Token     string             `json:"token,omitempty"`   // auth.verify
	// Instance names the workspace object's instance (the shell renews it
	// whenever a call does not commit): see durable.OpenInstance.
	Instance string `json:"instance,omitempty"`
	Env      Env    `json:"env"`
}

// Env carries the deployment switches the core honours.
type Env struct {
	TestHooks bool `json:"testHooks"` // dev/test only: honour X-Test-Panic
}

// ValidWorkspaceID reports whether id can name a workspace.
// ^[a-z0-9][a-z0-9-]{0,62}$
func ValidWorkspaceID(id string) bool {
	lowerDigit := func(c byte) bool { return domain.IsLower(c) || domain.IsDigit(c) }
	return domain.Span(id, 1, 63, lowerDigit, func(c byte) bool { return lowerDigit(c) || c == '-' })
}

// Now is the clock (tests replace it).
var Now = time.Now

// Dispatch runs entry. db is the workspace's DO storage (nil for entries
// that run in the Worker, like the queue consumer). It never panics: a
// panic becomes a 500 and a rollback, and the next call works as before.
func Dispatch(entry string, raw []byte, db sqldb.DB) *host.Output {
	return DispatchBody(entry, raw, nil, db)
}

// DispatchBody is Dispatch with the request's body passed beside the input
// (the shell's fourth argument) rather than as escaped text inside it.
func DispatchBody(entry string, raw []byte, body *string, db sqldb.DB) (out *host.Output) {
	start := Now()
	var in Input
	logLine := map[string]any{"entry": entry}
	var timed *sqldb.Timed
	if db != nil {
		timed = &sqldb.Timed{DB: db}
		db = timed
	}
	defer func() {
		if p := recover(); p != nil {
			out = &host.Output{Response: apierr.ErrorResponse(apierr.NewError(500, "internal error")), Rollback: true}
			logLine["panic"] = fmt.Sprint(p)
		}
		if out.Response != nil {
			logLine["status"] = out.Response.Status
		}
		total := Now().Sub(start)
		logLine["durationMs"] = ms(total)
		if timed != nil {
			logLine["sqlCount"], logLine["sqlCalls"], logLine["sqlMs"] = timed.Count, timed.Calls, ms(timed.Elapsed)
		}
		addServerTiming(out.Response, total, timed)
		logEntry(entry, in.Workspace, out, logLine, total)
	}()
	if err := decodeInput(raw, &in); err != nil {
		return &host.Output{Response: apierr.ErrorResponse(apierr.NewError(400, "bad core input: "+err.Error()))}
	}
	if body != nil && in.Request != nil {
		in.Request.Body = *body
	}
	var err error
	out, err = dispatch(entry, &in, db, logLine)
	if err != nil {
		e := apierr.FromError(err)
		if e.Status == 500 {
			logLine["error"] = err.Error()
		}
		out = &host.Output{Response: host.JSONResponse(e.Status, e), Rollback: true}
		retryAfter(out.Response)
	}
	return out
}

func dispatch(entry string, in *Input, db sqldb.DB, logLine map[string]any) (out *host.Output, err error) {
	switch entry {
	case consumer.EntryConsume:
		return consumer.Consume(in.Messages)
	case consumer.EntryDecide:
		return consumer.Decide(*in.Resume)
	case consumer.EntryNotified:
		if in.Resume == nil {
			return nil, apierr.NewError(400, "missing resume input")
		}
		return consumer.Notified(*in.Resume)
	case consumer.EntryDeadLetters:
		return consumer.DeadLetters(in.Messages, Now())
	}
	if out, ok, err := dispatchEdge(entry, in, db, logLine); ok { // core/auth.go
		return out, err
	}
	if !ValidWorkspaceID(in.Workspace) {
		return nil, apierr.NewError(400, fmt.Sprintf("invalid workspace id %q", in.Workspace))
	}
	if out, refused := socketRefused(entry, db); refused { // ws.go
		return out, nil
	}
	if entry == "fetch" && in.Request != nil && strings.HasPrefix(in.Request.Path, workflows.PathWebhook) && !workspaceExists(db) {
		return nil, apierr.NewError(404, "no such workflow webhook") // a public URL creates no workspace
	}
	instance := ""
	if keepsVars(entry, in) {
		instance = in.Instance
	} else {
		durable.ForgetVars(in.Workspace) // this call may write _state past Vars
	}
	w, err := durable.OpenInstance(in.Workspace, db, Now, instance)
	if err != nil {
		return nil, err
	}
	defer keepVars(w, &out, &err)() // first deferred, so it runs last
	// Real-time: whatever this call commits is broadcast to subscribers,
	// and sockets that lose their rights are closed (ws.go).
	defer broadcastCommitted(entry, w, &out, &err)()
	defer recheckSockets(entry, in, w, &out, &err)()
	switch entry {
	case "fetch":
		return fetch(w, in, logLine)
	}
	if out, ok, err := rest.RunAdmin(entry, w, in.Resume); ok {
		return out, err
	}
	// The search index catches up with the flush (durable/search.go). A
	// failure must not hold up the stream: its writes are idempotent, and
	// the next flush or search settles again (a search fails with it).
	if entry == durable.EntryOutbox {
		if err := w.SettleSearch(); err != nil {
			host.Log("error", w.ID, map[string]any{"msg": "settling the search index failed; the next flush retries", "error": err.Error()})
		}
	}
	if out, ok, err := w.Records().Run(entry, in.Resume); ok {
		if err == nil && len(out.Effects) == 0 { // the records are flushed: the access log's turn
			out, err = accounts.OpenAccess(w).Stream().Step()
		}
		if err == nil && out != nil { // a lagging stream raises its alarm (backpressure)
			out.Effects = append(backpressure.Watch(w), out.Effects...) // first: it must not wait on a failing step
		}
		if err == nil && out != nil { // and what it sent the queue is watched until consumed (stream/resend.go)
			var arm []host.Effect
			arm, err = w.Records().ArmResend(w.Now().UnixMilli(), stream.ResendQuietMs(auth.Current().Env))
			out.Effects = append(arm, out.Effects...)
		}
		return out, err
	}
	if entry == stream.EntryResendChecked && in.Resume != nil {
		effects, err := w.Records().ResendChecked(*in.Resume, w.Now().UnixMilli(), stream.ResendQuietMs(auth.Current().Env))
		return &host.Output{Effects: effects}, err
	}
	if out, ok, err := dispatchAccess(entry, w, in); ok { // core/auth.go
		return out, err
	}
	if entry == backpressure.EntryAlerted && in.Resume != nil {
		effects, err := backpressure.Alerted(w, *in.Resume)
		return &host.Output{Effects: effects}, err
	}
	if entry == webhooks.EntryDelivered && in.Resume != nil {
		effects, err := webhooks.Delivered(w, *in.Resume, webhooks.RetryBase(auth.Current().Env))
		return &host.Output{Effects: effects}, err
	}
	if entry == workflows.EntryHTTPDone && in.Resume != nil {
		effects, err := workflows.HTTPDone(w, *in.Resume)
		return &host.Output{Effects: effects}, err
	}
	if entry == workflows.EntryEmailDone && in.Resume != nil {
		effects, err := workflows.EmailDone(w, *in.Resume)
		return &host.Output{Effects: effects}, err
	}
	if out, ok, err := dispatchWS(entry, w, in, logLine); ok {
		return out, err
	}
	return nil, fmt.Errorf("core: unknown entry %q", entry)
}

func fetch(w *durable.Workspace, in *Input, logLine map[string]any) (*host.Output, error) {
	req := in.Request
	if req == nil {
		return nil, apierr.NewError(400, "missing request")
	}
	logLine["route"] = req.Method + " " + req.Path
	if !in.Env.TestHooks {
		delete(req.Headers, "x-test-panic")
	}
	var serve func(*durable.Workspace, *host.Request) (*rest.Result, error)
	switch {
	case in.Env.TestHooks && req.Path == pathSelftestSQL:
		return selftestSQL(w), nil
	case in.Env.TestHooks && req.Path == pathSelftestBridge:
		return selftestBridge(w, req.Query), nil
	case in.Env.TestHooks && req.Path == pathSelftestPoison && req.Method == "POST":
		return selftestPoison(w, req.Query)
	case req.Path == "/rest/webhooks" || strings.HasPrefix(req.Path, "/rest/webhooks/"):
		serve = rest.ServeWebhooks // Twenty's webhook REST API, not records
	case strings.HasPrefix(req.Path, "/rest/") || req.Path == "/rest":
		serve = rest.ServeREST
	case req.Path == "/graphql":
		serve = graphql.Serve
	case req.Path == "/metadata":
		serve = metadata.Serve
	case req.Path == webhooks.PathEvents && req.Method == "POST":
		var poisoned func(int64) string
		if in.Env.TestHooks {
			poisoned = testPoisoned(w)
		}
		return serveEventNotice(w, req, poisoned)
	case strings.HasPrefix(req.Path, workflows.PathWebhook):
		return workflows.ServeWebhook(w, req) // public, as Twenty's
	case strings.HasPrefix(req.Path, webhooks.PathAdmin):
		return webhooks.ServeAdmin(w, req)
	case strings.HasPrefix(req.Path, accounts.PathAdminPrefix):
		return accounts.ServeAdmin(w, req), nil
	case strings.HasPrefix(req.Path, "/admin/"):
		return rest.ServeAdmin(w, req)
	case strings.HasPrefix(req.Path, accounts.PathInternalPrefix):
		return accounts.ServeInternal(w, req), nil
	default:
		return nil, apierr.NewError(404, fmt.Sprintf("no route for %s %s", req.Method, req.Path))
	}
	// The edge verified the token and routed here by its workspace; the
	// workspace's own members, keys and revoked sessions decide.
	p, err := accounts.Authorize(w, req)
	if err != nil {
		return &host.Output{Response: auth.RefusalFor(req.Path, err), Rollback: true}, nil
	}
	req.Actor, req.Role = "api", p.Role
	role, err := accounts.RoleOf(w, p.Role)
	if err != nil {
		return nil, err
	}
	w.SetCaller(role) // object and field permissions of the record APIs
	req.Principal = p.Kind + ":" + p.UserID + ":" + p.APIKeyID
	if p.MemberID != "" {
		req.Actor = p.MemberID // createdBy/updatedBy name the member
	}
	res, err := serve(w, req)
	if err != nil {
		return nil, err
	}
	retryAfter(res.Response)
	out := &host.Output{Response: res.Response, Rollback: res.Response.Status >= 400, Effects: res.Effects}
	if res.Appended > 0 {
		logLine["seqFrom"], logLine["seqTo"] = res.FirstSeq, res.LastSeq
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectFlush, DelayMs: stream.OutboxDelayMs(auth.Current().Env)})
	}
	return out, nil
}

// keepsVars reports whether a call may use and keep the vars its
// instance's last call left (durable.OpenInstance): the record, GraphQL
// and metadata APIs and the record outbox, whose writes to _state, the
// record log and the metadata all go through the call's Vars and store.
// Admin and internal paths (replay, restore, test hooks, access
// operations) and every other entry (sockets, alarms, continuations of
// other work) read storage and leave nothing kept.
func keepsVars(entry string, in *Input) bool {
	switch entry {
	case "fetch":
		return in.Request != nil && !strings.HasPrefix(in.Request.Path, "/admin/") && !strings.HasPrefix(in.Request.Path, "/internal/")
	case recordEntries.Step, recordEntries.Sent, recordEntries.Checkpoint:
		return true
	}
	return false
}

var recordEntries = stream.EntriesOf("")

// keepVars keeps w's vars for its instance's next call when this call
// commits: no panic, no error, no rollback (OpenInstance took them out of
// the cache, so a call that does not commit leaves nothing behind).
func keepVars(w *durable.Workspace, out **host.Output, err *error) func() {
	return func() {
		if p := recover(); p != nil {
			panic(p)
		}
		if *err == nil && *out != nil && !(*out).Rollback {
			w.KeepVars()
		}
	}
}

// pathSelftestSQL runs the sqldb conformance suite against this object's
// storage (test hooks only), so the end-to-end tests hold the workerd bridge
// to the contract the native driver passes.
const pathSelftestSQL = "/admin/selftest/sqldb"

func selftestSQL(w *durable.Workspace) *host.Output {
	failures := sqldbtest.Check(w.DB)
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"failures": failures}), Rollback: true}
}

// pathSelftestBridge times statements through this object's storage
// (test hooks only): ?n= of each kind of sqldbtest.Bench; tests/bench
// reports it (-only=bridge).
const pathSelftestBridge = "/admin/selftest/bridge"

func selftestBridge(w *durable.Workspace, query string) *host.Output {
	n := 200
	if q, err := url.ParseQuery(query); err == nil && q.Get("n") != "" {
		if v, err := strconv.Atoi(q.Get("n")); err == nil && v > 0 && v <= 100_000 {
			n = v
		}
	}
	cases, err := sqldbtest.Bench(w.DB, n)
	if err != nil {
		return &host.Output{Response: host.JSONResponse(500, map[string]any{"error": err.Error()}), Rollback: true}
	}
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"n": n, "cases": cases}), Rollback: true}
}

// pathSelftestPoison (test hooks only) makes the object refuse event
// ?seq= when the queue consumer notifies it (seq=0: none), so the tests
// can dead-letter one event deterministically and cure it.
const pathSelftestPoison = "/admin/selftest/poison"

const stateTestPoison = "test_poison_seq" // _state

func selftestPoison(w *durable.Workspace, query string) (*host.Output, error) {
	q, _ := url.ParseQuery(query)
	seq, err := strconv.ParseInt(q.Get("seq"), 10, 64)
	if err != nil || seq < 0 {
		return nil, apierr.NewError(400, "seq must be an event sequence number (0: none)")
	}
	if err := w.Vars().Set(stateTestPoison, seq); err != nil {
		return nil, err
	}
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"poisoned": seq})}, nil
}

// testPoisoned refuses the event selftestPoison named.
func testPoisoned(w *durable.Workspace) func(int64) string {
	bad := w.Vars().Int(stateTestPoison)
	return func(seq int64) string {
		if bad != 0 && seq == bad {
			return fmt.Sprintf("test hook: event %d is poisoned (POST /admin/workspaces/<ws>/selftest/poison?seq=0 cures it)", seq)
		}
		return ""
	}
}

// SlowEntry is how long an entry may take before it logs its line whatever
// it did. Deployed, workerd's clock stands still inside a synchronous call,
// so there only the edge's line (timed by the shell) shows slowness.
const SlowEntry = 100 * time.Millisecond

// EnvLogEntries ("true"; tests and debugging) logs every entry's line, at
// debug level when nothing else would log it.
const EnvLogEntries = host.EnvLogEntries

// logEntry decides whether an entry's line is written. Each line costs
// about a millisecond under wrangler dev, so a request logs one: the edge
// entries hand their fields to the shell (out.Log), which writes them with
// the final status and Server-Timing (the object's SQL count and time
// included); the object's part of a request logs only when it fails or is
// slow. Entries no request waits on (queue batches, alarms, flushes, socket
// events) log only a refusal or a failure: the queue handler logs each
// batch that did not go as expected, and LOG_ENTRIES=true shows every entry.
func logEntry(entry, ws string, out *host.Output, line map[string]any, total time.Duration) {
	status, _ := line["status"].(int)
	failed := status >= 500 || line["panic"] != nil || line["error"] != nil
	edgeEntry := entry == edge.EntryFetch || entry == edge.EntryResume
	if edgeEntry {
		fields := map[string]any{}
		for k, v := range line {
			if k != "entry" && k != "status" && k != "durationMs" {
				fields[k] = v
			}
		}
		for _, e := range out.Effects {
			if e.Kind == host.EffectForward {
				fields["workspace"] = e.Name
			}
		}
		out.Log = fields
	}
	level := "info"
	switch {
	case failed:
		level = "error"
	case total > SlowEntry:
		level = "warn"
	case auth.Current().Env[EnvLogEntries] == "true":
		level = "debug"
	case edgeEntry || entry == "fetch" || entry == accounts.EntryAccountFetch || entry == edge.EntryVerify:
		return // the request's line says it
	case status < 400:
		return // background work that went well: its effects say it (the queue handler logs each batch)
	}
	host.Log(level, ws, line)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// addServerTiming appends this call's phases to resp's Server-Timing
// header: core (the whole call into Go) and db (the SQL inside it, with
// the statement count). The host adds its own phases (edge, object,
// effects) around them.
func addServerTiming(resp *host.Response, total time.Duration, timed *sqldb.Timed) {
	if resp == nil {
		return
	}
	if resp.Headers == nil {
		resp.Headers = map[string]string{}
	}
	// strconv, not fmt: this runs on every response.
	t := make([]byte, 0, 96)
	if prev := resp.Headers["server-timing"]; prev != "" {
		t = append(append(t, prev...), ", "...)
	}
	t = strconv.AppendFloat(append(t, "core;dur="...), ms(total), 'f', 3, 64)
	if timed != nil {
		t = strconv.AppendFloat(append(t, ", db;dur="...), ms(timed.Elapsed), 'f', 3, 64)
		t = append(strconv.AppendInt(append(t, `;desc="`...), int64(timed.Count), 10), ` statements"`...)
	}
	resp.Headers["server-timing"] = string(t)
}

// retryAfter gives a 429 without one the Retry-After of backpressure (the
// one core refusal that asks to come back later).
func retryAfter(r *host.Response) {
	if r == nil || r.Status != 429 || r.Headers["retry-after"] != "" {
		return
	}
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	r.Headers["retry-after"] = fmt.Sprint(backpressure.RetryAfterSeconds)
}

// serveEventNotice is the queue consumer's notice of consumed events: the
// webhook deliveries are enqueued and the workflows they trigger started;
// what the runs wrote is flushed like any write. Events the notice refused
// start nothing: the consumer retries them.
func serveEventNotice(w *durable.Workspace, req *host.Request, poisoned func(int64) string) (*host.Output, error) {
	r, err := webhooks.ReadEventsRequest(req)
	if err != nil {
		return nil, err
	}
	out, taken, err := webhooks.ServeEvents(w, r, poisoned)
	if err != nil {
		return nil, err
	}
	head, err := w.Store.Head()
	if err != nil {
		return nil, err
	}
	effects, err := workflows.OnEvents(w, taken)
	if err != nil {
		return nil, err
	}
	out.Effects = append(out.Effects, effects...)
	if now, err := w.Store.Head(); err != nil || now > head {
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectFlush})
	}
	return out, nil
}
