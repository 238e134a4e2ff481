package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// Entry points of the workspace object's access-log outbox.
const (
	EntryAccessOutbox     = "access.outbox"
	EntryAccessOutboxD1   = "access.outbox.d1"
	EntryAccessOutboxDone = "access.outbox.d1done"
)

// Access events (the workspace object's second log, `_auth_events`).
const (
	EventWorkspaceCreated   = "auth.workspaceCreated"
	EventMemberAdded        = "auth.memberAdded"
	EventMemberRoleChanged  = "auth.memberRoleChanged"
	EventMemberRemoved      = "auth.memberRemoved"
	EventInvitationCreated  = "auth.invitationCreated"
	EventInvitationAccepted = "auth.invitationAccepted"
	EventInvitationDeleted  = "auth.invitationDeleted"
	EventAPIKeyCreated      = "auth.apiKeyCreated"
	EventAPIKeyRevoked      = "auth.apiKeyRevoked"
	EventSessionRevoked     = "auth.sessionRevoked"
)

// Access event payloads.
type (
	WorkspaceCreated struct {
		WorkspaceID string `msgpack:"workspaceId"`
		CreatedBy   string `msgpack:"createdBy"` // user id
	}
	MemberAdded struct {
		MemberID string `msgpack:"memberId"`
		UserID   string `msgpack:"userId"`
		Email    string `msgpack:"email"`
		Account  string `msgpack:"account"` // the user's account object id
		Role     string `msgpack:"role"`
	}
	MemberRoleChanged struct {
		MemberID string `msgpack:"memberId"`
		Role     string `msgpack:"role"`
	}
	MemberRemoved struct {
		MemberID string `msgpack:"memberId"`
	}
	InvitationCreated struct {
		ID        string `msgpack:"id"`
		Email     string `msgpack:"email"`
		Role      string `msgpack:"role"`
		TokenHash string `msgpack:"tokenHash"` // sha256 of the secret part; the token itself is never stored
		ExpiresAt string `msgpack:"expiresAt"`
	}
	InvitationAccepted struct {
		ID       string `msgpack:"id"`
		MemberID string `msgpack:"memberId"`
	}
	InvitationDeleted struct {
		ID string `msgpack:"id"`
	}
	APIKeyCreated struct {
		ID        string `msgpack:"id"`
		Name      string `msgpack:"name"`
		ExpiresAt string `msgpack:"expiresAt"`
	}
	APIKeyRevoked struct {
		ID string `msgpack:"id"`
	}
	SessionRevoked struct {
		FamilyID  string `msgpack:"familyId"`
		ExpiresAt string `msgpack:"expiresAt"`
	}
)

// AccessTable is the access log's table in the workspace object.
const AccessTable = "_auth_events"

// Access is a workspace's access log for the duration of one call.
type Access struct {
	W     *durable.Workspace
	Store *events.SQLStore
}

// OpenAccess returns the access log of an opened workspace.
func OpenAccess(w *durable.Workspace) *Access {
	return &Access{W: w, Store: &events.SQLStore{DB: w.DB, Table: AccessTable}}
}

func (a *Access) stream() *stream {
	ws := a.W.ID
	return &stream{db: a.W.DB, store: a.Store, key: "access:" + ws, stateKey: "access_d1_seq",
		entries: outboxEntries{EntryAccessOutbox, EntryAccessOutboxD1, EntryAccessOutboxDone},
		d1:      func(ev events.Event) ([]host.Statement, error) { return accessD1(ws, ev) }}
}

// OutboxStep, OutboxCheckpoint and OutboxDone move the access log's D1
// projection forward (the shell runs them after the record outbox).
func (a *Access) OutboxStep() (*host.Output, error) { return a.stream().Step() }
func (a *Access) OutboxCheckpoint(in host.ResumeInput) (*host.Output, error) {
	return a.stream().Checkpoint(in)
}
func (a *Access) OutboxDone(in host.ResumeInput) (*host.Output, error) {
	return a.stream().Done(in)
}

func (a *Access) append(actor string, changes ...[2]any) error {
	now := a.W.Now()
	cmd := durable.NewRecordID(now)
	evs := make([]events.Event, len(changes))
	for i, c := range changes {
		ev, err := events.New(c[0].(string), 1, now, actor, cmd, c[1])
		if err != nil {
			return err
		}
		evs[i] = ev
	}
	appended, err := a.Store.Append(evs)
	if err != nil {
		return err
	}
	for _, ev := range appended {
		st, err := accessInline(ev)
		if err != nil {
			return err
		}
		if err := sqldb.ExecAll(a.W.DB, st); err != nil {
			return err
		}
	}
	return nil
}

func change(typ string, payload any) [2]any { return [2]any{typ, payload} }

// accessInline projects an access event into the workspace object's tables.
func accessInline(ev events.Event) ([]host.Statement, error) {
	st := func(sql string, args ...any) []host.Statement { return []host.Statement{{SQL: sql, Args: args}} }
	switch ev.Type {
	case EventWorkspaceCreated:
		var p WorkspaceCreated
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`INSERT INTO _auth_workspace (id, created_by, created_at) VALUES (?,?,?)`, p.WorkspaceID, p.CreatedBy, at(ev)), nil
	case EventMemberAdded:
		var p MemberAdded
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`INSERT INTO _auth_members (member_id, user_id, email, account, role, joined_at) VALUES (?,?,?,?,?,?)`,
			p.MemberID, p.UserID, p.Email, p.Account, p.Role, at(ev)), nil
	case EventMemberRoleChanged:
		var p MemberRoleChanged
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`UPDATE _auth_members SET role = ? WHERE member_id = ?`, p.Role, p.MemberID), nil
	case EventMemberRemoved:
		var p MemberRemoved
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`DELETE FROM _auth_members WHERE member_id = ?`, p.MemberID), nil
	case EventInvitationCreated:
		var p InvitationCreated
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`INSERT INTO _auth_invitations (id, email, role, token_hash, expires_at, created_at) VALUES (?,?,?,?,?,?)`,
			p.ID, p.Email, p.Role, p.TokenHash, p.ExpiresAt, at(ev)), nil
	case EventInvitationAccepted:
		var p InvitationAccepted
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`DELETE FROM _auth_invitations WHERE id = ?`, p.ID), nil
	case EventInvitationDeleted:
		var p InvitationDeleted
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`DELETE FROM _auth_invitations WHERE id = ?`, p.ID), nil
	case EventAPIKeyCreated:
		var p APIKeyCreated
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`INSERT INTO _auth_api_keys (id, name, expires_at, created_at) VALUES (?,?,?,?)`, p.ID, p.Name, p.ExpiresAt, at(ev)), nil
	case EventAPIKeyRevoked:
		var p APIKeyRevoked
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`UPDATE _auth_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at(ev), p.ID), nil
	case EventSessionRevoked:
		var p SessionRevoked
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`INSERT INTO _auth_revoked (family_id, expires_at) VALUES (?,?) ON CONFLICT(family_id) DO NOTHING`, p.FamilyID, p.ExpiresAt), nil
	}
	return nil, fmt.Errorf("accounts: unknown access event %q", ev.Type)
}

// accessD1 projects an access event into D1's lookup tables.
func accessD1(ws string, ev events.Event) ([]host.Statement, error) {
	st := func(sql string, args ...any) []host.Statement { return []host.Statement{{SQL: sql, Args: args}} }
	switch ev.Type {
	case EventWorkspaceCreated:
		var p WorkspaceCreated
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`INSERT INTO workspaces (id, created_by, created_at) VALUES (?,?,?) ON CONFLICT(id) DO NOTHING`, ws, p.CreatedBy, at(ev)), nil
	case EventMemberAdded:
		var p MemberAdded
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`INSERT INTO memberships (workspace_id, user_id, member_id, role, joined_at) VALUES (?,?,?,?,?)
			ON CONFLICT(workspace_id, user_id) DO UPDATE SET member_id = excluded.member_id, role = excluded.role`, ws, p.UserID, p.MemberID, p.Role, at(ev)), nil
	case EventMemberRoleChanged:
		var p MemberRoleChanged
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`UPDATE memberships SET role = ? WHERE workspace_id = ? AND member_id = ?`, p.Role, ws, p.MemberID), nil
	case EventMemberRemoved:
		var p MemberRemoved
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`DELETE FROM memberships WHERE workspace_id = ? AND member_id = ?`, ws, p.MemberID), nil
	case EventAPIKeyCreated:
		var p APIKeyCreated
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`INSERT INTO api_keys (id, workspace_id, name, expires_at, created_at) VALUES (?,?,?,?,?) ON CONFLICT(id) DO NOTHING`, p.ID, ws, p.Name, p.ExpiresAt, at(ev)), nil
	case EventAPIKeyRevoked:
		var p APIKeyRevoked
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at(ev), p.ID), nil
	case EventSessionRevoked:
		var p SessionRevoked
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`INSERT INTO revoked_sessions (family_id, workspace_id, expires_at) VALUES (?,?,?) ON CONFLICT(family_id) DO NOTHING`, p.FamilyID, ws, p.ExpiresAt), nil
	case EventInvitationCreated, EventInvitationAccepted, EventInvitationDeleted:
		return nil, nil
	}
	return nil, fmt.Errorf("accounts: unknown access event %q", ev.Type)
}

// RebuildAccess empties the access projection and re-applies the log.
func (a *Access) Rebuild() (int64, error) {
	for _, t := range []string{"_auth_workspace", "_auth_members", "_auth_invitations", "_auth_api_keys", "_auth_revoked"} {
		if _, err := a.W.DB.Exec("DELETE FROM " + t); err != nil {
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
			st, err := accessInline(ev)
			if err != nil {
				return 0, err
			}
			if err := sqldb.ExecAll(a.W.DB, st); err != nil {
				return 0, err
			}
			last = ev.Seq
		}
	}
}

// ---- authorization: the workspace's own records are the authority ----

// Authorize checks the principal the edge attached to req against this
// workspace's members, API keys and revoked sessions, and returns it with
// its role. The edge routed the request here because the token names this
// workspace; this check makes removal, revocation and sign-out take effect
// at once, whatever KV says.
func Authorize(w *durable.Workspace, req *host.Request) (Principal, error) {
	p, err := PrincipalFrom(req)
	if err != nil {
		return Principal{}, err
	}
	return authorize(w, p)
}

func authorize(w *durable.Workspace, p Principal) (Principal, error) {
	switch p.Kind {
	case KindAdmin:
		p.Role = RoleAdmin
		return p, nil
	case KindUser:
		rows, err := w.DB.Exec(`SELECT user_id, role FROM _auth_members WHERE member_id = ?`, p.MemberID)
		if err != nil {
			return Principal{}, err
		}
		if len(rows.Values) == 0 || sqldb.AsString(rows.Values[0][0]) != p.UserID || p.UserID == "" {
			return Principal{}, Errorf(401, CodeUnauthenticated, "You are not a member of this workspace.")
		}
		p.Role = sqldb.AsString(rows.Values[0][1])
		if p.FamilyID != "" {
			rev, err := w.DB.Exec(`SELECT 1 FROM _auth_revoked WHERE family_id = ?`, p.FamilyID)
			if err != nil {
				return Principal{}, err
			}
			if len(rev.Values) > 0 {
				return Principal{}, Errorf(401, CodeUnauthenticated, "Token has been revoked.")
			}
		}
		return p, nil
	case KindAPIKey:
		rows, err := w.DB.Exec(`SELECT expires_at, revoked_at FROM _auth_api_keys WHERE id = ?`, p.APIKeyID)
		if err != nil {
			return Principal{}, err
		}
		if len(rows.Values) == 0 || rows.Values[0][1] != nil {
			return Principal{}, Errorf(401, CodeUnauthenticated, "This API key has been revoked.")
		}
		if exp, err := time.Parse(time.RFC3339, sqldb.AsString(rows.Values[0][0])); err == nil && !w.Now().Before(exp) {
			return Principal{}, Errorf(401, CodeTokenExpired, "Token has expired.")
		}
		p.Role = RoleMember
		return p, nil
	}
	return Principal{}, Errorf(401, CodeUnauthenticated, "authentication is required")
}

// PrincipalFromClaims is the principal a verified token stands for.
func PrincipalFromClaims(c auth.Claims) Principal {
	if c.Type == auth.TokenAPIKey {
		return Principal{Kind: KindAPIKey, APIKeyID: c.TokenID}
	}
	return Principal{Kind: KindUser, UserID: c.UserID, MemberID: c.WorkspaceMemberID, FamilyID: c.FamilyID}
}

// AuthorizeToken verifies a bearer token (access or API key) for workspace
// w and checks it against the workspace's own records, synchronously: for
// callers inside the workspace object that hold a raw token, like a
// graphql-ws connection_init. Errors are *Error (401, token_expired for an
// expired token).
func AuthorizeToken(w *durable.Workspace, token string) (Principal, error) {
	c, err := VerifyBearer(token, w.Now())
	if err != nil {
		return Principal{}, err
	}
	if c.WorkspaceID != w.ID {
		return Principal{}, Errorf(401, CodeUnauthenticated, "This token is for another workspace.")
	}
	return authorize(w, PrincipalFromClaims(c))
}

// VerifyBearer verifies an access or API-key token with the isolate's keys
// and verification cache. Errors are *Error: 401 token_expired for an
// expired token, 401 unauthenticated for any other bad token, 503 when no
// key is configured.
func VerifyBearer(token string, now time.Time) (auth.Claims, error) {
	cfg := Current()
	if cfg.Cache == nil {
		return auth.Claims{}, Errorf(503, CodeUnavailable, "authentication is not configured: %s", cfg.KeyError)
	}
	typ := auth.TokenAccess
	if PeekType(token) == auth.TokenAPIKey {
		typ = auth.TokenAPIKey
	}
	c, err := cfg.Cache.Verify(token, typ, now)
	if err != nil {
		return auth.Claims{}, TokenError(err)
	}
	if c.WorkspaceID == "" {
		return auth.Claims{}, Errorf(401, CodeUnauthenticated, "Invalid token.")
	}
	return c, nil
}

// TokenError maps a verification failure to the API's answer.
func TokenError(err error) *Error {
	var ae *auth.Error
	if asAuthError(err, &ae) && ae.Code == auth.ErrTokenExpired.Code {
		return Errorf(401, CodeTokenExpired, "Token has expired.")
	}
	return Errorf(401, CodeUnauthenticated, "Invalid token.")
}

func asAuthError(err error, target **auth.Error) bool {
	for e := err; e != nil; {
		if x, ok := e.(*auth.Error); ok {
			*target = x
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

// PeekType reads a token's unverified "type" claim, to choose what to
// verify it as (the verification checks it again).
func PeekType(token string) auth.TokenType {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(parts[1]) > auth.MaxTokenBytes {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var m struct {
		Type auth.TokenType `json:"type"`
	}
	_ = json.Unmarshal(raw, &m)
	return m.Type
}

// ---- the workspace object's internal access API (called by the edge) ----

// Workspace object paths (reachable only from the edge Worker).
const (
	PathInternalPrefix = "/internal/auth/"
	PathBootstrap      = "/internal/auth/bootstrap"
	PathJoin           = "/internal/auth/join"
	PathRevokeSession  = "/internal/auth/revoke-session"
	PathOp             = "/internal/auth/op"
)

// AccessRequest is the body of an internal access request.
type AccessRequest struct {
	UserID      string         `json:"userId,omitempty"`
	Email       string         `json:"email,omitempty"`
	Account     string         `json:"account,omitempty"`
	MemberID    string         `json:"memberId,omitempty"`
	InviteToken string         `json:"inviteToken,omitempty"`
	FamilyID    string         `json:"familyId,omitempty"`
	ExpiresAt   string         `json:"expiresAt,omitempty"`
	Op          string         `json:"op,omitempty"`
	Principal   *Principal     `json:"principal,omitempty"`
	Args        map[string]any `json:"args,omitempty"`
}

// FollowUp is a call the edge makes after an access operation committed
// (keeping the member's account object in step).
type FollowUp struct {
	Account string         `json:"account"`
	Path    string         `json:"path"`
	Body    AccountRequest `json:"body"`
}

// AccessReply is the body of a successful internal access answer.
type AccessReply struct {
	WorkspaceID string     `json:"workspaceId,omitempty"`
	MemberID    string     `json:"memberId,omitempty"`
	Role        string     `json:"role,omitempty"`
	Result      any        `json:"result,omitempty"`
	FollowUps   []FollowUp `json:"followUps,omitempty"`
	KVDelete    []string   `json:"kvDelete,omitempty"`
}

// MemberCacheKey is the KV key of a user's membership in a workspace.
func MemberCacheKey(ws, userID string) string { return "member:" + ws + ":" + userID }

// DenyKey is the KV key that marks a session (refresh family) signed out.
func DenyKey(family string) string { return "deny:" + family }

// APIKeyCacheKey is the KV key of an API key's state.
func APIKeyCacheKey(id string) string { return "apikey:" + id }

// ServeInternal answers /internal/auth/* inside the workspace object.
func ServeInternal(w *durable.Workspace, req *host.Request) *host.Output {
	var in AccessRequest
	if err := json.Unmarshal([]byte(req.Body), &in); err != nil || req.Method != "POST" {
		return &host.Output{Response: Respond(Errorf(400, CodeBadInput, "bad internal request")), Rollback: true}
	}
	a := OpenAccess(w)
	recordHead, _ := w.Store.Head()
	accessHead, _ := a.Store.Head()
	reply, err := a.serve(req.Path, &in)
	if err != nil {
		return &host.Output{Response: Respond(err), Rollback: true}
	}
	out := &host.Output{Response: host.JSONResponse(200, reply)}
	rh, _ := w.Store.Head()
	ah, _ := a.Store.Head()
	if rh > recordHead || ah > accessHead {
		out.Effects = append(out.Effects, host.Effect{Kind: host.EffectFlush})
	}
	return out
}

func (a *Access) serve(path string, in *AccessRequest) (*AccessReply, error) {
	switch path {
	case PathBootstrap:
		return a.bootstrap(in)
	case PathJoin:
		return a.join(in)
	case PathRevokeSession:
		if in.FamilyID == "" {
			return nil, Errorf(400, CodeBadInput, "familyId is required")
		}
		rows, err := a.W.DB.Exec(`SELECT 1 FROM _auth_revoked WHERE family_id = ?`, in.FamilyID)
		if err != nil {
			return nil, err
		}
		if len(rows.Values) == 0 {
			if err := a.append("system", change(EventSessionRevoked, SessionRevoked{FamilyID: in.FamilyID, ExpiresAt: in.ExpiresAt})); err != nil {
				return nil, err
			}
		}
		return &AccessReply{WorkspaceID: a.W.ID}, nil
	case PathOp:
		if in.Principal == nil {
			return nil, Errorf(401, CodeUnauthenticated, "authentication is required")
		}
		p, err := authorize(a.W, *in.Principal)
		if err != nil {
			return nil, err
		}
		return a.op(p, in.Op, in.Args)
	}
	return nil, Errorf(404, CodeNotFound, "no internal route %s", path)
}

type memberRow struct {
	MemberID, UserID, Email, Account, Role string
}

func (a *Access) members(where string, args ...any) ([]memberRow, error) {
	rows, err := a.W.DB.Exec(`SELECT member_id, user_id, email, account, role FROM _auth_members `+where+` ORDER BY joined_at, member_id`, args...)
	if err != nil {
		return nil, err
	}
	out := make([]memberRow, len(rows.Values))
	for i, r := range rows.Values {
		out[i] = memberRow{sqldb.AsString(r[0]), sqldb.AsString(r[1]), sqldb.AsString(r[2]), sqldb.AsString(r[3]), sqldb.AsString(r[4])}
	}
	return out, nil
}

func (a *Access) memberByUser(userID string) (*memberRow, error) {
	ms, err := a.members(`WHERE user_id = ?`, userID)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return &ms[0], nil
}

// bootstrap creates the workspace for its creator (idempotent for the same
// creator): the standard objects are already seeded by durable.Open; this
// adds the access records and the creator's workspaceMember record.
func (a *Access) bootstrap(in *AccessRequest) (*AccessReply, error) {
	if in.UserID == "" || in.MemberID == "" || in.Email == "" || in.Account == "" {
		return nil, Errorf(400, CodeBadInput, "userId, memberId, email and account are required")
	}
	rows, err := a.W.DB.Exec(`SELECT created_by FROM _auth_workspace`)
	if err != nil {
		return nil, err
	}
	if len(rows.Values) > 0 {
		if sqldb.AsString(rows.Values[0][0]) != in.UserID {
			return nil, Errorf(409, CodeConflict, "workspace already exists")
		}
		m, err := a.memberByUser(in.UserID)
		if err != nil {
			return nil, err
		}
		if m == nil {
			return nil, Errorf(409, CodeConflict, "the workspace's creator is no longer a member")
		}
		return &AccessReply{WorkspaceID: a.W.ID, MemberID: m.MemberID, Role: m.Role}, nil
	}
	if err := a.append("system",
		change(EventWorkspaceCreated, WorkspaceCreated{WorkspaceID: a.W.ID, CreatedBy: in.UserID}),
		change(EventMemberAdded, MemberAdded{MemberID: in.MemberID, UserID: in.UserID, Email: in.Email, Account: in.Account, Role: RoleAdmin}),
	); err != nil {
		return nil, err
	}
	if err := a.createMemberRecord(in.MemberID, in.UserID, in.Email); err != nil {
		return nil, err
	}
	return &AccessReply{WorkspaceID: a.W.ID, MemberID: in.MemberID, Role: RoleAdmin}, nil
}

func (a *Access) createMemberRecord(memberID, userID, email string) error {
	first := email
	if i := strings.IndexByte(email, '@'); i > 0 {
		first = email[:i]
	}
	data := map[string]any{"name": map[string]any{"firstName": first, "lastName": ""}, "userEmail": email, "userId": userID}
	if a.W.Schema().Object("workspaceMember") == nil {
		return nil
	}
	_, err := a.W.Execute(domain.RecordCommand{Kind: domain.Create, Object: "workspaceMember", ID: memberID, Data: data}, "system", durable.NewRecordID(a.W.Now()))
	return err
}

// InviteToken is "<workspace id>.<secret>": the edge routes by the first
// part; the workspace keeps only the secret's hash.
func newInviteToken(ws string) (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	return ws + "." + secret, hashSecret(secret)
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// InviteWorkspace returns the workspace an invitation token names.
func InviteWorkspace(token string) (string, bool) {
	ws, secret, ok := strings.Cut(token, ".")
	if !ok || !domain.IsUUID(ws) || secret == "" || len(token) > 200 {
		return "", false
	}
	return strings.ToLower(ws), true
}

func (a *Access) join(in *AccessRequest) (*AccessReply, error) {
	if in.UserID == "" || in.MemberID == "" || in.Email == "" || in.Account == "" {
		return nil, Errorf(400, CodeBadInput, "userId, memberId, email and account are required")
	}
	invalid := Errorf(403, CodeForbidden, "This invitation is invalid or has expired.")
	ws, ok := InviteWorkspace(in.InviteToken)
	if !ok || ws != a.W.ID {
		return nil, invalid
	}
	_, secret, _ := strings.Cut(in.InviteToken, ".")
	rows, err := a.W.DB.Exec(`SELECT id, email, role, token_hash, expires_at FROM _auth_invitations WHERE token_hash = ?`, hashSecret(secret))
	if err != nil {
		return nil, err
	}
	if len(rows.Values) == 0 {
		return nil, invalid
	}
	r := rows.Values[0]
	id, email, role, hash := sqldb.AsString(r[0]), sqldb.AsString(r[1]), sqldb.AsString(r[2]), sqldb.AsString(r[3])
	exp, err := time.Parse(time.RFC3339, sqldb.AsString(r[4]))
	if err != nil || !a.W.Now().Before(exp) || subtle.ConstantTimeCompare([]byte(hash), []byte(hashSecret(secret))) != 1 {
		return nil, invalid
	}
	if !strings.EqualFold(email, in.Email) {
		return nil, Errorf(403, CodeForbidden, "This invitation was sent to another email address.")
	}
	if m, err := a.memberByUser(in.UserID); err != nil {
		return nil, err
	} else if m != nil {
		if err := a.append(in.UserID, change(EventInvitationAccepted, InvitationAccepted{ID: id, MemberID: m.MemberID})); err != nil {
			return nil, err
		}
		return &AccessReply{WorkspaceID: a.W.ID, MemberID: m.MemberID, Role: m.Role}, nil
	}
	if err := a.append(in.UserID,
		change(EventInvitationAccepted, InvitationAccepted{ID: id, MemberID: in.MemberID}),
		change(EventMemberAdded, MemberAdded{MemberID: in.MemberID, UserID: in.UserID, Email: strings.ToLower(in.Email), Account: in.Account, Role: role}),
	); err != nil {
		return nil, err
	}
	if err := a.createMemberRecord(in.MemberID, in.UserID, strings.ToLower(in.Email)); err != nil {
		return nil, err
	}
	return &AccessReply{WorkspaceID: a.W.ID, MemberID: in.MemberID, Role: role}, nil
}

// PathAdminPrefix is where the workspace object's access-log admin routes
// live (behind the admin token, like /admin/replay).
const PathAdminPrefix = "/admin/access/"

// ServeAdmin answers /admin/access/*: GET state (log head and D1 position),
// POST replay (rebuild the access projection from its log; D1's rows of
// this workspace are deleted and the outbox rebuilds them).
func ServeAdmin(w *durable.Workspace, req *host.Request) *host.Output {
	a := OpenAccess(w)
	switch {
	case req.Path == PathAdminPrefix+"state" && req.Method == "GET":
		head, _ := a.Store.Head()
		return &host.Output{Response: host.JSONResponse(200, map[string]any{"head": head, "d1": a.stream().state()})}
	case req.Path == PathAdminPrefix+"replay" && req.Method == "POST":
		last, err := a.Rebuild()
		if err != nil {
			return &host.Output{Response: Respond(err), Rollback: true}
		}
		if err := a.stream().setState(0); err != nil {
			return &host.Output{Response: Respond(err), Rollback: true}
		}
		reset := []host.Statement{
			{SQL: `DELETE FROM workspaces WHERE id = ?`, Args: []any{w.ID}},
			{SQL: `DELETE FROM memberships WHERE workspace_id = ?`, Args: []any{w.ID}},
			{SQL: `DELETE FROM api_keys WHERE workspace_id = ?`, Args: []any{w.ID}},
			{SQL: `DELETE FROM revoked_sessions WHERE workspace_id = ?`, Args: []any{w.ID}},
			{SQL: `INSERT INTO projection_checkpoints (workspace, seq) VALUES (?, 0) ON CONFLICT(workspace) DO UPDATE SET seq = 0`, Args: []any{"access:" + w.ID}},
		}
		return &host.Output{
			Response: host.JSONResponse(200, map[string]any{"replayed": last}),
			Effects:  []host.Effect{{Kind: host.EffectD1Batch, Statements: reset}, {Kind: host.EffectFlush}},
		}
	}
	return &host.Output{Response: Respond(Errorf(404, CodeNotFound, "no admin route %s %s", req.Method, req.Path)), Rollback: true}
}
