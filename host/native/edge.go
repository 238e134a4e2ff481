package native

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"edgecrm/auth"
	"edgecrm/durable/accounts"
	"edgecrm/edge"
	"edgecrm/host"
	"edgecrm/host/dispatch"
	"edgecrm/sqldb/sqlitedb"
)

// The edge Worker and the account objects, run in-process the way the
// shell runs them: Edge is the Worker's fetch (edge.fetch and its effects:
// ratelimit, kv.*, d1.query, do.fetch, forward), account objects are
// SQLite databases like workspace objects, KV is a map that can be made to
// fail, and the rate limiter counts in fixed windows as wrangler's local
// simulator does.

// Default limits of the ratelimits bindings (wrangler.toml).
var bindingLimits = map[string]int{"WORKSPACE_RATE_LIMITER": auth.DefaultLimitPerMin, "IP_RATE_LIMITER": auth.DefaultIPLimitPerMin}

type edgeState struct {
	mu       sync.Mutex
	accounts map[string]*sqlitedb.DB
	kv       map[string]kvEntry
	windows  map[string]*window
	failKV   bool
}

type kvEntry struct {
	value   string
	expires time.Time
}

type window struct {
	epoch int64
	count int
}

var (
	edgeMu     sync.Mutex
	edgeStates = map[*Host]*edgeState{}
)

func (h *Host) edge() *edgeState {
	edgeMu.Lock()
	defer edgeMu.Unlock()
	s := edgeStates[h]
	if s == nil {
		s = &edgeState{accounts: map[string]*sqlitedb.DB{}, kv: map[string]kvEntry{}, windows: map[string]*window{}}
		edgeStates[h] = s
	}
	return s
}

// trustedCaller: a request handed to Fetch directly (not through Edge)
// comes from inside the deployment, so it acts as the operator (as behind
// the admin token) unless it names its principal.
func trustedCaller(req *host.Request) {
	if _, ok := req.Headers[auth.PrincipalHeader]; !ok {
		req.Headers[auth.PrincipalHeader] = auth.Principal{Kind: auth.KindAdmin}.Header()
	}
}

var (
	keyOnce sync.Once
	keyPEM  []byte
)

// TestKeyPEM is an RSA key generated once per process for native tests.
func TestKeyPEM() []byte {
	keyOnce.Do(func() {
		var err error
		if keyPEM, err = auth.GenerateKeyPEM(2048); err != nil {
			panic(err)
		}
	})
	return keyPEM
}

// AdminToken is the admin token ConfigureAuth sets by default.
const AdminToken = "native-admin-token"

// ConfigureAuth configures the core as the shell does once per Go instance
// (the configuration is per process). Missing JWT_PRIVATE_KEY and
// ADMIN_TOKEN get TestKeyPEM and AdminToken.
func (h *Host) ConfigureAuth(env map[string]string) error {
	all := map[string]string{"JWT_PRIVATE_KEY": string(TestKeyPEM()), "ADMIN_TOKEN": AdminToken, "TEST_HOOKS": "true"}
	for k, v := range env {
		all[k] = v
	}
	raw, _ := json.Marshal(dispatch.Input{Config: all})
	out := dispatch.Dispatch(edge.EntryConfigure, raw, nil)
	if out.Response == nil || out.Response.Status != 200 {
		return fmt.Errorf("configure failed")
	}
	h.mu.Lock()
	h.configured = env
	if h.configured == nil {
		h.configured = map[string]string{}
	}
	h.mu.Unlock()
	return nil
}

// FailKV makes every KV operation fail (or work again).
func (h *Host) FailKV(fail bool) {
	s := h.edge()
	s.mu.Lock()
	s.failKV = fail
	s.mu.Unlock()
}

// KV returns a KV value ("" and false when absent).
func (h *Host) KV(key string) (string, bool) {
	s := h.edge()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.kv[key]
	if !ok || time.Now().After(e.expires) {
		return "", false
	}
	return e.value, true
}

// Edge sends a client request to the edge Worker and runs everything it
// asks for, as the shell does; background effects run before it returns.
func (h *Host) Edge(req host.Request) (*host.Response, error) {
	if auth.Current().Keys == nil {
		if err := h.ConfigureAuth(nil); err != nil {
			return nil, err
		}
	}
	if req.Headers == nil {
		req.Headers = map[string]string{}
	}
	lower := map[string]string{}
	for k, v := range req.Headers {
		lower[strings.ToLower(k)] = v
	}
	req.Headers = lower
	client := req
	in := dispatch.Input{Request: &host.Request{Method: req.Method, Path: req.Path, Query: req.Query, Headers: req.Headers, Body: req.Body}, Env: h.Env}
	raw, _ := json.Marshal(in)
	cx := &runCtx{edge: true, client: &client, respond: true, call: func(entry string, in dispatch.Input) *host.Output {
		in.Env = h.Env
		raw, _ := json.Marshal(in)
		return dispatch.Dispatch(entry, raw, nil)
	}}
	resp, err := h.run(dispatch.Dispatch(edge.EntryFetch, raw, nil), cx)
	// The request's one log line, as the shell writes it (without the
	// Server-Timing phases).
	line := map[string]any{"msg": "request"}
	for k, v := range cx.log {
		line[k] = v
	}
	if resp != nil {
		line["status"] = resp.Status
	}
	host.Log("info", "", line)
	return resp, err
}

// forward sends the client's request to a workspace object with the
// internal headers the core chose (client copies dropped).
func (h *Host) forward(e host.Effect, client *host.Request) (*host.Response, error) {
	headers := map[string]string{}
	for k, v := range client.Headers {
		if !host.Dropped(k, e.Drop) {
			headers[k] = v
		}
	}
	for k, v := range e.Headers {
		headers[k] = v
	}
	path := e.Path
	if path == "" { // the request's own
		path = client.Path
	}
	return h.Fetch(e.Name, host.Request{Method: client.Method, Path: path, Query: client.Query, Headers: headers, Body: client.Body})
}

func (h *Host) edgeEffect(e host.Effect) (json.RawMessage, error) {
	s := h.edge()
	switch e.Kind {
	case host.EffectKVGet:
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.failKV {
			return nil, fmt.Errorf("KV unavailable (simulated)")
		}
		res := host.KVGetResult{Values: map[string]*string{}}
		for _, k := range e.Keys {
			if v, ok := s.kv[k]; ok && time.Now().Before(v.expires) {
				val := v.value
				res.Values[k] = &val
			} else {
				res.Values[k] = nil
			}
		}
		return json.Marshal(res)
	case host.EffectKVPut, host.EffectKVDelete:
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.failKV {
			return nil, fmt.Errorf("KV unavailable (simulated)")
		}
		if e.Kind == host.EffectKVDelete {
			delete(s.kv, e.Key)
		} else {
			if e.TTL < 60 {
				return nil, fmt.Errorf("KV expirationTtl must be at least 60")
			}
			s.kv[e.Key] = kvEntry{value: e.Value, expires: time.Now().Add(time.Duration(e.TTL) * time.Second)}
		}
		return json.RawMessage(`{}`), nil
	case host.EffectRateLimit:
		limit, period := bindingLimits[e.Binding], 60
		if limit == 0 {
			return nil, fmt.Errorf("no ratelimits binding %q", e.Binding)
		}
		if e.Limit > 0 {
			limit = e.Limit
		}
		if e.Period > 0 {
			period = e.Period
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		epoch := edge.Now().Unix() / int64(period)
		w := s.windows[e.Binding+"\x00"+e.Key]
		if w == nil || w.epoch != epoch {
			w = &window{epoch: epoch}
			s.windows[e.Binding+"\x00"+e.Key] = w
		}
		if w.count >= limit {
			return json.Marshal(host.RateLimitResult{Success: false})
		}
		w.count++
		return json.Marshal(host.RateLimitResult{Success: true})
	case host.EffectDOFetch:
		return h.doFetch(e, false)
	}
	return nil, fmt.Errorf("unknown effect %q", e.Kind)
}

func (h *Host) doFetch(e host.Effect, locked bool) (json.RawMessage, error) {
	req := host.Request{Method: "POST", Path: e.Path, Body: e.Body, Headers: map[string]string{"content-type": "application/json"}}
	var resp *host.Response
	var err error
	switch {
	case e.Namespace == edge.NSWorkspace && locked: // from a queue consumer, which holds h.mu
		resp, err = h.fetch(e.Name, req)
	case e.Namespace == edge.NSWorkspace:
		resp, err = h.Fetch(e.Name, req)
	case e.Namespace == edge.NSAccount:
		id := e.ObjectID
		if id == "" {
			id = AccountObjectID(e.Name)
		}
		resp, err = h.Account(id, req)
	default:
		return nil, fmt.Errorf("no Durable Object namespace %q", e.Namespace)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(host.DOFetchResult{Status: resp.Status, Headers: resp.Headers, Body: resp.Body})
}

// AccountObjectID is the native stand-in for ACCOUNT.idFromName(name).
func AccountObjectID(name string) string {
	sum := sha256.Sum256([]byte("ACCOUNT\x00" + name))
	return hex.EncodeToString(sum[:])
}

// AccountStorage returns an account object's storage (created on first use).
func (h *Host) AccountStorage(id string) (*sqlitedb.DB, error) {
	s := h.edge()
	s.mu.Lock()
	defer s.mu.Unlock()
	if db, ok := s.accounts[id]; ok {
		return db, nil
	}
	db, err := sqlitedb.Open(":memory:")
	if err != nil {
		return nil, err
	}
	s.accounts[id] = db
	return db, nil
}

// Account sends an internal request to an account object and runs its
// effects (the D1 outbox) before returning.
func (h *Host) Account(id string, req host.Request) (*host.Response, error) {
	db, err := h.AccountStorage(id)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	cx := &runCtx{respond: true, call: func(entry string, in dispatch.Input) *host.Output {
		in.Account = id
		return h.call(db, entry, in)
	}}
	resp, err := h.run(cx.call(accounts.EntryAccountFetch, dispatch.Input{Request: &req}), cx)
	if err != nil {
		return nil, err
	}
	if cx.flush {
		cx.respond = false
		if _, err := h.run(cx.call(accounts.EntryAccountOutbox, dispatch.Input{}), cx); err != nil {
			return resp, fmt.Errorf("account flush: %w", err)
		}
	}
	return resp, nil
}
