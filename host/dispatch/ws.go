package dispatch

import (
	"fmt"
	"strings"

	"edgecrm/auth"
	"edgecrm/durable"
	"edgecrm/durable/accounts"
	"edgecrm/durable/backpressure"
	"edgecrm/durable/realtime"
	"edgecrm/durable/realtime/gqlws"
	"edgecrm/durable/webhooks"
	"edgecrm/durable/workflows"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// Authenticator returns the connection_init check for sockets of
// workspace w, "checked like an HTTP request": the payload's access token
// or API key (realtime.TokenFromPayload) is verified with the isolate's
// keys and checked against the workspace's own members, API keys and
// revoked sessions (accounts.AuthorizeToken). A payload without a token is
// accepted when the upgrade request already proved a principal (preauth:
// the edge verified its Authorization header and ws.open authorized it).
// Otherwise a missing or bad token closes the socket with 4401; a valid
// token of another workspace, or of someone no longer allowed here, with
// 4403.
var Authenticator = func(w *durable.Workspace) realtime.AuthenticatorFor {
	return func(preauth *gqlws.Principal) gqlws.Authenticator {
		return gqlws.AuthenticatorFunc(func(p map[string]any) (gqlws.Principal, error) {
			token := realtime.TokenFromPayload(p)
			if token == "" {
				if preauth != nil {
					return *preauth, nil
				}
				return gqlws.Principal{}, realtime.ErrNoToken
			}
			claims, err := auth.VerifyBearer(token, w.Now())
			if err != nil {
				return gqlws.Principal{}, err // 4401
			}
			if claims.WorkspaceID != w.ID {
				return gqlws.Principal{}, fmt.Errorf("token for another workspace: %w", gqlws.ErrForbidden)
			}
			pr, err := accounts.AuthorizeToken(w, token)
			if err != nil {
				if auth.AsError(err).Status >= 500 {
					return gqlws.Principal{}, err
				}
				return gqlws.Principal{}, fmt.Errorf("%v: %w", err, gqlws.ErrForbidden)
			}
			sp := principalOf(w, pr)
			if !claims.ExpiresAt.IsZero() {
				sp.Exp = claims.ExpiresAt.UnixMilli()
			}
			return sp, nil
		})
	}
}

func principalOf(w *durable.Workspace, p auth.Principal) gqlws.Principal {
	user := p.UserID
	if p.Kind == auth.KindAPIKey {
		user = "apiKey:" + p.APIKeyID
	}
	p.Role = ""
	return gqlws.Principal{WorkspaceID: w.ID, UserID: user, MemberID: p.MemberID, Access: p.Header()}
}

// checker re-checks a socket's principal like an HTTP request
// (accounts.Authorize): signed out, removed or revoked closes with 4401,
// a principal of another workspace with 4403.
func checker(w *durable.Workspace) realtime.Checker {
	return func(p gqlws.Principal) (int, error) {
		if p.WorkspaceID != w.ID {
			return gqlws.CodeForbidden, nil
		}
		_, err := accounts.Authorize(w, &host.Request{Headers: map[string]string{auth.PrincipalHeader: p.Access}})
		switch {
		case err == nil:
			return 0, nil
		case auth.AsError(err).Status >= 500:
			return 0, err
		case auth.AsError(err).Status == 403:
			return gqlws.CodeForbidden, nil
		}
		return gqlws.CodeUnauthorized, nil
	}
}

// recheckSockets, deferred around an entry, adds the re-check of the
// subscribed sockets (realtime.RecheckEffect) when the entry committed a
// change to the workspace's access records (sign-out, member removed, API
// key revoked), so their sockets lose their rights at once.
func recheckSockets(entry string, in *Input, w *durable.Workspace, out **host.Output, err *error) func() {
	if entry != "fetch" || in.Request == nil ||
		!(strings.HasPrefix(in.Request.Path, accounts.PathInternalPrefix) || strings.HasPrefix(in.Request.Path, accounts.PathAdminPrefix)) {
		return func() {}
	}
	return func() {
		if *err != nil || *out == nil || (*out).Rollback {
			return
		}
		e, rerr := realtime.RecheckEffect(w)
		if rerr != nil {
			*out, *err = nil, rerr
		} else if e != nil {
			(*out).Effects = append((*out).Effects, *e)
		}
	}
}

// socketRefused answers the ws.* entries of a workspace that does not
// exist: nothing is created for a socket (an unauthenticated upgrade may
// name any id); ws.open is refused with 401, the others do nothing.
func socketRefused(entry string, db sqldb.DB) (*host.Output, bool) {
	if !strings.HasPrefix(entry, "ws.") || workspaceExists(db) {
		return nil, false
	}
	if entry != host.EntryWSOpen {
		return &host.Output{}, true
	}
	return &host.Output{Response: host.JSONResponse(401, map[string]any{
		"statusCode": 401, "error": "Unauthorized", "messages": []string{"Unauthorized"},
	})}, true
}

// workspaceExists reads, without creating anything, whether the workspace
// was seeded (durable.Open's "initialized" state).
func workspaceExists(db sqldb.DB) bool {
	t, err := db.Exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_state'`)
	if err != nil || len(t.Values) == 0 {
		return false
	}
	r, err := db.Exec(`SELECT value FROM _state WHERE key = 'initialized'`)
	return err == nil && len(r.Values) > 0 && fmt.Sprint(r.Values[0][0]) != "0"
}

// openSocket authorizes the principal the edge attached to the upgrade (if
// any) against the workspace's own records, like an HTTP request, and
// opens the socket; a principal no longer allowed here is closed with 4403.
func openSocket(w *durable.Workspace, s *host.SocketInput) (*host.Output, error) {
	var preauth *gqlws.Principal
	var refused error
	if s.Principal != "" {
		p, err := accounts.Authorize(w, &host.Request{Headers: map[string]string{auth.PrincipalHeader: s.Principal}})
		if err != nil {
			if auth.AsError(err).Status >= 500 {
				return nil, err
			}
			refused = err
		} else {
			pp := principalOf(w, p)
			preauth = &pp
		}
	}
	out, err := realtime.Open(w, s, preauth)
	if err == nil && refused != nil {
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectWSClose, Socket: s.ID, Code: gqlws.CodeForbidden, Reason: "Forbidden"})
	}
	return out, err
}

// broadcastCommitted installs the real-time recorder on w (when anyone
// subscribes) before an entry runs; the function it returns, deferred,
// prepends the ws.broadcast of what the entry committed to its effects.
// Entries that never append record events skip it.
func broadcastCommitted(entry string, w *durable.Workspace, out **host.Output, err *error) func() {
	if strings.HasPrefix(entry, "ws.") || strings.HasPrefix(entry, "outbox") {
		return func() {}
	}
	rec := realtime.Watch(w) // a failing check fails the append, and so the call
	return func() {
		if *err != nil || *out == nil || (*out).Rollback {
			return
		}
		effects, e := rec.Effects()
		if e != nil {
			*out, *err = nil, e
			return
		}
		(*out).Effects = append(effects, (*out).Effects...)
	}
}

// dispatchWS runs the WebSocket entries; ok is false for other entries.
func dispatchWS(entry string, w *durable.Workspace, in *Input, logLine map[string]any) (out *host.Output, ok bool, err error) {
	s := in.Socket
	if s == nil {
		s = &host.SocketInput{}
	}
	switch entry {
	case host.EntryWSOpen:
		out, err = openSocket(w, s)
	case host.EntryWSMessage:
		out, err = realtime.Message(w, s, Authenticator(w), checker(w))
	case host.EntryWSClose:
		out, err = realtime.Close(w, s)
	case host.EntryWSTimeout:
		out, err = realtime.Timeout(w, s)
	case host.EntryWSGone:
		out, err = realtime.Gone(w, s.Gone)
	case host.EntryWSFanout:
		if in.Resume == nil {
			return nil, true, nil
		}
		out, err = realtime.Fanout(w, *in.Resume)
	case host.EntryWSAlarm:
		out, err = realtime.Alarm(w)
		if err == nil { // the object's one alarm also posts webhook deliveries and stream alerts
			out, err = withStreamAlarms(w, out)
		}
	case host.EntryWSRecheck:
		if in.Resume == nil {
			return nil, true, nil
		}
		out, err = realtime.Recheck(w, *in.Resume, checker(w))
	default:
		return nil, false, nil
	}
	if s.ID != "" {
		logLine["socket"] = s.ID
	}
	if out != nil {
		for _, e := range out.Effects {
			switch e.Kind {
			case host.EffectWSClose:
				logLine["closeCode"] = e.Code
			case host.EffectWSBroadcast:
				n := 0
				for _, g := range e.Groups {
					n += (strings.Count(g.To, " ") + 1) / 2
				}
				logLine["deliveries"] = n
			}
		}
	}
	return out, true, err
}

// withStreamAlarms adds to the alarm's output the webhook deliveries due
// (or their next alarm), the workflow runs and CRON triggers due, the
// backpressure alert and the stream's watch of its consumer.
func withStreamAlarms(w *durable.Workspace, out *host.Output) (*host.Output, error) {
	if out == nil {
		out = &host.Output{}
	}
	// The stream's watch of its consumer (re-sends what the queue lost).
	out.Effects = append(out.Effects, w.Records().ResendAlarm(w.Now().UnixMilli())...)
	for _, alarm := range []func(*durable.Workspace) ([]host.Effect, error){webhooks.Alarm, workflows.Alarm, backpressure.Alarm} {
		effects, err := alarm(w)
		if err != nil {
			return out, err
		}
		out.Effects = append(out.Effects, effects...)
	}
	return out, nil
}
