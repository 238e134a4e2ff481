package edge

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/accounts"
	"edgecrm/host"
)

// The public auth operations, as flows over the account object (named by
// the normalized email, or by the "acct" of a token) and the workspace
// object. Every one is rate limited per client IP first.

type credentials struct {
	Password string `json:"p,omitempty"`
	Invite   string `json:"i,omitempty"`
	Token    string `json:"t,omitempty"`
}

var publicSteps = map[string]stepFunc{
	"signup.start":    stepSignupStart,
	"signup.created":  stepSignupCreated,
	"joined":          stepJoined,
	"login.issued":    stepLoginIssued,
	"login.start":     stepLoginStart,
	"login.checked":   stepLoginChecked,
	"tokens.start":    stepTokensStart,
	"renew.start":     stepRenewStart,
	"renew.done":      stepRenewDone,
	"renew.revoked":   stepRenewRevoked,
	"tokens.done":     stepTokensDone,
	"signout.start":   stepSignoutStart,
	"signout.account": stepSignoutAccount,
	"signout.done":    stepSignoutDone,
	"upgrade":         stepUpgrade,
	"exists.start":    stepExistsStart,
	"exists.done":     stepExistsDone,
	"public.data":     stepPublicData,
	"newws.start":     stepNewWorkspaceStart,
	"newws.account":   stepNewWorkspaceAccount,
	"mail.start":      stepMailStart,
	"mail.issued":     stepMailIssued,
	"mail.use":        stepMailUse,
	"mail.used":       stepMailUsed,
	"deluser.account": stepDelUserAccount,
	"deluser.checked": stepDelUserChecked,
	"deluser.left":    stepDelUserLeft,
	"deluser.done":    stepDelUserDone,
}

// stepUpgrade forwards a socket upgrade that names its workspace in the
// URL (after the IP limit); connection_init will carry the token. A
// workflow's public webhook goes the same way.
func stepUpgrade(f *flow, _ host.ResumeInput) (*host.Output, error) {
	return forward(f.WS, f.Path, nil), nil
}

// startPublic validates the operation's arguments, keeps what later steps
// need (credentials sealed), and goes through the IP limit.
func startPublic(f *flow, req *host.Request, args map[string]any) *host.Output {
	cfg := auth.Current()
	if cfg.Keys == nil {
		return respond(f, auth.Errorf(503, auth.CodeUnavailable, "authentication is not configured: %s", cfg.KeyError))
	}
	now := Now()
	switch f.Op {
	case OpSignUp, OpSignUpInWorkspace:
		email, password, err := emailPassword(args)
		if err != nil {
			return rejectUnauthenticated(f, err)
		}
		invite := optString(args, "workspacePersonalInviteToken")
		if invite == "" && optString(args, "workspaceInviteHash") != "" {
			return rejectUnauthenticated(f, auth.Errorf(400, auth.CodeBadInput, "workspaceInviteHash is not supported: use workspacePersonalInviteToken"))
		}
		if invite != "" {
			if _, ok := accounts.InviteWorkspace(invite); !ok {
				return rejectUnauthenticated(f, auth.Errorf(403, auth.CodeForbidden, "This invitation is invalid or has expired."))
			}
		} else if f.Op == OpSignUpInWorkspace {
			return rejectUnauthenticated(f, auth.Errorf(400, auth.CodeBadInput, "workspacePersonalInviteToken is required"))
		}
		f.Email, f.Sealed, f.Next = email, seal(credentials{Password: password, Invite: invite}), "signup.start"
	case OpGetLoginTokenFromCredentials, OpSignIn:
		email, password, err := emailPassword(args)
		if err != nil {
			return rejectUnauthenticated(f, err)
		}
		if wait, ok := cfg.IPThrottle.Check("ip:"+f.IP, now); !ok {
			e := auth.Errorf(429, auth.CodeRateLimited, "Too many failed logins: try again later.")
			e.RetryAfter = int(wait/time.Second) + 1
			return respond(f, e)
		}
		f.Email, f.Sealed, f.Next = email, seal(credentials{Password: password}), "login.start"
		f.Workspace = optString(args, "workspaceId")
	case OpSignUpInNewWorkspace:
		// The signed-in user creates another workspace, of which they are
		// the admin (the bearer's account; any of its workspaces' tokens).
		bt, ok := bearer(req)
		if !ok {
			return rejectUnauthenticated(f, auth.Errorf(401, auth.CodeUnauthenticated, "Missing authentication token."))
		}
		c, err := cfg.Cache.Verify(bt, auth.TokenAccess, now)
		if err != nil {
			return rejectUnauthenticated(f, auth.TokenError(err))
		}
		if !accounts.ValidObjectID(c.Account) {
			return rejectUnauthenticated(f, auth.Errorf(401, auth.CodeUnauthenticated, "Invalid token."))
		}
		f.Reply = &accounts.AccountReply{Account: c.Account, UserID: c.UserID}
		f.Next = "newws.start"
	case OpPublicWorkspaceData:
		origin, err := mustString(args, "origin")
		if err != nil {
			return rejectUnauthenticated(f, err)
		}
		// A workspace's subdomain is its id (signUp's answer): the origin's
		// first label names it.
		u, err := url.Parse(origin)
		ws := ""
		if err == nil {
			ws, _, _ = strings.Cut(u.Hostname(), ".")
		}
		if !domain.IsUUID(ws) {
			return rejectUnauthenticated(f, auth.Errorf(404, auth.CodeNotFound, "Workspace not found"))
		}
		f.Workspace, f.Next = ws, "public.data"
	case OpWorkspaceFromInviteHash:
		// Public invite links are not offered (isPublicInviteLinkEnabled is
		// false, inviteHash null): every hash is unknown. Invitations are
		// personal (workspacePersonalInviteToken).
		return rejectUnauthenticated(f, auth.Errorf(404, auth.CodeNotFound, "Workspace not found: public invite links are not enabled"))
	case OpCheckUserExists:
		raw, err := mustString(args, "email")
		if err != nil {
			return rejectUnauthenticated(f, err)
		}
		if f.Email, err = auth.NormalizeEmail(raw); err != nil {
			return rejectUnauthenticated(f, err)
		}
		f.Next = "exists.start"
	case OpGetAuthTokensFromLoginToken:
		token, err := mustString(args, "loginToken")
		if err != nil {
			return rejectUnauthenticated(f, err)
		}
		c, err := cfg.Keys.Verify(token, auth.TokenLogin, now)
		if err != nil {
			return rejectUnauthenticated(f, auth.TokenError(err))
		}
		if !accounts.ValidObjectID(c.Account) || c.WorkspaceID == "" {
			return rejectUnauthenticated(f, auth.Errorf(401, auth.CodeUnauthenticated, "Invalid token."))
		}
		f.Reply = &accounts.AccountReply{Account: c.Account, WorkspaceID: c.WorkspaceID, UserID: c.UserID}
		f.Sealed, f.Expires, f.Next = seal(credentials{Token: c.TokenID}), c.ExpiresAt.UTC().Format(time.RFC3339), "tokens.start"
	case OpRenewToken:
		token, err := mustString(args, "appToken")
		if err != nil {
			return rejectUnauthenticated(f, err)
		}
		c, err := cfg.Cache.Verify(token, auth.TokenRefresh, now)
		if err != nil {
			return rejectUnauthenticated(f, auth.TokenError(err))
		}
		if !accounts.ValidObjectID(c.Account) {
			return rejectUnauthenticated(f, auth.Errorf(401, auth.CodeUnauthenticated, "Invalid token."))
		}
		f.Reply = &accounts.AccountReply{Account: c.Account, WorkspaceID: c.WorkspaceID, FamilyID: c.FamilyID}
		f.Sealed, f.Next = seal(credentials{Token: token}), "renew.start"
	case OpSignOut:
		// The session to end: the refresh token's, else the bearer's.
		var c auth.Claims
		var err error = auth.Errorf(401, auth.CodeUnauthenticated, "Missing authentication token.")
		if rt := optString(args, "refreshToken"); rt != "" {
			c, err = cfg.Cache.Verify(rt, auth.TokenRefresh, now)
		}
		if err != nil {
			if bt, ok := bearer(req); ok {
				c, err = cfg.Cache.Verify(bt, auth.TokenAccess, now)
			}
		}
		if err != nil {
			return rejectUnauthenticated(f, auth.TokenError(err))
		}
		if !accounts.ValidObjectID(c.Account) || c.FamilyID == "" || !validWorkspace(c.WorkspaceID) {
			return rejectUnauthenticated(f, auth.Errorf(401, auth.CodeUnauthenticated, "Invalid token."))
		}
		f.Reply = &accounts.AccountReply{Account: c.Account, WorkspaceID: c.WorkspaceID, FamilyID: c.FamilyID}
		f.Next = "signout.start"
	case OpResendEmailVerification, OpEmailPasswordResetLink, OpValidatePasswordResetToken, OpUpdatePasswordViaResetToken,
		OpLoginFromEmailVerification, OpAgnosticFromEmailVerification:
		return startMail(f, args)
	default:
		return respond(f, auth.Errorf(400, auth.CodeBadInput, "unknown operation"))
	}
	return ipLimit(f)
}

func emailPassword(args map[string]any) (string, string, error) {
	raw, err := mustString(args, "email")
	if err != nil {
		return "", "", err
	}
	email, err := auth.NormalizeEmail(raw)
	if err != nil {
		return "", "", err
	}
	password, err := mustString(args, "password")
	if err != nil {
		return "", "", err
	}
	if password == "" || len(password) > auth.MaxPasswordBytes {
		return "", "", auth.Errorf(400, auth.CodeBadInput, "password must be 1 to %d bytes", auth.MaxPasswordBytes)
	}
	return email, password, nil
}

func stepSignupStart(f *flow, _ host.ResumeInput) (*host.Output, error) {
	var cr credentials
	if err := unseal(f.Sealed, &cr); err != nil {
		return nil, err
	}
	e := doFetch(NSAccount, accounts.AccountObjectName(f.Email), "", accounts.PathSignup,
		accounts.AccountRequest{Email: f.Email, Password: cr.Password, AllowExisting: cr.Invite != ""})
	f.Sealed = ""
	if cr.Invite != "" {
		f.Sealed = seal(credentials{Invite: cr.Invite})
	}
	e.Resume = resume(f, "signup.created")
	return &host.Output{Effects: []host.Effect{e}}, nil
}

func stepSignupCreated(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccountReply
	if err := doResult(in, &reply); err != nil {
		return nil, err
	}
	f.Reply = &reply
	var cr credentials
	if f.Sealed != "" {
		if err := unseal(f.Sealed, &cr); err != nil {
			return nil, err
		}
	}
	f.Sealed = ""
	if cr.Invite != "" {
		ws, _ := accounts.InviteWorkspace(cr.Invite)
		e := doFetch(NSWorkspace, ws, "", accounts.PathJoin, accounts.AccessRequest{InviteToken: cr.Invite, UserID: reply.UserID,
			Email: reply.Email, Account: reply.Account, MemberID: durable.NewRecordID(Now())})
		e.Resume = resume(f, "joined")
		return &host.Output{Effects: []host.Effect{e}}, nil
	}
	return bootstrap(f), nil
}

// bootstrap creates the account's reserved workspace (idempotent).
func bootstrap(f *flow) *host.Output {
	r := f.Reply
	e := doFetch(NSWorkspace, r.WorkspaceID, "", accounts.PathBootstrap, accounts.AccessRequest{UserID: r.UserID, Email: r.Email, Account: r.Account, MemberID: r.MemberID})
	e.Resume = resume(f, "joined")
	return &host.Output{Effects: []host.Effect{e}}
}

// stepJoined records the membership in the account and gets a login token.
func stepJoined(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccessReply
	if err := doResult(in, &reply); err != nil {
		return nil, err
	}
	f.Reply.WorkspaceID, f.Reply.MemberID, f.Reply.Role = reply.WorkspaceID, reply.MemberID, reply.Role
	e := doFetch(NSAccount, "", f.Reply.Account, accounts.PathMembershipAdd, accounts.AccountRequest{WorkspaceID: reply.WorkspaceID,
		MemberID: reply.MemberID, Role: reply.Role, IssueLogin: true})
	e.Resume = resume(f, "login.issued")
	return &host.Output{Effects: []host.Effect{e}}, nil
}

func stepLoginIssued(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccountReply
	if err := doResult(in, &reply); err != nil {
		return nil, err
	}
	return loginAnswer(f, &reply), nil
}

func loginAnswer(f *flow, reply *accounts.AccountReply) *host.Output {
	if f.Session {
		return startSession(f, reply)
	}
	tok := tokenObject(reply.LoginToken)
	var out *host.Output
	switch f.Op {
	case OpSignUp, OpSignUpInWorkspace, OpSignUpInNewWorkspace:
		out = data(f, map[string]any{
			"loginToken": tok, "isEmailVerificationRequired": false,
			"workspace": map[string]any{"id": reply.WorkspaceID, "subdomain": reply.WorkspaceID, "hostname": nil,
				"workspaceUrls": map[string]any{"subdomainUrl": nil, "customUrl": nil}},
		})
	case OpLoginFromEmailVerification:
		out = data(f, map[string]any{"loginToken": tok, "workspaceUrls": map[string]any{"subdomainUrl": nil, "customUrl": nil}})
	default:
		out = data(f, map[string]any{"loginToken": tok})
	}
	return out
}

// startSession exchanges the login token just issued for tokens, as
// getAuthTokensFromLoginToken would (signIn; a signUp that selects tokens).
func startSession(f *flow, reply *accounts.AccountReply) *host.Output {
	if reply.LoginToken == nil {
		return respond(f, auth.Errorf(500, "internal", "no login token was issued"))
	}
	c, err := auth.Current().Keys.Verify(reply.LoginToken.Token, auth.TokenLogin, Now())
	if err != nil {
		return respond(f, err)
	}
	f.Reply.WorkspaceID, f.Reply.UserID = c.WorkspaceID, c.UserID
	f.Sealed, f.Expires = seal(credentials{Token: c.TokenID}), c.ExpiresAt.UTC().Format(time.RFC3339)
	out, err := stepTokensStart(f, host.ResumeInput{})
	if err != nil {
		return respond(f, err)
	}
	return out
}

// sessionAnswer is what signIn and signUp answer with a session: the
// tokens, the workspace they are for as the one available (only the
// session's workspace: the account's other memberships are signed in to
// through getLoginTokenFromCredentials with its workspaceId).
func sessionAnswer(f *flow, tokens map[string]any) map[string]any {
	ws := f.Reply.WorkspaceID
	urls := map[string]any{"subdomainUrl": nil, "customUrl": nil}
	out := map[string]any{"tokens": tokens, "availableWorkspaces": map[string]any{
		"availableWorkspacesForSignIn": []any{map[string]any{"id": ws, "displayName": nil, "loginToken": nil, "inviteHash": nil,
			"personalInviteToken": nil, "workspaceUrls": urls, "logo": nil, "sso": []any{}}},
		"availableWorkspacesForSignUp": []any{},
	}}
	if f.Op != OpSignIn {
		out["workspace"] = map[string]any{"id": ws, "subdomain": ws, "hostname": nil, "workspaceUrls": urls}
		out["isEmailVerificationRequired"] = false
	}
	return out
}

func tokenObject(t *accounts.TokenJSON) any {
	if t == nil {
		return nil
	}
	return map[string]any{"token": t.Token, "expiresAt": t.ExpiresAt}
}

func stepLoginStart(f *flow, _ host.ResumeInput) (*host.Output, error) {
	var cr credentials
	if err := unseal(f.Sealed, &cr); err != nil {
		return nil, err
	}
	f.Sealed = ""
	e := doFetch(NSAccount, accounts.AccountObjectName(f.Email), "", accounts.PathLogin,
		accounts.AccountRequest{Email: f.Email, Password: cr.Password, WorkspaceID: f.Workspace})
	e.Resume = resume(f, "login.checked")
	return &host.Output{Effects: []host.Effect{e}}, nil
}

func stepLoginChecked(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccountReply
	if err := doResult(in, &reply); err != nil {
		if e := auth.AsError(err); e.Status == 401 {
			auth.Current().IPThrottle.Fail("ip:"+f.IP, Now())
		}
		return nil, err
	}
	f.Reply = &reply
	if reply.Bootstrap {
		return bootstrap(f), nil
	}
	return loginAnswer(f, &reply), nil
}

func stepTokensStart(f *flow, _ host.ResumeInput) (*host.Output, error) {
	var cr credentials
	if err := unseal(f.Sealed, &cr); err != nil {
		return nil, err
	}
	f.Sealed = ""
	e := doFetch(NSAccount, "", f.Reply.Account, accounts.PathSessionStart,
		accounts.AccountRequest{TokenID: cr.Token, ExpiresAt: f.Expires, WorkspaceID: f.Reply.WorkspaceID})
	e.Resume = resume(f, "tokens.done")
	return &host.Output{Effects: []host.Effect{e}}, nil
}

func stepRenewStart(f *flow, _ host.ResumeInput) (*host.Output, error) {
	var cr credentials
	if err := unseal(f.Sealed, &cr); err != nil {
		return nil, err
	}
	f.Sealed = ""
	e := doFetch(NSAccount, "", f.Reply.Account, accounts.PathSessionRotate, accounts.AccountRequest{Token: cr.Token})
	e.Resume = resume(f, "renew.done")
	return &host.Output{Effects: []host.Effect{e}}, nil
}

// stepRenewDone answers a renewal. A reused refresh token has had its
// family revoked in the account; the family's access tokens carry the
// family too, so it is revoked in the workspace (and KV) as a sign-out
// does, and then the renewal is refused.
func stepRenewDone(f *flow, in host.ResumeInput) (*host.Output, error) {
	var e *auth.Error
	if err := doResult(in, nil); errors.As(err, &e) && e.Code == auth.CodeTokenReused {
		if f.Reply.FamilyID == "" || !validWorkspace(f.Reply.WorkspaceID) {
			return nil, auth.Errorf(401, auth.CodeUnauthenticated, "Invalid token.")
		}
		return revokeFamily(f, "renew.revoked"), nil
	}
	return stepTokensDone(f, in)
}

func stepRenewRevoked(f *flow, in host.ResumeInput) (*host.Output, error) {
	if err := doResult(in, nil); err != nil {
		return nil, err
	}
	return denyFamily(f, respond(f, auth.Errorf(401, auth.CodeUnauthenticated, "Invalid token."))), nil
}

func stepTokensDone(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccountReply
	if err := doResult(in, &reply); err != nil {
		return nil, err
	}
	access, refresh := tokenObject(reply.AccessToken), tokenObject(reply.RefreshToken)
	tokens := map[string]any{"accessOrWorkspaceAgnosticToken": access, "accessToken": access, "refreshToken": refresh}
	if f.Session {
		return data(f, sessionAnswer(f, tokens)), nil
	}
	return data(f, map[string]any{"tokens": tokens}), nil
}

func stepSignoutStart(f *flow, _ host.ResumeInput) (*host.Output, error) {
	e := doFetch(NSAccount, "", f.Reply.Account, accounts.PathSessionRevoke, accounts.AccountRequest{FamilyID: f.Reply.FamilyID})
	e.Resume = resume(f, "signout.account")
	return &host.Output{Effects: []host.Effect{e}}, nil
}

func stepSignoutAccount(f *flow, in host.ResumeInput) (*host.Output, error) {
	if err := doResult(in, nil); err != nil {
		return nil, err
	}
	return revokeFamily(f, "signout.done"), nil
}

// revokeFamily revokes the session family in the workspace, then goes on
// with step next.
func revokeFamily(f *flow, next string) *host.Output {
	// Access tokens of the family live at most AccessTTL more.
	until := Now().Add(auth.Current().AccessTTL).UTC().Format(time.RFC3339)
	e := doFetch(NSWorkspace, f.Reply.WorkspaceID, "", accounts.PathRevokeSession, accounts.AccessRequest{FamilyID: f.Reply.FamilyID, ExpiresAt: until})
	e.Resume = resume(f, next)
	return &host.Output{Effects: []host.Effect{e}}
}

// denyFamily adds to out the KV entry that refuses the family at the edge.
func denyFamily(f *flow, out *host.Output) *host.Output {
	ttl := int(auth.Current().AccessTTL / time.Second)
	if ttl < 60 {
		ttl = 60
	}
	out.Effects = append(out.Effects, background(host.Effect{Kind: host.EffectKVPut, Key: auth.DenyKey(f.Reply.FamilyID), Value: "1", TTL: ttl}))
	ForgetVerified() // this isolate stops trusting the family at once
	return out
}

func stepSignoutDone(f *flow, in host.ResumeInput) (*host.Output, error) {
	if err := doResult(in, nil); err != nil {
		return nil, err
	}
	return denyFamily(f, data(f, true)), nil
}

func stepExistsStart(f *flow, _ host.ResumeInput) (*host.Output, error) {
	e := doFetch(NSAccount, accounts.AccountObjectName(f.Email), "", accounts.PathExists, accounts.AccountRequest{})
	e.Resume = resume(f, "exists.done")
	return &host.Output{Effects: []host.Effect{e}}, nil
}

// stepExistsDone answers checkUserExists; isEmailVerified once the address
// was verified with an emailed token.
func stepExistsDone(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccountReply
	if err := doResult(in, &reply); err != nil {
		return nil, err
	}
	return data(f, map[string]any{"exists": reply.Exists, "availableWorkspacesCount": reply.Workspaces, "isEmailVerified": reply.Verified}), nil
}

// stepPublicData answers getPublicWorkspaceDataByDomain: the sign-in
// methods this deployment offers (email and password only).
func stepPublicData(f *flow, _ host.ResumeInput) (*host.Output, error) {
	return data(f, map[string]any{
		"id": f.Workspace, "logo": nil, "displayName": nil,
		"workspaceUrls":       map[string]any{"subdomainUrl": nil, "customUrl": nil},
		"authProviders":       map[string]any{"sso": []any{}, "google": false, "magicLink": false, "password": true, "microsoft": false},
		"authBypassProviders": map[string]any{"google": false, "password": false, "microsoft": false},
	}), nil
}

func stepNewWorkspaceStart(f *flow, _ host.ResumeInput) (*host.Output, error) {
	e := doFetch(NSAccount, "", f.Reply.Account, accounts.PathExists, accounts.AccountRequest{})
	e.Resume = resume(f, "newws.account")
	return &host.Output{Effects: []host.Effect{e}}, nil
}

// stepNewWorkspaceAccount bootstraps a new workspace for the account, then
// goes on as a sign-up does (membership, login token into it).
func stepNewWorkspaceAccount(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccountReply
	if err := doResult(in, &reply); err != nil {
		return nil, err
	}
	if !reply.Exists || reply.UserID != f.Reply.UserID {
		return nil, auth.Errorf(401, auth.CodeUnauthenticated, "Invalid token.")
	}
	now := Now()
	f.Reply.Email, f.Reply.WorkspaceID, f.Reply.MemberID = reply.Email, durable.NewRecordID(now), durable.NewRecordID(now)
	return bootstrap(f), nil
}
