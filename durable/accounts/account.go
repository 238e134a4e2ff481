package accounts

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"edgecrm/auth"
	"edgecrm/durable"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/migrations"
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// Entry points of the account object.
const (
	EntryAccountFetch      = "account.fetch"
	EntryAccountOutbox     = "account.outbox"
	EntryAccountOutboxD1   = "account.outbox.d1"
	EntryAccountOutboxDone = "account.outbox.d1done"
)

// Account events (the account object's log).
const (
	EventAccountCreated        = "account.created"
	EventPasswordRehashed      = "account.passwordRehashed"
	EventMembershipAdded       = "account.membershipAdded"
	EventMembershipRoleChanged = "account.membershipRoleChanged"
	EventMembershipRemoved     = "account.membershipRemoved"
)

// AccountCreated: a user signed up. WorkspaceID and MemberID are reserved
// for the user's own workspace (created by the sign-up flow, or later by a
// login that finds the account without any workspace).
type AccountCreated struct {
	UserID       string `msgpack:"userId"`
	Email        string `msgpack:"email"`
	PasswordHash string `msgpack:"passwordHash"` // argon2id PHC string; the log stays in the object
	WorkspaceID  string `msgpack:"workspaceId"`
	MemberID     string `msgpack:"memberId"`
}

// PasswordRehashed: a login re-hashed the password with current parameters.
type PasswordRehashed struct {
	PasswordHash string `msgpack:"passwordHash"`
}

// MembershipAdded: the user joined a workspace.
type MembershipAdded struct {
	WorkspaceID string `msgpack:"workspaceId"`
	MemberID    string `msgpack:"memberId"`
	Role        string `msgpack:"role"`
}

// MembershipRoleChanged: the user's role in a workspace changed.
type MembershipRoleChanged struct {
	WorkspaceID string `msgpack:"workspaceId"`
	Role        string `msgpack:"role"`
}

// MembershipRemoved: the user left (or was removed from) a workspace.
type MembershipRemoved struct {
	WorkspaceID string `msgpack:"workspaceId"`
}

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

var objectIDRE = regexp.MustCompile(`^[0-9A-Za-z_-]{8,128}$`)

// ValidObjectID reports whether id can be an account object id.
func ValidObjectID(id string) bool { return objectIDRE.MatchString(id) }

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
		return nil, Errorf(400, CodeBadInput, "invalid account object id")
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
	if a.fresh && req.Path != PathLogin {
		if err := a.migrate(); err != nil {
			return nil, err
		}
	}
	return a.Serve(req), nil
}

func (a *Account) stream() *stream {
	return &stream{db: a.DB, store: a.Store, key: "account:" + a.ID, stateKey: "d1_seq",
		entries: outboxEntries{EntryAccountOutbox, EntryAccountOutboxD1, EntryAccountOutboxDone},
		d1:      accountD1}
}

// OutboxStep, OutboxCheckpoint and OutboxDone move the account's D1
// projection (users) forward.
func (a *Account) OutboxStep() (*host.Output, error) { return a.stream().Step() }
func (a *Account) OutboxCheckpoint(in host.ResumeInput) (*host.Output, error) {
	return a.stream().Checkpoint(in)
}
func (a *Account) OutboxDone(in host.ResumeInput) (*host.Output, error) {
	return a.stream().Done(in)
}

// accountRow is the projection of the account.
type accountRow struct {
	UserID, Email, PasswordHash, WorkspaceID, MemberID string
}

func (a *Account) account() (*accountRow, error) {
	if a.fresh {
		return nil, nil
	}
	rows, err := a.DB.Exec(`SELECT user_id, email, password_hash, default_workspace_id, default_member_id FROM _account LIMIT 1`)
	if err != nil {
		return nil, err
	}
	if len(rows.Values) == 0 {
		return nil, nil
	}
	r := rows.Values[0]
	return &accountRow{sqldb.AsString(r[0]), sqldb.AsString(r[1]), sqldb.AsString(r[2]), sqldb.AsString(r[3]), sqldb.AsString(r[4])}, nil
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

// append appends one event and projects it inline.
func (a *Account) append(typ string, payload any) error {
	ev, err := events.New(typ, 1, a.Now(), "system", durable.NewRecordID(a.Now()), payload)
	if err != nil {
		return err
	}
	evs, err := a.Store.Append([]events.Event{ev})
	if err != nil {
		return err
	}
	stmts, err := accountInline(evs[0])
	if err != nil {
		return err
	}
	return sqldb.ExecAll(a.DB, stmts)
}

func at(ev events.Event) string { return ev.Time.UTC().Format(projections.TimeLayout) }

// accountInline projects an account event into the object's own tables.
func accountInline(ev events.Event) ([]host.Statement, error) {
	switch ev.Type {
	case EventAccountCreated:
		var p AccountCreated
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return []host.Statement{{SQL: `INSERT INTO _account (user_id, email, password_hash, default_workspace_id, default_member_id, created_at) VALUES (?,?,?,?,?,?)`,
			Args: []any{p.UserID, p.Email, p.PasswordHash, p.WorkspaceID, p.MemberID, at(ev)}}}, nil
	case EventPasswordRehashed:
		var p PasswordRehashed
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return []host.Statement{{SQL: `UPDATE _account SET password_hash = ?`, Args: []any{p.PasswordHash}}}, nil
	case EventMembershipAdded:
		var p MembershipAdded
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return []host.Statement{{SQL: `INSERT INTO _memberships (workspace_id, member_id, role, joined_at) VALUES (?,?,?,?) ON CONFLICT(workspace_id) DO UPDATE SET member_id = excluded.member_id, role = excluded.role`,
			Args: []any{p.WorkspaceID, p.MemberID, p.Role, at(ev)}}}, nil
	case EventMembershipRoleChanged:
		var p MembershipRoleChanged
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return []host.Statement{{SQL: `UPDATE _memberships SET role = ? WHERE workspace_id = ?`, Args: []any{p.Role, p.WorkspaceID}}}, nil
	case EventMembershipRemoved:
		var p MembershipRemoved
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return []host.Statement{{SQL: `DELETE FROM _memberships WHERE workspace_id = ?`, Args: []any{p.WorkspaceID}}}, nil
	}
	return nil, fmt.Errorf("accounts: unknown account event %q", ev.Type)
}

// accountD1 projects an account event into D1 (users; memberships come from
// the workspace's side).
func accountD1(ev events.Event) ([]host.Statement, error) {
	if ev.Type != EventAccountCreated {
		return nil, nil
	}
	var p AccountCreated
	if err := ev.Decode(&p); err != nil {
		return nil, err
	}
	return []host.Statement{{SQL: `INSERT INTO users (id, email, created_at) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET email = excluded.email`,
		Args: []any{p.UserID, p.Email, at(ev)}}}, nil
}

// RebuildAccount empties the account's projection and re-applies its log.
func (a *Account) Rebuild() (int64, error) {
	for _, t := range []string{"_account", "_memberships"} {
		if _, err := a.DB.Exec("DELETE FROM " + t); err != nil {
			return 0, err
		}
	}
	var last int64
	for {
		evs, err := a.Store.ReadFrom(last, 500)
		if err != nil || len(evs) == 0 {
			return last, err
		}
		for _, ev := range evs {
			st, err := accountInline(ev)
			if err != nil {
				return 0, err
			}
			if err := sqldb.ExecAll(a.DB, st); err != nil {
				return 0, err
			}
			last = ev.Seq
		}
	}
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
)

// MinPasswordBytes is the shortest password sign-up accepts.
const MinPasswordBytes = 8

// Serve answers one internal request to the account object. A refusal
// rolls the call back, except a refresh-token reuse (its revocation must
// stay).
func (a *Account) Serve(req *host.Request) *host.Output {
	var in AccountRequest
	if err := json.Unmarshal([]byte(req.Body), &in); err != nil || req.Method != "POST" {
		return &host.Output{Response: Respond(Errorf(400, CodeBadInput, "bad internal request")), Rollback: true}
	}
	var head int64
	if !a.fresh {
		head, _ = a.Store.Head()
	}
	reply, status, err := a.serve(req.Path, &in)
	if err != nil {
		e := AsError(err)
		keep := e.commit // a refusal that must leave its trace (a counted login failure)
		if e.Code == "token_reused" {
			keep = true
			e = Errorf(401, CodeUnauthenticated, "Invalid token.")
		}
		return &host.Output{Response: Respond(e), Rollback: !keep}
	}
	out := &host.Output{Response: host.JSONResponse(status, reply)}
	if now, _ := a.Store.Head(); !a.fresh && now > head {
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectFlush})
	}
	return out
}

func (a *Account) serve(path string, in *AccountRequest) (*AccountReply, int, error) {
	cfg := Current()
	if cfg.Keys == nil {
		return nil, 0, Errorf(503, CodeUnavailable, "authentication is not configured: %s", cfg.KeyError)
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
	}
	if acct == nil {
		return nil, 0, Errorf(401, CodeUnauthenticated, "Invalid token.")
	}
	switch path {
	case PathMembershipAdd:
		role, ok := ParseRole(in.Role)
		if !ok || in.WorkspaceID == "" || in.MemberID == "" {
			return nil, 0, Errorf(400, CodeBadInput, "workspaceId, memberId and role are required")
		}
		m, err := a.membership(in.WorkspaceID)
		if err != nil {
			return nil, 0, err
		}
		if m == nil || m.MemberID != in.MemberID || m.Role != role {
			if err := a.append(EventMembershipAdded, MembershipAdded{WorkspaceID: in.WorkspaceID, MemberID: in.MemberID, Role: role}); err != nil {
				return nil, 0, err
			}
		}
		reply := &AccountReply{UserID: acct.UserID, Account: a.ID, Email: acct.Email, WorkspaceID: in.WorkspaceID, MemberID: in.MemberID, Role: role}
		if in.IssueLogin {
			if reply.LoginToken, err = a.loginToken(cfg, acct.UserID, in.WorkspaceID, now); err != nil {
				return nil, 0, err
			}
		}
		return reply, 200, nil
	case PathMembershipRole:
		role, ok := ParseRole(in.Role)
		if !ok {
			return nil, 0, Errorf(400, CodeBadInput, "unknown role")
		}
		if m, err := a.membership(in.WorkspaceID); err != nil {
			return nil, 0, err
		} else if m != nil && m.Role != role {
			if err := a.append(EventMembershipRoleChanged, MembershipRoleChanged{WorkspaceID: in.WorkspaceID, Role: role}); err != nil {
				return nil, 0, err
			}
		}
		return &AccountReply{WorkspaceID: in.WorkspaceID, Role: role}, 200, nil
	case PathMembershipRemove:
		if m, err := a.membership(in.WorkspaceID); err != nil {
			return nil, 0, err
		} else if m != nil {
			if err := a.append(EventMembershipRemoved, MembershipRemoved{WorkspaceID: in.WorkspaceID}); err != nil {
				return nil, 0, err
			}
		}
		if _, err := a.DB.Exec(`UPDATE _sessions SET revoked = 1 WHERE workspace_id = ?`, in.WorkspaceID); err != nil {
			return nil, 0, err
		}
		return &AccountReply{WorkspaceID: in.WorkspaceID}, 200, nil
	case PathSessionStart:
		return a.startSession(cfg, acct, in, now)
	case PathSessionRotate:
		return a.rotate(cfg, acct, in, now)
	case PathSessionRevoke:
		if in.FamilyID == "" {
			return nil, 0, Errorf(400, CodeBadInput, "familyId is required")
		}
		if err := (&refreshStore{a.DB}).RevokeFamily(in.FamilyID); err != nil {
			return nil, 0, err
		}
		return &AccountReply{FamilyID: in.FamilyID}, 200, nil
	}
	return nil, 0, Errorf(404, CodeNotFound, "no account route %s", path)
}

func (a *Account) signup(acct *accountRow, in *AccountRequest, now time.Time) (*AccountReply, int, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return nil, 0, err
	}
	if acct != nil {
		return nil, 0, Errorf(409, CodeConflict, "This email is already registered: log in instead.")
	}
	if len(in.Password) < MinPasswordBytes {
		return nil, 0, Errorf(400, CodeBadInput, "password must be at least %d characters", MinPasswordBytes)
	}
	if len(in.Password) > auth.MaxPasswordBytes {
		return nil, 0, Errorf(400, CodeBadInput, "password must be at most %d bytes", auth.MaxPasswordBytes)
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return nil, 0, Errorf(400, CodeBadInput, "password is not acceptable")
	}
	p := AccountCreated{UserID: durable.NewRecordID(now), Email: email, PasswordHash: hash,
		WorkspaceID: durable.NewRecordID(now), MemberID: durable.NewRecordID(now)}
	if err := a.append(EventAccountCreated, p); err != nil {
		return nil, 0, err
	}
	return &AccountReply{UserID: p.UserID, Account: a.ID, Email: email, WorkspaceID: p.WorkspaceID, MemberID: p.MemberID, Role: RoleAdmin}, 201, nil
}

// login checks a password. An unknown account and a wrong password give
// the same answer after the same work (a verification against a dummy hash
// of the same cost), and both count against the account's throttle.
func (a *Account) login(cfg *Config, acct *accountRow, in *AccountRequest, now time.Time) (*AccountReply, int, error) {
	if err := a.checkPassword(cfg, acct, in.Password, now); err != nil {
		return nil, 0, err
	}
	ms, err := a.memberships()
	if err != nil {
		return nil, 0, err
	}
	reply := &AccountReply{UserID: acct.UserID, Account: a.ID, Email: acct.Email}
	if len(ms) == 0 {
		// Sign-up stopped before its workspace existed: the edge creates
		// the reserved one, then asks again.
		reply.Bootstrap, reply.WorkspaceID, reply.MemberID, reply.Role = true, acct.WorkspaceID, acct.MemberID, RoleAdmin
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
			return nil, 0, Errorf(403, CodeForbidden, "You are not a member of this workspace.")
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
func (a *Account) checkPassword(cfg *Config, acct *accountRow, password string, now time.Time) error {
	if acct == nil {
		key := "acct:" + a.ID
		if wait, ok := cfg.Throttle.Check(key, now); !ok {
			return tooManyLogins(wait)
		}
		_, _ = auth.VerifyPassword(dummyHash, password) // the same work as a real check
		cfg.Throttle.Fail(key, now)
		return InvalidCredentials()
	}
	policy := cfg.Throttle.Config()
	lt, err := a.loginFailures(policy, now)
	if err != nil {
		return err
	}
	if now.Before(lt.until) {
		return tooManyLogins(lt.until.Sub(now))
	}
	ok, err := auth.VerifyPassword(acct.PasswordHash, password)
	if err != nil || !ok {
		if err := a.saveLoginFailures(lt.fail(policy, now)); err != nil {
			return err
		}
		e := InvalidCredentials()
		e.commit = true
		return e
	}
	if lt.failures > 0 {
		if err := a.saveLoginFailures(loginThrottle{}); err != nil {
			return err
		}
	}
	if auth.NeedsRehash(acct.PasswordHash, auth.DefaultParams) {
		if h, err := auth.HashPassword(password); err == nil {
			if err := a.append(EventPasswordRehashed, PasswordRehashed{PasswordHash: h}); err != nil {
				return err
			}
		}
	}
	return nil
}

func tooManyLogins(wait time.Duration) *Error {
	e := Errorf(429, CodeRateLimited, "Too many failed logins: try again later.")
	e.RetryAfter = int(wait/time.Second) + 1
	return e
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

func (a *Account) loginToken(cfg *Config, userID, ws string, now time.Time) (*TokenJSON, error) {
	is, err := cfg.Keys.Issue(auth.Claims{Type: auth.TokenLogin, UserID: userID, WorkspaceID: ws, Account: a.ID}, LoginTokenTTL, now)
	if err != nil {
		return nil, err
	}
	return tokenJSON(is), nil
}

// startSession exchanges a login token (verified by the edge; its id and
// expiry passed in) for a session, once.
func (a *Account) startSession(cfg *Config, acct *accountRow, in *AccountRequest, now time.Time) (*AccountReply, int, error) {
	if in.TokenID == "" || in.WorkspaceID == "" {
		return nil, 0, Errorf(400, CodeBadInput, "tokenId and workspaceId are required")
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
		return nil, 0, Errorf(401, CodeUnauthenticated, "This login token has already been used.")
	}
	if _, err := a.DB.Exec(`INSERT INTO _login_tokens_used (token_id, expires_at) VALUES (?, ?)`, in.TokenID, in.ExpiresAt); err != nil {
		return nil, 0, err
	}
	m, err := a.membership(in.WorkspaceID)
	if err != nil {
		return nil, 0, err
	}
	if m == nil {
		return nil, 0, Errorf(401, CodeUnauthenticated, "You are not a member of this workspace.")
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
func (a *Account) rotate(cfg *Config, acct *accountRow, in *AccountRequest, now time.Time) (*AccountReply, int, error) {
	store := &refreshStore{a.DB}
	c, err := cfg.Cache.Verify(in.Token, auth.TokenRefresh, now)
	if err != nil {
		return nil, 0, err
	}
	if m, err := a.membership(c.WorkspaceID); err != nil {
		return nil, 0, err
	} else if m == nil || m.MemberID != c.WorkspaceMemberID {
		return nil, 0, Errorf(401, CodeUnauthenticated, "You are no longer a member of this workspace.")
	}
	refresh, access, err := cfg.Sessions.Rotate(store, in.Token, now)
	if err != nil {
		if isReuse(err) {
			return nil, 0, &Error{Status: 401, Code: "token_reused", Message: "Invalid token."}
		}
		return nil, 0, err
	}
	return &AccountReply{UserID: acct.UserID, Account: a.ID, WorkspaceID: c.WorkspaceID, MemberID: c.WorkspaceMemberID,
		AccessToken: tokenJSON(access), RefreshToken: tokenJSON(refresh), FamilyID: refresh.Claims.FamilyID}, 200, nil
}

func isReuse(err error) bool {
	for e := err; e != nil; {
		if e == auth.ErrTokenReused {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

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
