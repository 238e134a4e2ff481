// Package edge is the Go side of the edge Worker: it decides what every
// client request needs before (or instead of) reaching a Durable Object.
//
//   - /.well-known/jwks.json: the public keys;
//   - /admin/workspaces/<ws>/...: the admin token, then the workspace object;
//   - /rest, /graphql, /metadata: Twenty's auth operations (signUp, logins,
//     renewToken, signOut, API keys, invitations, roles) are answered here,
//     without a token where Twenty needs none; every other request needs a
//     Bearer token (access or API key) that is verified here (keys and a
//     verification cache in this isolate's memory), rate limited per
//     workspace, checked against the sign-out denylist and the membership
//     cache in KV (D1 when KV fails), and forwarded to the workspace object
//     the token names, with the principal in trusted internal headers.
//
// All I/O is effects the shell runs (ratelimit, kv.*, d1.query, do.fetch,
// forward); each continuation enters EntryResume with a flow in its ctx.
// Nothing here blocks and no goroutine outlives a call.
package edge

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"edgecrm/auth"
	"edgecrm/durable/accounts"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// Entry points.
const (
	EntryFetch     = "edge.fetch"  // a client request (body only for GraphQL POSTs)
	EntryResume    = "edge.resume" // continuation of an edge effect
	EntryVerify    = "auth.verify" // verify a bearer token for a workspace (see Verify)
	EntryConfigure = "configure"   // the Worker's env, once per Go instance
)

// Namespaces of the Durable Object bindings.
const (
	NSWorkspace = "WORKSPACE"
	NSAccount   = "ACCOUNT"
)

// flow is the state of one edge request across its effects. It travels as
// the continuation ctx through the shell; credentials in it are sealed.
type flow struct {
	Step      string                 `json:"step"`
	GraphQL   bool                   `json:"gql,omitempty"`
	Op        string                 `json:"op,omitempty"`
	Key       string                 `json:"key,omitempty"` // the auth field's response key
	Doc       string                 `json:"doc,omitempty"` // the auth request, sealed (authBody)
	IPLimited bool                   `json:"ipLimited,omitempty"`
	Args      map[string]any         `json:"args,omitempty"` // access-op arguments (no credentials)
	Next      string                 `json:"next,omitempty"` // after the checks: "forward", "op", or a public op step
	WS        string                 `json:"ws,omitempty"`
	Path      string                 `json:"path,omitempty"`
	Principal *auth.Principal        `json:"principal,omitempty"`
	IP        string                 `json:"ip,omitempty"`
	Sealed    string                 `json:"sealed,omitempty"` // sealed credentials (password, invitation token)
	Reply     *accounts.AccountReply `json:"reply,omitempty"`
	Err       *errJSON               `json:"err,omitempty"`
	KVFailed  bool                   `json:"kvFailed,omitempty"`
	Email     string                 `json:"email,omitempty"`
	Expires   string                 `json:"expires,omitempty"`
	Workspace string                 `json:"workspace,omitempty"` // requested workspace (login)
	Session   bool                   `json:"session,omitempty"`   // a login answers tokens (signIn, signUp selecting them)
}

type errJSON struct {
	Status     int    `json:"status"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	RetryAfter int    `json:"retryAfter,omitempty"`
}

// Now is the clock (tests replace it).
var Now = time.Now

// Fetch handles a client request.
func Fetch(req *host.Request, logLine map[string]any) *host.Output {
	f := &flow{IP: clientIP(req)}
	path := req.Path
	switch {
	case path == "/.well-known/jwks.json":
		return jwks(req)
	case strings.HasPrefix(path, "/admin/workspaces/"):
		return admin(req)
	case strings.HasPrefix(path, "/webhooks/workflows/"):
		return workflowWebhook(f, req)
	case path == "/rest" || strings.HasPrefix(path, restPrefix):
	case path == "/graphql" || path == "/metadata":
		f.GraphQL = true
	default:
		return respond(f, auth.Errorf(404, auth.CodeNotFound, "no route for %s %s", req.Method, path))
	}
	f.Path = path
	if f.GraphQL && req.Method == "POST" {
		if len(req.Body) <= maxAuthBody && mentions(req.Body, publicNames) {
			// A public operation needs no token: the IP limit comes
			// before its document is even parsed.
			bt, _ := bearer(req)
			f.Doc, f.Next = seal(authBody{Body: req.Body, ContentType: req.Header("content-type"), Bearer: bt}), "parse"
			return ipLimit(f)
		}
		if out, isAuth := startAuthCall(f, req, logLine); isAuth {
			return out
		}
	}
	if path == "/graphql" && strings.EqualFold(req.Header("upgrade"), "websocket") {
		if _, ok := bearer(req); !ok {
			// A browser cannot send a token with the upgrade: the URL names
			// the workspace, connection_init must carry the token (checked
			// by the workspace object), and the IP limit applies.
			ws := queryValues(req.Query).Get("workspaceId")
			if !validWorkspace(ws) {
				return rejectUnauthenticated(f, auth.Errorf(401, auth.CodeUnauthenticated, "Missing authentication token: send it in connection_init and name the workspace with ?workspaceId="))
			}
			f.WS, f.Next = ws, "upgrade"
			return ipLimit(f)
		}
	}
	f.Next = "forward"
	return authenticate(f, req)
}

// workflowWebhook forwards a workflow's WEBHOOK trigger
// (/webhooks/workflows/<workspace>/<workflow>, public as in Twenty) to its
// workspace object, after the IP limit and without any principal.
func workflowWebhook(f *flow, req *host.Request) *host.Output {
	ws, wf, _ := strings.Cut(strings.TrimPrefix(req.Path, "/webhooks/workflows/"), "/")
	if !validWorkspace(ws) || wf == "" || strings.Contains(wf, "/") {
		return respond(f, auth.Errorf(404, auth.CodeNotFound, "no route for %s %s", req.Method, trunc(req.Path)))
	}
	f.WS, f.Path, f.Next = ws, "/webhooks/workflows/"+wf, "upgrade"
	return ipLimit(f)
}

func queryValues(raw string) url.Values {
	v, _ := url.ParseQuery(raw)
	return v
}

// startAuthCall starts the flow of an auth operation, when req is one.
func startAuthCall(f *flow, req *host.Request, logLine map[string]any) (*host.Output, bool) {
	call, isAuth, err := parseAuthCall(req)
	if err != nil {
		return rejectUnauthenticated(f, err), true // counted against the IP's limit
	}
	if !isAuth {
		return nil, false
	}
	f.Op, f.Key = call.Name, call.Key
	f.Doc = seal(authBody{Body: req.Body, ContentType: req.Header("content-type")})
	logLine["op"] = f.Op
	if publicOps[f.Op] {
		f.Session = f.Op == OpSignIn || (f.Op == OpSignUp || f.Op == OpSignUpInWorkspace) && (call.Selects["tokens"] || call.Selects["availableWorkspaces"])
		return startPublic(f, req, call.Args), true
	}
	f.Next, f.Args = "op", call.Args
	if f.Op == OpDeleteUser {
		f.Next = "deluser"
	}
	return authenticate(f, req), true
}

// stepParse parses a request that mentions a public operation, after the
// IP limit: it runs the auth operation it holds, or goes on as any request.
func stepParse(f *flow, _ host.ResumeInput) (*host.Output, error) {
	var a authBody
	if err := unseal(f.Doc, &a); err != nil {
		return nil, err
	}
	req := a.request()
	req.Path = f.Path
	if out, isAuth := startAuthCall(f, req, map[string]any{}); isAuth {
		return out, nil
	}
	f.Doc, f.Next = "", "forward"
	return authenticate(f, req), nil
}

// Resume continues a flow.
func Resume(in host.ResumeInput, logLine map[string]any) *host.Output {
	var f flow
	if err := json.Unmarshal(in.Ctx, &f); err != nil {
		return respond(&f, auth.Errorf(500, "internal", "bad continuation"))
	}
	logLine["step"] = f.Step
	if f.WS != "" {
		logLine["workspace"] = f.WS
	}
	if f.Op != "" {
		logLine["op"] = f.Op
	}
	step := steps[f.Step]
	if step == nil {
		return respond(&f, auth.Errorf(500, "internal", "unknown step"))
	}
	out, err := step(&f, in)
	if err != nil {
		return respond(&f, err)
	}
	return out
}

type stepFunc func(f *flow, in host.ResumeInput) (*host.Output, error)

var steps map[string]stepFunc

func init() {
	steps = map[string]stepFunc{
		"checked":   stepChecked,
		"cached":    stepCached,
		"looked":    stepLooked,
		"iplimited": stepIPLimited,
		"op.done":   stepOpDone,
	}
	publicSteps["parse"] = stepParse // here: it leads back to publicSteps
	for k, v := range publicSteps {
		steps[k] = v
	}
}

// ---- responses ----

func respond(f *flow, err error) *host.Output {
	e := auth.AsError(err)
	var r *host.Response
	if f.GraphQL {
		r = gqlError(e, f.Key)
		if e.RetryAfter > 0 {
			r.Headers["retry-after"] = fmt.Sprint(e.RetryAfter)
		}
	} else {
		r = auth.Respond(e)
	}
	return &host.Output{Response: r}
}

func resume(f *flow, step string) *host.Resume {
	f.Step = step
	ctx, _ := json.Marshal(f)
	return &host.Resume{Entry: EntryResume, Ctx: ctx}
}

func background(e host.Effect) host.Effect {
	e.Background = true
	return e
}

// doFetch calls an object's internal API.
func doFetch(ns, name, objectID, path string, body any) host.Effect {
	b, _ := json.Marshal(body)
	e := host.Effect{Kind: host.EffectDOFetch, Namespace: ns, Name: name, ObjectID: objectID, Path: path, Body: string(b)}
	if ns == NSWorkspace {
		e.Headers = map[string]string{auth.WorkspaceHeader: name}
	}
	return e
}

// doResult decodes a do.fetch result: the reply on 2xx, else the object's
// error.
func doResult(in host.ResumeInput, reply any) error {
	if in.Error != "" {
		return auth.Errorf(503, auth.CodeUnavailable, "a storage object is unavailable; retry")
	}
	var r host.DOFetchResult
	if err := json.Unmarshal(in.Result, &r); err != nil {
		return err
	}
	if r.Status < 200 || r.Status > 299 {
		e := auth.ParseError(r.Status, r.Body)
		if ra := r.Headers["retry-after"]; ra != "" {
			e.RetryAfter, _ = strconv.Atoi(strings.TrimSpace(ra))
		}
		return e
	}
	if reply != nil {
		return json.Unmarshal([]byte(r.Body), reply)
	}
	return nil
}

// ---- JWKS and admin ----

func jwks(req *host.Request) *host.Output {
	cfg := auth.Current()
	if req.Method != "GET" && req.Method != "HEAD" {
		return &host.Output{Response: auth.Respond(auth.Errorf(405, "method_not_allowed", "use GET"))}
	}
	if cfg.Keys == nil {
		return &host.Output{Response: auth.Respond(auth.Errorf(503, auth.CodeUnavailable, "no signing key is configured"))}
	}
	return &host.Output{Response: &host.Response{Status: 200, Body: string(cfg.Keys.JWKS()),
		Headers: map[string]string{"content-type": "application/json", "cache-control": "public, max-age=300"}}}
}

func admin(req *host.Request) *host.Output {
	cfg := auth.Current()
	f := &flow{}
	token, _ := bearer(req)
	if cfg.AdminToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(cfg.AdminToken)) != 1 {
		return respond(f, auth.Errorf(401, auth.CodeUnauthenticated, "admin token required"))
	}
	rest := strings.TrimPrefix(req.Path, "/admin/workspaces/")
	ws, sub, ok := strings.Cut(rest, "/")
	if !ok || ws == "" {
		return respond(f, auth.Errorf(404, auth.CodeNotFound, "no route for %s %s", req.Method, req.Path))
	}
	if !validWorkspace(ws) {
		return respond(f, auth.Errorf(400, auth.CodeBadInput, "invalid workspace id %q", trunc(ws)))
	}
	return forward(ws, "/admin/"+sub, &auth.Principal{Kind: auth.KindAdmin})
}

// restPrefix starts every REST path but the bare "/rest".
const restPrefix = "/rest/"

// forward routes the client's request to workspace ws (path empty: to the
// request's own path); p (nil for a socket upgrade that authenticates
// later) goes in the principal header. untrusted are the client's headers
// a forward drops: only the edge sets x-edgecrm-*, and the token stops
// here.
var untrusted = []string{"authorization", "x-edgecrm-*"}

func forward(ws, path string, p *auth.Principal) *host.Output {
	h := map[string]string{auth.WorkspaceHeader: ws}
	if p != nil {
		h[auth.PrincipalHeader] = p.Header()
	}
	return &host.Output{Effects: []host.Effect{{Kind: host.EffectForward, Namespace: NSWorkspace, Name: ws, Path: path, Headers: h, Drop: untrusted}}}
}

// ---- authenticated requests ----

func bearer(req *host.Request) (string, bool) {
	h := req.Header("authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

// authenticate verifies the bearer token; then the workspace's rate limit,
// KV (D1) checks, and f.Next.
func authenticate(f *flow, req *host.Request) *host.Output {
	token, ok := bearer(req)
	if !ok || token == "" {
		return rejectUnauthenticated(f, auth.Errorf(401, auth.CodeUnauthenticated, "Missing authentication token."))
	}
	c, err := auth.VerifyBearer(token, Now())
	if err != nil {
		return rejectUnauthenticated(f, err)
	}
	if !validWorkspace(c.WorkspaceID) {
		return rejectUnauthenticated(f, auth.Errorf(401, auth.CodeUnauthenticated, "Invalid token."))
	}
	p := auth.PrincipalFromClaims(c)
	f.Principal, f.WS = &p, c.WorkspaceID
	if f.Next == "deluser" {
		f.Reply = &accounts.AccountReply{Account: c.Account, UserID: c.UserID}
	}
	cfg := auth.Current()
	known := recentlyVerified(f) // then no KV read (verified.go)
	if cfg.Limits.Disabled {
		if known {
			out, _ := proceed(f, nil)
			if f.Next == "forward" && (!f.GraphQL || req.Method == "POST") {
				reuse(out, f, c.ExpiresAt)
			}
			return out
		}
		return afterLimit(f)
	}
	if known && f.Next == "forward" { // the rate limit guards the forward: one call into Go
		out, _ := proceed(f, nil)
		g := rateLimit(cfg.Limits.WorkspaceBinding, "ws:"+f.WS, cfg.Limits.WorkspaceLimit, cfg.Limits.Period, nil)
		out.Effects[0].Guard, out.Effects[0].Refused = &g, refusedNow(f, cfg.Limits.Period)
		// A REST forward depends on the token and the path alone; a GraphQL
		// POST's also on its document naming no auth operation (reuse).
		if !f.GraphQL || req.Method == "POST" {
			reuse(out, f, c.ExpiresAt)
		}
		return out
	}
	// The workspace's rate limit and the KV checks at once.
	checks := []host.Effect{rateLimit(cfg.Limits.WorkspaceBinding, "ws:"+f.WS, cfg.Limits.WorkspaceLimit, cfg.Limits.Period, nil)}
	if !known {
		kv := afterLimit(f).Effects[0]
		kv.Resume = nil
		checks = append(checks, kv)
	}
	return &host.Output{Effects: []host.Effect{{Kind: host.EffectAll, Effects: checks, Resume: resume(f, "checked")}}}
}

// stepChecked reads the rate limit, then the KV answers (none for a
// principal verified moments ago).
func stepChecked(f *flow, in host.ResumeInput) (*host.Output, error) {
	var all host.AllResult
	if in.Error != "" || json.Unmarshal(in.Result, &all) != nil || len(all.Results) == 0 {
		f.KVFailed = true
		return lookup(f), nil
	}
	if rateLimited(host.ResumeInput{Result: all.Results[0].Result, Error: all.Results[0].Error}) {
		return nil, tooMany(auth.Current().Limits.Period)
	}
	if len(all.Results) == 1 {
		return proceed(f, nil)
	}
	return stepCached(f, host.ResumeInput{Result: all.Results[1].Result, Error: all.Results[1].Error})
}

func rateLimit(binding, key string, limit, period int, r *host.Resume) host.Effect {
	e := host.Effect{Kind: host.EffectRateLimit, Binding: binding, Key: key, Resume: r}
	if limit > 0 {
		e.Limit, e.Period = limit, period
	}
	return e
}

// rateLimited reads a ratelimit result; a failing limiter lets the request
// through (it protects capacity, not data).
func rateLimited(in host.ResumeInput) bool {
	if in.Error != "" {
		return false
	}
	var r host.RateLimitResult
	if err := json.Unmarshal(in.Result, &r); err != nil {
		return false
	}
	return !r.Success
}

// refused remembers the last answer refusedNow built: it changes only
// with the second (its Retry-After), so a run of requests shares one.
var refused struct {
	sync.Mutex
	graphQL bool
	key     string
	period  int
	at      int64
	resp    *host.Response
}

// refusedNow is f's 429 answer at this second (not modified by callers).
func refusedNow(f *flow, period int) *host.Response {
	refused.Lock()
	defer refused.Unlock()
	r, at := &refused, Now().Unix()
	if r.resp == nil || r.graphQL != f.GraphQL || r.key != f.Key || r.period != period || r.at != at {
		r.graphQL, r.key, r.period, r.at = f.GraphQL, f.Key, period, at
		r.resp = respond(f, tooMany(period)).Response
	}
	return r.resp
}

func tooMany(period int) *auth.Error {
	now := Now()
	wait := period - int(now.Unix()%int64(period))
	if wait < 1 {
		wait = 1
	}
	e := auth.Errorf(429, auth.CodeRateLimited, "Too many requests: retry after %d seconds.", wait)
	e.RetryAfter = wait
	return e
}

func afterLimit(f *flow) *host.Output {
	keys := []string{}
	switch f.Principal.Kind {
	case auth.KindUser:
		if f.Principal.FamilyID != "" {
			keys = append(keys, auth.DenyKey(f.Principal.FamilyID))
		}
		keys = append(keys, auth.MemberCacheKey(f.WS, f.Principal.UserID))
	case auth.KindAPIKey:
		keys = append(keys, auth.APIKeyCacheKey(f.Principal.APIKeyID))
	}
	return &host.Output{Effects: []host.Effect{{Kind: host.EffectKVGet, Keys: keys, Resume: resume(f, "cached")}}}
}

type memberEntry struct {
	MemberID string `json:"m"`
	Role     string `json:"r"`
}

type apiKeyEntry struct {
	Revoked bool `json:"revoked"`
}

func stepCached(f *flow, in host.ResumeInput) (*host.Output, error) {
	if in.Error != "" {
		// KV is down: the database answers instead (slower, never failing).
		f.KVFailed = true
		return lookup(f), nil
	}
	var r host.KVGetResult
	if err := json.Unmarshal(in.Result, &r); err != nil {
		f.KVFailed = true
		return lookup(f), nil
	}
	p := f.Principal
	switch p.Kind {
	case auth.KindUser:
		if p.FamilyID != "" && r.Values[auth.DenyKey(p.FamilyID)] != nil {
			return nil, revoked()
		}
		v := r.Values[auth.MemberCacheKey(f.WS, p.UserID)]
		if v == nil {
			return lookup(f), nil
		}
		var m memberEntry
		if json.Unmarshal([]byte(*v), &m) == nil && m.MemberID != "" && m.MemberID != p.MemberID {
			return nil, notMember()
		}
	case auth.KindAPIKey:
		if v := r.Values[auth.APIKeyCacheKey(p.APIKeyID)]; v != nil {
			var k apiKeyEntry
			if json.Unmarshal([]byte(*v), &k) == nil && k.Revoked {
				return nil, auth.Errorf(401, auth.CodeUnauthenticated, "This API key has been revoked.")
			}
		}
	}
	rememberVerified(f)
	return proceed(f, nil)
}

func revoked() error {
	return auth.Errorf(401, auth.CodeUnauthenticated, "Token has been revoked.")
}
func notMember() error {
	return auth.Errorf(401, auth.CodeUnauthenticated, "You are not a member of this workspace.")
}

// lookup asks D1 what KV did not answer.
func lookup(f *flow) *host.Output {
	p := f.Principal
	var e host.Effect
	switch p.Kind {
	case auth.KindUser:
		e = host.Effect{Kind: host.EffectD1Query,
			SQL:    `SELECT (SELECT 1 FROM revoked_sessions WHERE family_id = ?) AS revoked, (SELECT member_id FROM memberships WHERE workspace_id = ? AND user_id = ?) AS member_id, (SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?) AS role`,
			Params: []any{p.FamilyID, f.WS, p.UserID, f.WS, p.UserID}}
	default:
		e = host.Effect{Kind: host.EffectD1Query,
			SQL:    `SELECT (SELECT revoked_at FROM api_keys WHERE id = ?) AS revoked_at`,
			Params: []any{p.APIKeyID}}
	}
	e.Resume = resume(f, "looked")
	return &host.Output{Effects: []host.Effect{e}}
}

func stepLooked(f *flow, in host.ResumeInput) (*host.Output, error) {
	if in.Error != "" {
		// D1 is down too: the workspace object (the authority) decides.
		return proceed(f, nil)
	}
	var r host.D1Result
	if err := json.Unmarshal(in.Result, &r); err != nil || len(r.Rows) == 0 {
		return proceed(f, nil)
	}
	row := r.Rows[0]
	var extra []host.Effect
	switch f.Principal.Kind {
	case auth.KindUser:
		if row["revoked"] != nil {
			return nil, revoked()
		}
		if m := sqldb.AsString(row["member_id"]); m != "" {
			if m != f.Principal.MemberID {
				return nil, notMember()
			}
			rememberVerified(f)
			if !f.KVFailed {
				b, _ := json.Marshal(memberEntry{MemberID: m, Role: sqldb.AsString(row["role"])})
				extra = append(extra, background(host.Effect{Kind: host.EffectKVPut, Key: auth.MemberCacheKey(f.WS, f.Principal.UserID), Value: string(b), TTL: auth.MemberCacheTTL}))
			}
		}
	case auth.KindAPIKey:
		if row["revoked_at"] != nil {
			return nil, auth.Errorf(401, auth.CodeUnauthenticated, "This API key has been revoked.")
		}
		rememberVerified(f)
	}
	return proceed(f, extra)
}

// proceed runs what the checks guarded: forwarding the request, or an
// access operation on the workspace object.
func proceed(f *flow, extra []host.Effect) (*host.Output, error) {
	var out *host.Output
	switch f.Next {
	case "forward": // to the request's own path (a REST answer is kept for every path: reuse)
		out = forward(f.WS, "", f.Principal)
	case "op":
		e := doFetch(NSWorkspace, f.WS, "", accounts.PathOp, accounts.AccessRequest{Op: f.Op, Principal: f.Principal, Args: f.Args})
		e.Resume = resume(f, "op.done")
		out = &host.Output{Effects: []host.Effect{e}}
	case "deluser":
		if f.Principal.Kind != auth.KindUser || f.Reply == nil || !accounts.ValidObjectID(f.Reply.Account) {
			return nil, auth.Errorf(403, auth.CodeForbidden, "Only a signed-in user can delete their account.")
		}
		e := doFetch(NSAccount, "", f.Reply.Account, accounts.PathExists, accounts.AccountRequest{})
		e.Resume = resume(f, "deluser.account")
		out = &host.Output{Effects: []host.Effect{e}}
	default:
		return nil, auth.Errorf(500, "internal", "unknown next step")
	}
	out.Effects = append(out.Effects, extra...) // cache fills after the answer
	return out, nil
}

// stepOpDone answers an access operation and runs its follow-ups (the
// member's account object, cache invalidation) in the background.
func stepOpDone(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccessReply
	if err := doResult(in, &reply); err != nil {
		return nil, err
	}
	out := data(f, reply.Result)
	if len(reply.KVDelete) > 0 || f.Op == accounts.OpRevokeAPIKey {
		ForgetVerified() // something was revoked
	}
	for _, fu := range reply.FollowUps {
		out.Effects = append(out.Effects, background(doFetch(NSAccount, "", fu.Account, fu.Path, fu.Body)))
	}
	for _, k := range reply.KVDelete {
		out.Effects = append(out.Effects, background(host.Effect{Kind: host.EffectKVDelete, Key: k}))
	}
	if f.Op == accounts.OpRevokeAPIKey {
		if m, ok := reply.Result.(map[string]any); ok {
			b, _ := json.Marshal(apiKeyEntry{Revoked: true})
			out.Effects = append(out.Effects, background(host.Effect{Kind: host.EffectKVPut, Key: auth.APIKeyCacheKey(fmt.Sprint(m["id"])), Value: string(b), TTL: 24 * 3600}))
		}
	}
	return out, nil
}

// ---- unauthenticated requests: rate limited per IP ----

// rejectUnauthenticated counts the request against its IP's limit, then
// refuses it.
func rejectUnauthenticated(f *flow, err error) *host.Output {
	e := auth.AsError(err)
	f.Err = &errJSON{Status: e.Status, Code: e.Code, Message: e.Message}
	f.Next = "reject"
	return ipLimit(f)
}

func ipLimit(f *flow) *host.Output {
	cfg := auth.Current()
	if cfg.Limits.Disabled || f.IPLimited {
		f.IPLimited = true
		out, err := afterIPLimit(f)
		if err != nil {
			return respond(f, err)
		}
		return out
	}
	return &host.Output{Effects: []host.Effect{rateLimit(cfg.Limits.IPBinding, "ip:"+f.IP, cfg.Limits.IPLimit, cfg.Limits.Period, resume(f, "iplimited"))}}
}

func stepIPLimited(f *flow, in host.ResumeInput) (*host.Output, error) {
	if rateLimited(in) {
		return nil, tooMany(auth.Current().Limits.Period)
	}
	f.IPLimited = true
	return afterIPLimit(f)
}

func afterIPLimit(f *flow) (*host.Output, error) {
	if f.Next == "reject" {
		return nil, &auth.Error{Status: f.Err.Status, Code: f.Err.Code, Message: f.Err.Message}
	}
	step := publicSteps[f.Next]
	if step == nil {
		return nil, auth.Errorf(500, "internal", "unknown public step")
	}
	return step(f, host.ResumeInput{})
}

func clientIP(req *host.Request) string {
	if ip := strings.TrimSpace(req.Header("cf-connecting-ip")); ip != "" && len(ip) <= 64 {
		return ip
	}
	return "unknown"
}

func validWorkspace(ws string) bool {
	if ws == "" || len(ws) > 63 {
		return false
	}
	for i, c := range ws {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0) {
			return false
		}
	}
	return true
}

func trunc(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// ---- sealing credentials that must cross a continuation ----

var (
	sealOnce sync.Once
	sealAEAD cipher.AEAD
)

func aead() cipher.AEAD {
	sealOnce.Do(func() {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			panic(err)
		}
		block, _ := aes.NewCipher(key)
		sealAEAD, _ = cipher.NewGCM(block)
	})
	return sealAEAD
}

// seal encrypts v with a key that lives only in this Go instance: the
// shell carries the ciphertext, never the password.
func seal(v any) string {
	b, _ := json.Marshal(v)
	a := aead()
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return base64.RawStdEncoding.EncodeToString(a.Seal(nonce, nonce, b, nil))
}

func unseal(s string, v any) error {
	raw, err := base64.RawStdEncoding.DecodeString(s)
	a := aead()
	if err != nil || len(raw) < a.NonceSize() {
		return auth.Errorf(503, auth.CodeUnavailable, "the request was interrupted; retry")
	}
	b, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], nil)
	if err != nil {
		return auth.Errorf(503, auth.CodeUnavailable, "the request was interrupted; retry")
	}
	return json.Unmarshal(b, v)
}

// Verify checks a bearer token (access or API key) for workspace: RS256
// signature with a key of this isolate's ring (kid), issuer, audience,
// expiry (cached per isolate until exp), and that the token names the
// workspace. It does no I/O: sign-out, membership and API-key revocation
// are the workspace object's to check (accounts.AuthorizeToken does all of
// it inside the object). Errors are *auth.Error: 401 token_expired, 401
// unauthenticated, 503 when no key is configured.
func Verify(token, workspace string) (auth.Principal, error) {
	c, err := auth.VerifyBearer(token, Now())
	if err != nil {
		return auth.Principal{}, err
	}
	if c.WorkspaceID != workspace {
		return auth.Principal{}, auth.Errorf(401, auth.CodeUnauthenticated, "This token is for another workspace.")
	}
	return auth.PrincipalFromClaims(c), nil
}

// VerifyEntry answers the auth.verify entry: 200 {"principal": ...}, or
// the error in the API's shape.
func VerifyEntry(token, workspace string) *host.Output {
	p, err := Verify(token, workspace)
	if err != nil {
		return &host.Output{Response: auth.Respond(err)}
	}
	return &host.Output{Response: host.JSONResponse(200, map[string]any{"principal": p})}
}
