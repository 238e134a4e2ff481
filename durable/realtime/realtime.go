// Package realtime serves GraphQL subscriptions over WebSockets (the
// graphql-transport-ws protocol, package subscriptions) from the workspace
// object, with the hibernation API: the shell accepts each socket with
// ctx.acceptWebSocket, tags it "c:<id>", and hands every frame to the
// ws.* entries here; the Go core answers with ws.* effects (send, close,
// attach, broadcast) and keeps no memory between calls.
//
// State, all in the object:
//
//   - each socket's protocol state (gqlws.Conn: init, principal,
//     its subscriptions) is its serializeAttachment (16 KiB at most), so it
//     survives hibernation and restarts;
//   - _ws_subs indexes every live subscription (socket, operation id,
//     object, spec id, since) so that a commit finds its subscribers
//     without reading every socket's attachment; _ws_specs holds the
//     distinct specs (object, actions, record, filter, selection) once;
//     the isolate keeps a copy of both (index.go), good while
//     _state.ws_subs_token, which every change of _ws_subs renews, is;
//   - _ws_images keeps, for recent record events, the stored row before and
//     after the event (captured by a Workspace.Observer inside the
//     committing transaction). Filters match on either image, payloads carry
//     both, and a client that reconnects with lastSeq is replayed from the
//     log (events.Store.ReadFrom) plus these images. Images are captured only
//     while the workspace has subscriptions, or within ResumeWindow of the
//     last socket closing, and at most MaxImages are kept.
//
// Broadcasting is an effect of the committing call: the fetch entry returns
// ws.broadcast (one payload per event and selection shape, with its
// (socket, operation id) targets) for up to FanoutSubs subscriptions, and a
// continuation (ws.fanout) for the rest; the shell runs broadcasts on one
// chain per object, so every socket receives events in commit order.
package realtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/accounts"
	"edgecrm/durable/realtime/gqlws"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// Tunables (variables so tests can shrink them).
var (
	// ResumeWindow is how long after the last socket closes images are still
	// captured, so that a reconnecting client can resume.
	ResumeWindow = time.Hour
	// MaxImages bounds the retained event images (the resume horizon).
	MaxImages int64 = 10000
	// MaxReplay is the most events one resume may replay; further behind,
	// the client is told to refetch.
	MaxReplay int64 = 1000
	// FanoutSubs is how many subscriptions one broadcast chunk examines.
	// 10,000 sockets in one chunk: each further chunk costs a JS→Go
	// entry and, every ChunksPerYield chunks, a turn of the event loop
	// (10 chunks of 1,000 measured p50 978 ms commit → last socket).
	FanoutSubs = 10000
	// FanoutEvents is how many events one broadcast chunk covers.
	FanoutEvents = 50
	// InitTimeout is how long a socket may wait before connection_init (4408).
	InitTimeout = 10 * time.Second
	// TimerSlack is added to every ws.timer so it fires after the deadline.
	TimerSlack = 500 * time.Millisecond
)

// Errors a subscription can be refused with (GraphQL error codes).
const (
	CodeBadInput          = "BAD_USER_INPUT"
	CodeResumeUnavailable = "RESUME_UNAVAILABLE"
)

// ErrNoToken is the Authenticator's error for a connection_init without a token.
var ErrNoToken = errors.New("realtime: connection_init carries no access token")

// TokenFromPayload returns the access token of a connection_init payload:
// "token", "accessToken", or "Authorization"/"authorization" (with or
// without "Bearer "), at the top level or under "headers".
func TokenFromPayload(p map[string]any) string {
	for _, m := range []map[string]any{p, asMap(p["headers"])} {
		for _, k := range []string{"token", "accessToken", "Authorization", "authorization"} {
			if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
				s = strings.TrimSpace(s)
				if len(s) > 7 && strings.EqualFold(s[:7], "bearer ") {
					s = strings.TrimSpace(s[7:])
				}
				return s
			}
		}
	}
	return ""
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// Open handles a socket the shell just accepted: it checks the offered
// subprotocol (4406 when graphql-transport-ws is not among them), answers
// the upgrade's response headers and stores the fresh protocol state.
// preauth is the principal the upgrade request proved, if any.
func Open(w *durable.Workspace, s *host.SocketInput, preauth *gqlws.Principal) (*host.Output, error) {
	c := gqlws.Conn{OpenedAt: w.Now().UnixMilli(), Preauth: preauth}
	att, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	out := &host.Output{Response: &host.Response{Status: 101, Headers: map[string]string{}}}
	out.Effects = append(out.Effects, host.Effect{Kind: host.EffectWSAttach, Socket: s.ID, Attachment: string(att)},
		timer(s.ID, InitTimeout))
	if cl := gqlws.CheckSubprotocol(s.Protocol); cl != nil {
		out.Effects = append(out.Effects, closeEffect(s.ID, cl))
	} else {
		out.Response.Headers["sec-websocket-protocol"] = gqlws.Subprotocol
	}
	return out, nil
}

// alarmAt is the alarm that re-checks the sockets when a token expires
// (Unix ms), a little after.
func alarmAt(exp int64, now time.Time) host.Effect {
	return host.Effect{Kind: host.EffectAlarm, DelayMs: max(0, (time.UnixMilli(exp).Sub(now) + TimerSlack).Milliseconds())}
}

func timer(socket string, d time.Duration) host.Effect {
	return host.Effect{Kind: host.EffectWSTimer, Socket: socket, DelayMs: (d + TimerSlack).Milliseconds()}
}

// Timeout runs a socket's ws.timer: it closes a socket that has not been
// acknowledged InitTimeout after it opened (4408), or whose token expired
// (4401); otherwise it does nothing.
func Timeout(w *durable.Workspace, s *host.SocketInput) (*host.Output, error) {
	var c gqlws.Conn
	if err := c.Unmarshal([]byte(s.Attachment)); err != nil {
		return &host.Output{Effects: []host.Effect{closeEffect(s.ID, &gqlws.Close{Code: 4400, Reason: "Corrupt socket state"})}}, nil
	}
	cl := c.InitTimedOut(time.UnixMilli(c.OpenedAt), w.Now(), InitTimeout)
	if cl == nil {
		cl = expired(&c, w.Now())
	}
	if cl == nil {
		return &host.Output{}, nil
	}
	return &host.Output{Effects: []host.Effect{closeEffect(s.ID, cl)}}, dropSocket(w, s.ID)
}

// Checker re-checks an acknowledged socket's principal against the
// workspace's current access records: 0 while it is still allowed, else
// the close code (4401, 4403); err only when the check itself failed.
type Checker func(p gqlws.Principal) (code int, err error)

// expired is the 4401 Close of an acknowledged socket whose token expired.
func expired(c *gqlws.Conn, now time.Time) *gqlws.Close {
	if c.Acked && c.Principal.Exp != 0 && now.UnixMilli() >= c.Principal.Exp {
		return &gqlws.Close{Code: gqlws.CodeUnauthorized, Reason: "Token has expired"}
	}
	return nil
}

// revoked says how to close an acknowledged socket that lost its rights
// (its token expired, its session was signed out, its member removed, its
// API key revoked); nil while it keeps them.
func revoked(c *gqlws.Conn, now time.Time, check Checker) (*gqlws.Close, error) {
	if !c.Acked || check == nil {
		return nil, nil
	}
	if cl := expired(c, now); cl != nil {
		return cl, nil
	}
	code, err := check(c.Principal)
	if err != nil || code == 0 {
		return nil, err
	}
	reason := "Unauthorized"
	if code == gqlws.CodeForbidden {
		reason = "Forbidden"
	}
	return &gqlws.Close{Code: code, Reason: reason}, nil
}

// RecheckEffect returns the ws.read of every subscribed socket, whose
// continuation (Recheck) closes those that lost their rights; nil when
// nobody subscribes. Run it after the access records changed.
func RecheckEffect(w *durable.Workspace) (*host.Effect, error) {
	rows, err := w.DB.Exec(`SELECT DISTINCT conn FROM _ws_subs`)
	if err != nil || len(rows.Values) == 0 {
		return nil, err
	}
	ids := make([]string, len(rows.Values))
	for i, r := range rows.Values {
		ids[i] = fmt.Sprint(r[0])
	}
	return &host.Effect{Kind: host.EffectWSRead, Sockets: ids, Resume: &host.Resume{Entry: host.EntryWSRecheck}}, nil
}

// Alarm answers the object's alarm: re-check the subscribed sockets.
func Alarm(w *durable.Workspace) (*host.Output, error) {
	e, err := RecheckEffect(w)
	if e == nil || err != nil {
		return &host.Output{}, err
	}
	return &host.Output{Effects: []host.Effect{*e}}, nil
}

// Recheck closes the sockets of a ws.read that lost their rights, and
// sets the alarm for the next token to expire among the others.
func Recheck(w *durable.Workspace, in host.ResumeInput, check Checker) (*host.Output, error) {
	var res host.SocketsResult
	if err := json.Unmarshal(in.Result, &res); err != nil {
		return nil, fmt.Errorf("ws.recheck: bad result: %w", err)
	}
	out := &host.Output{}
	var next int64
	defer func() {
		if next != 0 {
			out.Effects = append(out.Effects, alarmAt(next, w.Now()))
		}
	}()
	check = oncePerPrincipal(check)
	roles, err := subRoles(w)
	if err != nil {
		return nil, err
	}
	now := map[gqlws.Principal]string{} // each principal's current role value
	for _, s := range res.Sockets {
		var c gqlws.Conn
		if c.Unmarshal([]byte(s.Attachment)) != nil {
			continue
		}
		cl, err := revoked(&c, w.Now(), check)
		if err != nil {
			return nil, err
		}
		if cl == nil && roles[s.ID] != nil {
			// A member moved to another role: close with 4403, which
			// graphql-ws clients retry, subscribing again under the new role.
			p := c.Principal
			p.Exp = 0
			v, ok := now[p]
			if !ok {
				role, _, err := callerRole(w, p)
				if err != nil {
					return nil, err
				}
				if role != nil && !role.IsStandard() {
					v = domain.MemberRoleValue(role)
				}
				now[p] = v
			}
			for r := range roles[s.ID] {
				if r != v {
					cl = &gqlws.Close{Code: gqlws.CodeForbidden, Reason: "Role changed"}
				}
			}
		}
		if cl != nil {
			if err := dropSocket(w, s.ID); err != nil {
				return nil, err
			}
			out.Effects = append(out.Effects, closeEffect(s.ID, cl))
		} else if exp := c.Principal.Exp; exp != 0 && (next == 0 || exp < next) {
			next = exp
		}
	}
	return out, nil
}

// subRoles are, per socket, the roles its subscriptions were made with
// ("" for a standard role).
func subRoles(w *durable.Workspace) (map[string]map[string]bool, error) {
	rows, err := w.DB.Exec(`SELECT DISTINCT s.conn, p.spec FROM _ws_subs s JOIN _ws_specs p ON p.id = s.spec`)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]bool{}
	for _, r := range rows.Values {
		var spec gqlws.DBEventSpec
		if json.Unmarshal([]byte(sqldb.AsString(r[1])), &spec) != nil {
			continue
		}
		conn := sqldb.AsString(r[0])
		if out[conn] == nil {
			out[conn] = map[string]bool{}
		}
		out[conn][spec.Role] = true
	}
	return out, nil
}

// oncePerPrincipal memoizes check for one call: the sockets of one
// principal (whatever their token's expiry) are checked once, not once
// per socket.
func oncePerPrincipal(check Checker) Checker {
	if check == nil {
		return nil
	}
	type result struct {
		code int
		err  error
	}
	seen := map[gqlws.Principal]result{}
	return func(p gqlws.Principal) (int, error) {
		p.Exp = 0
		r, ok := seen[p]
		if !ok {
			r.code, r.err = check(p)
			seen[p] = r
		}
		return r.code, r.err
	}
}

// AuthenticatorFor returns the connection_init check of a socket whose
// upgrade proved preauth (nil when it proved nothing).
type AuthenticatorFor func(preauth *gqlws.Principal) gqlws.Authenticator

// Message applies one client frame: protocol state, subscribe (validate,
// index, replay from lastSeq), complete, close. An acknowledged socket is
// first re-checked (check): one that lost its rights is closed.
func Message(w *durable.Workspace, s *host.SocketInput, authFor AuthenticatorFor, check Checker) (*host.Output, error) {
	var c gqlws.Conn
	if err := c.Unmarshal([]byte(s.Attachment)); err != nil {
		if err := dropSocket(w, s.ID); err != nil {
			return nil, err
		}
		return &host.Output{Effects: []host.Effect{closeEffect(s.ID, &gqlws.Close{Code: 4400, Reason: "Corrupt socket state"})}}, nil
	}
	now := w.Now()
	if cl := c.InitTimedOut(time.UnixMilli(c.OpenedAt), now, InitTimeout); cl != nil && c.OpenedAt != 0 {
		if err := dropSocket(w, s.ID); err != nil {
			return nil, err
		}
		return &host.Output{Effects: []host.Effect{closeEffect(s.ID, cl)}}, nil
	}
	if cl, err := revoked(&c, now, check); err != nil || cl != nil {
		if err == nil {
			err = dropSocket(w, s.ID)
		}
		if err != nil {
			return nil, err
		}
		return &host.Output{Effects: []host.Effect{closeEffect(s.ID, cl)}}, nil
	}
	wasAcked := c.Acked
	var auth gqlws.Authenticator
	if authFor != nil {
		auth = authFor(c.Preauth)
	}
	res := c.HandleFrame([]byte(s.Frame), auth, now)
	frames := res.Frames
	changed := res.Changed
	if res.Subscribed != nil && res.Close == nil {
		more, err := subscribe(w, s.ID, &c, res.Subscribed)
		if err != nil {
			return nil, err
		}
		frames = append(frames, more...)
	}
	for _, id := range res.Completed {
		if _, err := w.DB.Exec(`DELETE FROM _ws_subs WHERE conn = ? AND sub = ?`, s.ID, id); err != nil {
			return nil, err
		}
		if err := subsChanged(w); err != nil {
			return nil, err
		}
	}
	out := &host.Output{}
	if changed {
		att, err := c.Marshal()
		if err != nil {
			return nil, err // subscribe keeps headroom: this is a bug
		}
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectWSAttach, Socket: s.ID, Attachment: string(att)})
	}
	if !wasAcked && c.Acked && c.Principal.Exp != 0 {
		out.Effects = append(out.Effects, alarmAt(c.Principal.Exp, now))
	}
	if len(frames) > 0 {
		fs := make([]string, len(frames))
		for i, f := range frames {
			fs[i] = string(f)
		}
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectWSSend, Socket: s.ID, Frames: fs})
	}
	if res.Close != nil {
		if err := dropSocket(w, s.ID); err != nil {
			return nil, err
		}
		out.Effects = append(out.Effects, closeEffect(s.ID, res.Close))
	}
	return out, nil
}

// Close forgets a socket's subscriptions (the client closed, or the socket
// errored) and keeps capturing images for ResumeWindow.
func Close(w *durable.Workspace, s *host.SocketInput) (*host.Output, error) {
	return &host.Output{}, dropSocket(w, s.ID)
}

// Gone forgets sockets a broadcast could not find.
func Gone(w *durable.Workspace, ids []string) (*host.Output, error) {
	for _, id := range ids {
		if err := dropSocket(w, id); err != nil {
			return nil, err
		}
	}
	return &host.Output{}, nil
}

func dropSocket(w *durable.Workspace, id string) error {
	rows, err := w.DB.Exec(`DELETE FROM _ws_subs WHERE conn = ? RETURNING sub`, id)
	if err != nil {
		return err
	}
	if len(rows.Values) == 0 {
		return nil
	}
	if err := subsChanged(w); err != nil {
		return err
	}
	// Specs no subscription uses any more go once nobody subscribes.
	if _, err := w.DB.Exec(`DELETE FROM _ws_specs WHERE NOT EXISTS (SELECT 1 FROM _ws_subs)`); err != nil {
		return err
	}
	return setRetain(w)
}

func setRetain(w *durable.Workspace) error {
	_, err := w.DB.Exec(`INSERT INTO _state (key, value) VALUES ('ws_retain_until', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
		w.Now().Add(ResumeWindow).UnixMilli())
	return err
}

func closeEffect(id string, c *gqlws.Close) host.Effect {
	return host.Effect{Kind: host.EffectWSClose, Socket: id, Code: c.Code, Reason: c.Reason}
}

// refuse ends subscription id with an error frame and removes it from c.
func refuse(c *gqlws.Conn, id, code, format string, args ...any) [][]byte {
	c.Remove(id)
	return [][]byte{gqlws.ErrorFrame(id, []gqlws.GraphQLError{{
		Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code},
	}})}
}

// subscribe validates a new subscription, indexes it and, when the client
// resumes, returns the missed events' frames (seq > lastSeq up to the head).
func subscribe(w *durable.Workspace, conn string, c *gqlws.Conn, sub *gqlws.Subscription) ([][]byte, error) {
	spec, errs := gqlws.ParseDBEventSubscription(sub.Query, sub.OperationName, sub.Variables)
	if errs != nil {
		c.Remove(sub.ID)
		return [][]byte{gqlws.ErrorFrame(sub.ID, errs)}, nil
	}
	role, denied, err := callerRole(w, c.Principal)
	if err != nil {
		return nil, err
	}
	if role != nil && !role.IsStandard() {
		spec.Role = domain.MemberRoleValue(role)
	}
	cs, err := compileSpec(w, spec)
	if err != nil {
		var ue *userError
		if errors.As(err, &ue) {
			return refuse(c, sub.ID, CodeBadInput, "%s", ue.msg), nil
		}
		return nil, err
	}
	obj := w.Schema().Object(spec.Object)
	if denied || obj != nil && role != nil && (!role.Can(obj.ID, domain.ActRead) || role.CheckQuery(w.Schema(), obj, spec.Filter, nil) != nil) {
		c.Remove(sub.ID)
		return [][]byte{gqlws.ErrorFrame(sub.ID, []gqlws.GraphQLError{{Message: domain.PermissionDenied,
			Extensions: map[string]any{"code": "FORBIDDEN", "subCode": domain.CodePermissionDenied, "userFriendlyMessage": domain.UserFriendlyDenied}}})}, nil
	}
	head, err := w.Store.Head()
	if err != nil {
		return nil, err
	}
	var frames [][]byte
	if sub.Resume {
		switch {
		case sub.LastSeq > head:
			return refuse(c, sub.ID, CodeResumeUnavailable, "lastSeq %d is ahead of this workspace's log (head %d): refetch and subscribe without lastSeq", sub.LastSeq, head), nil
		case head-sub.LastSeq > MaxReplay:
			return refuse(c, sub.ID, CodeResumeUnavailable, "%d events were missed since lastSeq %d, more than %d: refetch and subscribe without lastSeq", head-sub.LastSeq, sub.LastSeq, MaxReplay), nil
		}
		evs, err := loadEvents(w, sub.LastSeq+1, head)
		if err != nil {
			var ue *userError
			if errors.As(err, &ue) {
				return refuse(c, sub.ID, CodeResumeUnavailable, "%s", ue.msg), nil
			}
			return nil, err
		}
		m := newMatchCtx(w)
		cs.shape = spec.Shape()
		for i := range evs {
			ok, err := m.wants(cs, &evs[i])
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			p, err := m.payload(cs, &evs[i])
			if err != nil {
				return nil, err
			}
			frames = append(frames, gqlws.NextFrameRaw(sub.ID, p))
		}
	}
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	ids, err := w.DB.Exec(`INSERT INTO _ws_specs (spec, shape) VALUES (?, ?) ON CONFLICT (spec) DO UPDATE SET shape = excluded.shape RETURNING id`,
		string(specJSON), spec.Shape())
	if err != nil {
		return nil, err
	}
	if _, err := w.DB.Exec(`INSERT INTO _ws_subs (conn, sub, object, spec, since) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (conn, sub) DO UPDATE SET object = excluded.object, spec = excluded.spec, since = excluded.since`,
		conn, sub.ID, spec.Object, ids.Int(), head); err != nil {
		return nil, err
	}
	return frames, subsChanged(w)
}

// userError is a refusal the client caused (bad object, bad filter, resume
// out of range).
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

func userErrorf(format string, args ...any) error { return &userError{fmt.Sprintf(format, args...)} }

// callerRole is the socket principal's role (the same as GraphQL's and
// REST's: accounts.RoleOf); nil for the system. denied: the principal no
// longer authorizes (the re-check closes the socket).
func callerRole(w *durable.Workspace, p gqlws.Principal) (role *domain.Role, denied bool, err error) {
	if p.Access == "" {
		return nil, false, nil
	}
	pr, err := accounts.Authorize(w, &host.Request{Headers: map[string]string{auth.PrincipalHeader: p.Access}})
	if err != nil {
		return nil, true, nil
	}
	role, err = accounts.RoleOf(w, pr.Role)
	return role, false, err
}
