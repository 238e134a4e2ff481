package core

import (
	"fmt"
	"strings"

	"edgecrm/accounts"
	"edgecrm/durable"
	"edgecrm/realtime"
	"edgecrm/subscriptions"
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
	return func(preauth *subscriptions.Principal) subscriptions.Authenticator {
		return subscriptions.AuthenticatorFunc(func(p map[string]any) (subscriptions.Principal, error) {
			token := realtime.TokenFromPayload(p)
			if token == "" {
				if preauth != nil {
					return *preauth, nil
				}
				return subscriptions.Principal{}, realtime.ErrNoToken
			}
			claims, err := accounts.VerifyBearer(token, w.Now())
			if err != nil {
				return subscriptions.Principal{}, err // 4401
			}
			if claims.WorkspaceID != w.ID {
				return subscriptions.Principal{}, fmt.Errorf("token for another workspace: %w", subscriptions.ErrForbidden)
			}
			pr, err := accounts.AuthorizeToken(w, token)
			if err != nil {
				if accounts.AsError(err).Status >= 500 {
					return subscriptions.Principal{}, err
				}
				return subscriptions.Principal{}, fmt.Errorf("%v: %w", err, subscriptions.ErrForbidden)
			}
			return principalOf(w, pr), nil
		})
	}
}

func principalOf(w *durable.Workspace, p accounts.Principal) subscriptions.Principal {
	user := p.UserID
	if p.Kind == accounts.KindAPIKey {
		user = "apiKey:" + p.APIKeyID
	}
	return subscriptions.Principal{WorkspaceID: w.ID, UserID: user, MemberID: p.MemberID}
}

// openSocket authorizes the principal the edge attached to the upgrade (if
// any) against the workspace's own records, like an HTTP request, and
// opens the socket; a principal no longer allowed here is closed with 4403.
func openSocket(w *durable.Workspace, s *durable.SocketInput) (*durable.Output, error) {
	var preauth *subscriptions.Principal
	var refused error
	if s.Principal != "" {
		p, err := accounts.Authorize(w, &durable.Request{Headers: map[string]string{accounts.PrincipalHeader: s.Principal}})
		if err != nil {
			if accounts.AsError(err).Status >= 500 {
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
		out.Effects = append(out.Effects, durable.Effect{Kind: durable.EffectWSClose, Socket: s.ID, Code: subscriptions.CodeForbidden, Reason: "Forbidden"})
	}
	return out, err
}

// broadcastCommitted installs the real-time recorder on w (when anyone
// subscribes) before an entry runs; the function it returns, deferred,
// prepends the ws.broadcast of what the entry committed to its effects.
// Entries that never append record events skip it.
func broadcastCommitted(entry string, w *durable.Workspace, out **durable.Output, err *error) func() {
	if strings.HasPrefix(entry, "ws.") || strings.HasPrefix(entry, "outbox") {
		return func() {}
	}
	rec, werr := realtime.Watch(w)
	if werr != nil { // storage failed: fail the call (the shell rolls it back)
		return func() { *out, *err = nil, werr }
	}
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
func dispatchWS(entry string, w *durable.Workspace, in *Input, logLine map[string]any) (out *durable.Output, ok bool, err error) {
	s := in.Socket
	if s == nil {
		s = &durable.SocketInput{}
	}
	switch entry {
	case durable.EntryWSOpen:
		out, err = openSocket(w, s)
	case durable.EntryWSMessage:
		out, err = realtime.Message(w, s, Authenticator(w))
	case durable.EntryWSClose:
		out, err = realtime.Close(w, s)
	case durable.EntryWSTimeout:
		out, err = realtime.Timeout(w, s)
	case durable.EntryWSGone:
		out, err = realtime.Gone(w, s.Gone)
	case durable.EntryWSFanout:
		if in.Resume == nil {
			return nil, true, nil
		}
		out, err = realtime.Fanout(w, *in.Resume)
	default:
		return nil, false, nil
	}
	if s.ID != "" {
		logLine["socket"] = s.ID
	}
	if out != nil {
		for _, e := range out.Effects {
			switch e.Kind {
			case durable.EffectWSClose:
				logLine["closeCode"] = e.Code
			case durable.EffectWSBroadcast:
				n := 0
				for _, g := range e.Groups {
					n += len(g.To)
				}
				logLine["deliveries"] = n
			}
		}
	}
	return out, true, err
}
