package accounts

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/stream"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/migrations"
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// Entry points of the account object.
var (
	EntryAccountFetch  = "account.fetch"
	EntryAccountOutbox = stream.EntriesOf("account").Step
)

// Account is one account object for the duration of one call.
type Account struct {
	ID    string // the object's id: opaque, carried in tokens as "acct"
	DB    sqldb.DB
	Store *events.SQLStore
	Now   func() time.Time
	// fresh: the storage is empty and was left so (a login naming no
	// account must not create one, nor cost more than a wrong password).
	fresh bool
}

// ValidObjectID reports whether id can be an account object id.
// ^[0-9A-Za-z_-]{8,128}$
func ValidObjectID(id string) bool {
	return domain.Span(id, 8, 128, nil, func(c byte) bool { return domain.IsAlnum(c) || c == '_' || c == '-' })
}

// OpenAccount prepares the account object's storage.
func OpenAccount(id string, db sqldb.DB, now func() time.Time) (*Account, error) {
	a, err := openAccount(id, db, now)
	if err == nil && a.fresh {
		err = a.migrate()
	}
	return a, err
}

// openAccount leaves an empty storage untouched (Serve migrates it when a
// request writes).
func openAccount(id string, db sqldb.DB, now func() time.Time) (*Account, error) {
	if !ValidObjectID(id) {
		return nil, auth.Errorf(400, auth.CodeBadInput, "invalid account object id")
	}
	if now == nil {
		now = time.Now
	}
	a := &Account{ID: id, DB: db, Store: &events.SQLStore{DB: db}, Now: now}
	rows, err := db.Exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'`)
	if err != nil {
		return nil, err
	}
	if a.fresh = len(rows.Values) == 0; !a.fresh {
		err = a.migrate()
	}
	return a, err
}

func (a *Account) migrate() error {
	if err := migrations.ApplyAccount(a.DB); err != nil {
		return err
	}
	a.fresh = false
	return nil
}

// ServeAccount opens the account object for one internal request and
// answers it.
func ServeAccount(id string, db sqldb.DB, now func() time.Time, req *host.Request) (*host.Output, error) {
	a, err := openAccount(id, db, now)
	if err != nil {
		return nil, err
	}
	if a.fresh && req.Path != PathLogin && req.Path != PathExists && !mailPaths[req.Path] {
		if err := a.migrate(); err != nil {
			return nil, err
		}
	}
	return a.Serve(req), nil
}

// Stream returns the account's log as a stream (to D1's users only).
func (a *Account) Stream() *stream.Stream {
	return &stream.Stream{Name: "account", DB: a.DB, Store: a.Store, ID: "account:" + a.ID, D1: stream.EachEvent(projections.AccountD1)}
}

// accountRow is the projection of the account.
type accountRow struct {
	UserID, Email, PasswordHash, WorkspaceID, MemberID string
	Verified                                           bool
}

func (a *Account) account() (*accountRow, error) {
	if a.fresh {
		return nil, nil
	}
	// A deleted account is no account (its row stays, as the log does).
	rows, err := a.DB.Exec(`SELECT user_id, email, password_hash, default_workspace_id, default_member_id, email_verified FROM _account WHERE deleted_at IS NULL LIMIT 1`)
	if err != nil {
		return nil, err
	}
	if len(rows.Values) == 0 {
		return nil, nil
	}
	r := rows.Values[0]
	return &accountRow{sqldb.AsString(r[0]), sqldb.AsString(r[1]), sqldb.AsString(r[2]), sqldb.AsString(r[3]), sqldb.AsString(r[4]), sqldb.AsInt(r[5]) != 0}, nil
}

type membershipRow struct {
	WorkspaceID, MemberID, Role string
}

func (a *Account) memberships() ([]membershipRow, error) {
	rows, err := a.DB.Exec(`SELECT workspace_id, member_id, role FROM _memberships ORDER BY joined_at, workspace_id`)
	if err != nil {
		return nil, err
	}
	out := make([]membershipRow, len(rows.Values))
	for i, r := range rows.Values {
		out[i] = membershipRow{sqldb.AsString(r[0]), sqldb.AsString(r[1]), sqldb.AsString(r[2])}
	}
	return out, nil
}

func (a *Account) membership(ws string) (*membershipRow, error) {
	ms, err := a.memberships()
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.WorkspaceID == ws {
			return &m, nil
		}
	}
	return nil, nil
}

// state returns the account as the rules see it.
func (a *Account) state() (*domain.Account, error) {
	st := &domain.Account{}
	acct, err := a.account()
	if err != nil || acct == nil {
		return st, err
	}
	st.Created = &domain.AccountCreated{UserID: acct.UserID, Email: acct.Email, PasswordHash: acct.PasswordHash, WorkspaceID: acct.WorkspaceID, MemberID: acct.MemberID}
	ms, err := a.memberships()
	for _, m := range ms {
		st.Memberships = append(st.Memberships, domain.MembershipAdded{WorkspaceID: m.WorkspaceID, MemberID: m.MemberID, Role: m.Role})
	}
	return st, err
}

// execute decides cmd and appends its events (if any), projected inline.
func (a *Account) execute(cmd domain.AccountCommand) error {
	st, err := a.state()
	if err != nil {
		return err
	}
	changes, err := domain.DecideAccount(st, cmd)
	if err != nil || len(changes) == 0 {
		return err
	}
	now := a.Now()
	evs, err := stream.Events(changes, now, "system", durable.NewRecordID(now))
	if err != nil {
		return err
	}
	_, err = a.Stream().Append(evs, stream.Apply(projections.AccountInline).Exec(a.DB))
	return err
}

// Rebuild empties the account's projection and re-applies its log.
func (a *Account) Rebuild() (int64, error) {
	for _, t := range projections.AccountTables {
		if _, err := a.DB.Exec("DELETE FROM " + t); err != nil {
			return 0, err
		}
	}
	return events.Replay(a.Store, stream.Apply(projections.AccountInline).Exec(a.DB))
}

// ---- the object's internal API (called by the edge with do.fetch) ----

// TokenJSON is a token as the API returns it ({ token expiresAt }).
type TokenJSON struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expiresAt"`
}

func tokenJSON(is auth.Issued) *TokenJSON {
	return &TokenJSON{Token: is.Token, ExpiresAt: is.ExpiresAt.UTC().Format(projections.TimeLayout)}
}

// AccountReply is the body of a successful account-object answer.
type AccountReply struct {
	UserID       string     `json:"userId,omitempty"`
	Account      string     `json:"account,omitempty"`
	Email        string     `json:"email,omitempty"`
	WorkspaceID  string     `json:"workspaceId,omitempty"`
	MemberID     string     `json:"memberId,omitempty"`
	Role         string     `json:"role,omitempty"`
	Bootstrap    bool       `json:"bootstrap,omitempty"` // the account has no workspace yet: create WorkspaceID first
	LoginToken   *TokenJSON `json:"loginToken,omitempty"`
	AccessToken  *TokenJSON `json:"accessToken,omitempty"`
	RefreshToken *TokenJSON `json:"refreshToken,omitempty"`
	FamilyID     string     `json:"familyId,omitempty"`
	Exists       bool       `json:"exists,omitempty"`      // PathExists
	Workspaces   int        `json:"workspaces,omitempty"`  // PathExists: memberships
	Verified     bool       `json:"verified,omitempty"`    // PathExists: the address is verified
	MailToken    string     `json:"mailToken,omitempty"`   // PathMailToken: the token to email (none: send nothing)
	Sessions     []Session  `json:"sessions,omitempty"`    // sessions a password change or deletion revoked
	Memberships  []string   `json:"memberships,omitempty"` // PathExists: the workspaces
}

// Session names one session (refresh family) and its workspace.
type Session struct {
	FamilyID    string `json:"familyId"`
	WorkspaceID string `json:"workspaceId"`
}

// AccountRequest is the body of a request to the account object. Only the
// fields an operation names are read.
type AccountRequest struct {
	Email       string `json:"email,omitempty"`
	Password    string `json:"password,omitempty"`
	WorkspaceID string `json:"workspaceId,omitempty"`
	MemberID    string `json:"memberId,omitempty"`
	Role        string `json:"role,omitempty"`
	IssueLogin  bool   `json:"issueLoginToken,omitempty"`
	TokenID     string `json:"tokenId,omitempty"`
	ExpiresAt   string `json:"expiresAt,omitempty"`
	Token       string `json:"token,omitempty"`
	FamilyID    string `json:"familyId,omitempty"`
	Kind        string `json:"kind,omitempty"`    // mail token kind (MailReset, MailVerify)
	Deleted     bool   `json:"deleted,omitempty"` // PathMembershipRemove: the workspace was deleted
	// AllowExisting (sign-up with an invitation): an existing account with
	// this password answers like a new one, so that it can join.
	AllowExisting bool `json:"allowExisting,omitempty"`
}

// Account object paths.
const (
	PathSignup           = "/signup"
	PathLogin            = "/login"
	PathMembershipAdd    = "/membership/add"
	PathMembershipRole   = "/membership/role"
	PathMembershipRemove = "/membership/remove"
	PathSessionStart     = "/session/start"
	PathSessionRotate    = "/session/rotate"
	PathSessionRevoke    = "/session/revoke"
	PathExists           = "/exists"     // whether the account exists, and in how many workspaces (stores nothing)
	PathMailToken        = "/mail/token" // a new emailed token (nothing for an unknown account)
	PathMailCheck        = "/mail/check" // whether a token is good (validatePasswordResetToken)
	PathMailUse          = "/mail/use"   // spends a token: a new password, or a verified address and a login
	PathDelete           = "/delete"     // deleteUser, once the account left its workspaces
)

var mailPaths = map[string]bool{PathMailToken: true, PathMailCheck: true, PathMailUse: true}

// MinPasswordBytes is the shortest password sign-up accepts.
const MinPasswordBytes = 8

// Serve answers one internal request to the account object. A refusal
// rolls the call back, except a refresh-token reuse (its revocation must
// stay).
func (a *Account) Serve(req *host.Request) *host.Output {
	var in AccountRequest
	if err := json.Unmarshal([]byte(req.Body), &in); err != nil || req.Method != "POST" {
		return &host.Output{Response: auth.Respond(auth.Errorf(400, auth.CodeBadInput, "bad internal request")), Rollback: true}
	}
	var head int64
	if !a.fresh {
		head, _ = a.Store.Head()
	}
	reply, status, err := a.serve(req.Path, &in)
	if err != nil {
		// A refusal that must leave its trace (a counted login failure, a
		// family revoked after a refresh token's reuse) is committed.
		_, keep := err.(committed)
		return &host.Output{Response: auth.Respond(err), Rollback: !keep}
	}
	out := &host.Output{Response: host.JSONResponse(status, reply)}
	if now, _ := a.Store.Head(); !a.fresh && now > head {
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectFlush})
	}
	return out
}

func (a *Account) serve(path string, in *AccountRequest) (*AccountReply, int, error) {
	cfg := auth.Current()
	if cfg.Keys == nil {
		return nil, 0, auth.Errorf(503, auth.CodeUnavailable, "authentication is not configured: %s", cfg.KeyError)
	}
	now := a.Now()
	acct, err := a.account()
	if err != nil {
		return nil, 0, err
	}
	switch path {
	case PathSignup:
		if acct != nil && in.AllowExisting {
			if err := a.checkPassword(cfg, acct, in.Password, now); err != nil {
				return nil, 0, err
			}
			return &AccountReply{UserID: acct.UserID, Account: a.ID, Email: acct.Email}, 200, nil
		}
		return a.signup(acct, in, now)
	case PathLogin:
		return a.login(cfg, acct, in, now)
	case PathExists:
		if acct == nil {
			return &AccountReply{}, 200, nil
		}
		ms, err := a.memberships()
		if err != nil {
			return nil, 0, err
		}
		reply := &AccountReply{Exists: true, Workspaces: len(ms), UserID: acct.UserID, Email: acct.Email, Account: a.ID, Verified: acct.Verified}
		for _, m := range ms {
			reply.Memberships = append(reply.Memberships, m.WorkspaceID)
		}
		return reply, 200, nil
	case PathMailToken:
		return a.mailToken(acct, in.Kind, now)
	case PathMailCheck, PathMailUse:
		return a.useMailToken(cfg, acct, path == PathMailUse, in, now)
	}
	if acct == nil {
		return nil, 0, auth.Errorf(401, auth.CodeUnauthenticated, "Invalid token.")
	}
	switch path {
	case PathMembershipAdd:
		role, _ := domain.ParseRole(in.Role)
		if err := a.execute(domain.AddMembership{WorkspaceID: in.WorkspaceID, MemberID: in.MemberID, Role: role}); err != nil {
			return nil, 0, err
		}
		reply := &AccountReply{UserID: acct.UserID, Account: a.ID, Email: acct.Email, WorkspaceID: in.WorkspaceID, MemberID: in.MemberID, Role: role}
		if in.IssueLogin {
			if reply.LoginToken, err = a.loginToken(cfg, acct.UserID, in.WorkspaceID, now); err != nil {
				return nil, 0, err
			}
		}
		return reply, 200, nil
	case PathMembershipRole:
		if err := a.execute(domain.ChangeMembership{WorkspaceID: in.WorkspaceID, Role: in.Role}); err != nil {
			return nil, 0, err
		}
		role, _ := domain.ParseRole(in.Role)
		return &AccountReply{WorkspaceID: in.WorkspaceID, Role: role}, 200, nil
	case PathMembershipRemove:
		if err := a.execute(domain.RemoveMembership{WorkspaceID: in.WorkspaceID}); err != nil {
			return nil, 0, err
		}
		if _, err := a.DB.Exec(`UPDATE _sessions SET revoked = 1 WHERE workspace_id = ?`, in.WorkspaceID); err != nil {
			return nil, 0, err
		}
		if in.Deleted && in.WorkspaceID == acct.WorkspaceID {
			// The account's own workspace is gone: reserve another.
			if err := a.execute(domain.ReserveWorkspace{WorkspaceID: durable.NewRecordID(now), MemberID: durable.NewRecordID(now)}); err != nil {
				return nil, 0, err
			}
		}
		return &AccountReply{WorkspaceID: in.WorkspaceID}, 200, nil
	case PathDelete:
		ms, err := a.memberships()
		if err != nil {
			return nil, 0, err
		}
		for _, m := range ms {
			if err := a.execute(domain.RemoveMembership{WorkspaceID: m.WorkspaceID}); err != nil {
				return nil, 0, err
			}
		}
		if err := a.execute(domain.DeleteAccount{}); err != nil {
			return nil, 0, err
		}
		sessions, err := a.revokeSessions(now)
		return &AccountReply{UserID: acct.UserID, Sessions: sessions}, 200, err
	case PathSessionStart:
		return a.startSession(cfg, acct, in, now)
	case PathSessionRotate:
		return a.rotate(cfg, acct, in, now)
	case PathSessionRevoke:
		if in.FamilyID == "" {
			return nil, 0, auth.Errorf(400, auth.CodeBadInput, "familyId is required")
		}
		if err := (&refreshStore{a.DB}).RevokeFamily(in.FamilyID); err != nil {
			return nil, 0, err
		}
		return &AccountReply{FamilyID: in.FamilyID}, 200, nil
	}
	return nil, 0, auth.Errorf(404, auth.CodeNotFound, "no account route %s", path)
}

func (a *Account) signup(acct *accountRow, in *AccountRequest, now time.Time) (*AccountReply, int, error) {
	email, err := auth.NormalizeEmail(in.Email)
	if err != nil {
		return nil, 0, err
	}
	if len(in.Password) < MinPasswordBytes {
		return nil, 0, auth.Errorf(400, auth.CodeBadInput, "password must be at least %d characters", MinPasswordBytes)
	}
	if len(in.Password) > auth.MaxPasswordBytes {
		return nil, 0, auth.Errorf(400, auth.CodeBadInput, "password must be at most %d bytes", auth.MaxPasswordBytes)
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return nil, 0, auth.Errorf(400, auth.CodeBadInput, "password is not acceptable")
	}
	p := domain.CreateAccount{UserID: durable.NewRecordID(now), Email: email, PasswordHash: hash,
		WorkspaceID: durable.NewRecordID(now), MemberID: durable.NewRecordID(now)}
	if err := a.execute(p); err != nil {
		return nil, 0, err
	}
	return &AccountReply{UserID: p.UserID, Account: a.ID, Email: email, WorkspaceID: p.WorkspaceID, MemberID: p.MemberID, Role: domain.RoleAdmin}, 201, nil
}

// login checks a password. An unknown account and a wrong password give
// the same answer after the same work (a verification against a dummy hash
// of the same cost), and both count against the account's throttle.
func (a *Account) login(cfg *auth.Config, acct *accountRow, in *AccountRequest, now time.Time) (*AccountReply, int, error) {
	if err := a.checkPassword(cfg, acct, in.Password, now); err != nil {
		return nil, 0, err
	}
	return a.loginReply(cfg, acct, in, now)
}

// loginReply answers a login whose credentials were checked: a login token
// into the requested workspace, else the account's own.
func (a *Account) loginReply(cfg *auth.Config, acct *accountRow, in *AccountRequest, now time.Time) (*AccountReply, int, error) {
	ms, err := a.memberships()
	if err != nil {
		return nil, 0, err
	}
	reply := &AccountReply{UserID: acct.UserID, Account: a.ID, Email: acct.Email}
	if len(ms) == 0 {
		// Sign-up stopped before its workspace existed: the edge creates
		// the reserved one, then asks again.
		reply.Bootstrap, reply.WorkspaceID, reply.MemberID, reply.Role = true, acct.WorkspaceID, acct.MemberID, domain.RoleAdmin
		return reply, 200, nil
	}
	m := ms[0]
	for _, x := range ms {
		if x.WorkspaceID == acct.WorkspaceID {
			m = x
		}
	}
	if in.WorkspaceID != "" {
		found := false
		for _, x := range ms {
			if x.WorkspaceID == in.WorkspaceID {
				m, found = x, true
			}
		}
		if !found {
			return nil, 0, auth.Errorf(403, auth.CodeForbidden, "You are not a member of this workspace.")
		}
	}
	reply.WorkspaceID, reply.MemberID, reply.Role = m.WorkspaceID, m.MemberID, m.Role
	if reply.LoginToken, err = a.loginToken(cfg, acct.UserID, m.WorkspaceID, now); err != nil {
		return nil, 0, err
	}
	return reply, 200, nil
}

// checkPassword verifies a password under the account's throttle; acct nil
// (no such account) fails the same way after the same work.
//
// An existing account's failures are kept in its own storage (_state), so
// the throttle survives the object's eviction: a woken object starts with
// a fresh Go memory, and a throttle kept only there would give an attacker
// FreeFailures new guesses after every idle spell. A refusal that counted a
// failure is committed (the shell would otherwise roll the count back). An
// unknown email's object stores nothing (a login creates nothing), so its
// failures are counted in the isolate's memory (Config.Throttle) only.
func (a *Account) checkPassword(cfg *auth.Config, acct *accountRow, password string, now time.Time) error {
	if acct == nil {
		key := "acct:" + a.ID
		if wait, ok := cfg.Throttle.Check(key, now); !ok {
			return auth.TooManyLogins(wait)
		}
		_, _ = auth.VerifyPassword(dummyHash, password) // the same work as a real check
		cfg.Throttle.Fail(key, now)
		return auth.InvalidCredentials()
	}
	policy := cfg.Throttle.Config()
	lt, err := a.loginFailures(policy, now)
	if err != nil {
		return err
	}
	if now.Before(lt.until) {
		return auth.TooManyLogins(lt.until.Sub(now))
	}
	ok, err := auth.VerifyPassword(acct.PasswordHash, password)
	if err != nil || !ok {
		if err := a.saveLoginFailures(lt.fail(policy, now)); err != nil {
			return err
		}
		return committed{auth.InvalidCredentials()}
	}
	if lt.failures > 0 {
		if err := a.saveLoginFailures(loginThrottle{}); err != nil {
			return err
		}
	}
	if auth.NeedsRehash(acct.PasswordHash, auth.DefaultParams) {
		if h, err := auth.HashPassword(password); err == nil {
			if err := a.execute(domain.RehashPassword{PasswordHash: h}); err != nil {
				return err
			}
		}
	}
	return nil
}

// loginThrottle is an account's record of failed logins, kept in _state
// (login_failures, login_last_ms, login_until_ms) under auth.Throttle's
// policy: past FreeFailures the account is refused for BaseDelay, doubling
// up to MaxDelay; a record idle for ForgetAfter starts over.
type loginThrottle struct {
	failures    int64
	last, until time.Time
}

func (a *Account) loginFailures(p auth.ThrottleConfig, now time.Time) (loginThrottle, error) {
	rows, err := a.DB.Exec(`SELECT key, value FROM _state WHERE key IN ('login_failures', 'login_last_ms', 'login_until_ms')`)
	if err != nil {
		return loginThrottle{}, err
	}
	var lt loginThrottle
	for _, r := range rows.Values {
		v := sqldb.AsInt(r[1])
		switch sqldb.AsString(r[0]) {
		case "login_failures":
			lt.failures = v
		case "login_last_ms":
			lt.last = time.UnixMilli(v)
		case "login_until_ms":
			if v != 0 {
				lt.until = time.UnixMilli(v)
			}
		}
	}
	if lt.failures > 0 && !now.Before(lt.until) && now.Sub(lt.last) >= p.ForgetAfter {
		lt = loginThrottle{} // stale: starts over
	}
	return lt, nil
}

// fail is lt after one more failure at now.
func (lt loginThrottle) fail(p auth.ThrottleConfig, now time.Time) loginThrottle {
	lt.failures++
	lt.last = now
	if over := lt.failures - int64(p.FreeFailures); over > 0 {
		d := p.BaseDelay
		for i := int64(1); i < over && d < p.MaxDelay; i++ {
			d *= 2
		}
		if until := now.Add(min(d, p.MaxDelay)); until.After(lt.until) {
			lt.until = until
		}
	}
	return lt
}

func (a *Account) saveLoginFailures(lt loginThrottle) error {
	if lt.failures == 0 {
		_, err := a.DB.Exec(`DELETE FROM _state WHERE key IN ('login_failures', 'login_last_ms', 'login_until_ms')`)
		return err
	}
	var until int64 // 0: not refused yet
	if !lt.until.IsZero() {
		until = lt.until.Add(time.Millisecond - 1).UnixMilli() // rounded up: never a shorter wait
	}
	_, err := a.DB.Exec(`INSERT INTO _state (key, value) VALUES ('login_failures', ?), ('login_last_ms', ?), ('login_until_ms', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, lt.failures, lt.last.UnixMilli(), until)
	return err
}

func (a *Account) loginToken(cfg *auth.Config, userID, ws string, now time.Time) (*TokenJSON, error) {
	is, err := cfg.Keys.Issue(auth.Claims{Type: auth.TokenLogin, UserID: userID, WorkspaceID: ws, Account: a.ID}, auth.LoginTokenTTL, now)
	if err != nil {
		return nil, err
	}
	return tokenJSON(is), nil
}

// startSession exchanges a login token (verified by the edge; its id and
// expiry passed in) for a session, once.
func (a *Account) startSession(cfg *auth.Config, acct *accountRow, in *AccountRequest, now time.Time) (*AccountReply, int, error) {
	if in.TokenID == "" || in.WorkspaceID == "" {
		return nil, 0, auth.Errorf(400, auth.CodeBadInput, "tokenId and workspaceId are required")
	}
	if _, err := a.DB.Exec(`DELETE FROM _login_tokens_used WHERE expires_at < ?`, now.UTC().Format(time.RFC3339)); err != nil {
		return nil, 0, err
	}
	if _, err := a.DB.Exec(`DELETE FROM _sessions WHERE expires_at < ?`, now.UTC().Format(time.RFC3339)); err != nil {
		return nil, 0, err
	}
	used, err := a.DB.Exec(`SELECT 1 FROM _login_tokens_used WHERE token_id = ?`, in.TokenID)
	if err != nil {
		return nil, 0, err
	}
	if len(used.Values) > 0 {
		return nil, 0, auth.Errorf(401, auth.CodeUnauthenticated, "This login token has already been used.")
	}
	if _, err := a.DB.Exec(`INSERT INTO _login_tokens_used (token_id, expires_at) VALUES (?, ?)`, in.TokenID, in.ExpiresAt); err != nil {
		return nil, 0, err
	}
	m, err := a.membership(in.WorkspaceID)
	if err != nil {
		return nil, 0, err
	}
	if m == nil {
		return nil, 0, auth.Errorf(401, auth.CodeUnauthenticated, "You are not a member of this workspace.")
	}
	refresh, access, err := cfg.Sessions.Start(&refreshStore{a.DB}, auth.Claims{UserID: acct.UserID, WorkspaceID: m.WorkspaceID, WorkspaceMemberID: m.MemberID, Account: a.ID}, now)
	if err != nil {
		return nil, 0, err
	}
	return &AccountReply{UserID: acct.UserID, Account: a.ID, WorkspaceID: m.WorkspaceID, MemberID: m.MemberID, Role: m.Role,
		AccessToken: tokenJSON(access), RefreshToken: tokenJSON(refresh), FamilyID: refresh.Claims.FamilyID}, 200, nil
}

// rotate renews a session (renewToken): one use per refresh token; a second
// use revokes the family (and is committed).
func (a *Account) rotate(cfg *auth.Config, acct *accountRow, in *AccountRequest, now time.Time) (*AccountReply, int, error) {
	store := &refreshStore{a.DB}
	c, err := cfg.Cache.Verify(in.Token, auth.TokenRefresh, now)
	if err != nil {
		return nil, 0, err
	}
	if m, err := a.membership(c.WorkspaceID); err != nil {
		return nil, 0, err
	} else if m == nil || m.MemberID != c.WorkspaceMemberID {
		return nil, 0, auth.Errorf(401, auth.CodeUnauthenticated, "You are no longer a member of this workspace.")
	}
	refresh, access, err := cfg.Sessions.Rotate(store, in.Token, now)
	if err != nil {
		if errors.Is(err, auth.ErrTokenReused) {
			// The edge revokes the family's access tokens in the workspace
			// too (they carry the family) when it sees this code.
			return nil, 0, committed{auth.Errorf(401, auth.CodeTokenReused, "Invalid token.")}
		}
		return nil, 0, err
	}
	return &AccountReply{UserID: acct.UserID, Account: a.ID, WorkspaceID: c.WorkspaceID, MemberID: c.WorkspaceMemberID,
		AccessToken: tokenJSON(access), RefreshToken: tokenJSON(refresh), FamilyID: refresh.Claims.FamilyID}, 200, nil
}

// committed is a refusal whose writes the object keeps.
type committed struct{ err *auth.Error }

func (c committed) Error() string { return c.err.Error() }
func (c committed) Unwrap() error { return c.err }

// refreshStore is auth.RefreshStore over the object's _sessions table.
type refreshStore struct{ db sqldb.DB }

var _ auth.RefreshStore = (*refreshStore)(nil)

func (s *refreshStore) Get(id string) (auth.RefreshRecord, bool, error) {
	rows, err := s.db.Exec(`SELECT token_id, family_id, user_id, workspace_id, used, revoked, expires_at FROM _sessions WHERE token_id = ?`, id)
	if err != nil || len(rows.Values) == 0 {
		return auth.RefreshRecord{}, false, err
	}
	r := rows.Values[0]
	exp, err := time.Parse(time.RFC3339, sqldb.AsString(r[6]))
	if err != nil {
		return auth.RefreshRecord{}, false, err
	}
	return auth.RefreshRecord{TokenID: sqldb.AsString(r[0]), FamilyID: sqldb.AsString(r[1]), UserID: sqldb.AsString(r[2]),
		WorkspaceID: sqldb.AsString(r[3]), Used: sqldb.AsInt(r[4]) != 0, Revoked: sqldb.AsInt(r[5]) != 0, ExpiresAt: exp.UTC()}, true, nil
}

func (s *refreshStore) Put(rec auth.RefreshRecord) error {
	if rec.TokenID == "" {
		return fmt.Errorf("accounts: refresh record without token id")
	}
	_, err := s.db.Exec(`INSERT INTO _sessions (token_id, family_id, user_id, workspace_id, used, revoked, expires_at) VALUES (?,?,?,?,?,?,?)
		ON CONFLICT(token_id) DO UPDATE SET family_id = excluded.family_id, user_id = excluded.user_id, workspace_id = excluded.workspace_id,
		used = excluded.used, revoked = excluded.revoked, expires_at = excluded.expires_at`,
		rec.TokenID, rec.FamilyID, rec.UserID, rec.WorkspaceID, rec.Used, rec.Revoked, rec.ExpiresAt.UTC().Format(time.RFC3339))
	return err
}

func (s *refreshStore) RevokeFamily(family string) error {
	_, err := s.db.Exec(`UPDATE _sessions SET revoked = 1 WHERE family_id = ?`, family)
	return err
}
