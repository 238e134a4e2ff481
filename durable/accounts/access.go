package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/stream"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// The workspace object's access log (`_auth_events`): the actor around the
// rules of domain/access.go. It reads the log's projection, decides with
// domain.DecideAccess, and appends through its stream (projected inline,
// then to D1 by the outbox).

// AccessTable is the access log's table in the workspace object.
const AccessTable = "_auth_events"

// EntryAccessOutbox starts a flush of the access log (after the record log's).
var EntryAccessOutbox = stream.EntriesOf("access").Step

// Access is a workspace's access log for the duration of one call.
type Access struct {
	W     *durable.Workspace
	Store *events.SQLStore
}

// OpenAccess returns the access log of an opened workspace.
func OpenAccess(w *durable.Workspace) *Access {
	return &Access{W: w, Store: &events.SQLStore{DB: w.DB, Table: AccessTable}}
}

// Stream returns the access log's stream (to D1 only).
func (a *Access) Stream() *stream.Stream {
	ws := a.W.ID
	return &stream.Stream{Name: "access", DB: a.W.DB, Store: a.Store, ID: "access:" + ws, Vars: a.W.Vars(),
		D1: stream.EachEvent(func(ev events.Event) ([]host.Statement, error) { return projections.AccessD1(ws, ev) })}
}

// execute decides cmd and appends its events (if any), projected inline.
func (a *Access) execute(actor string, cmd domain.AccessCommand) error {
	changes, err := domain.DecideAccess(a, cmd)
	if err != nil || len(changes) == 0 {
		return err
	}
	a.W.AccessChanged() // the principals earlier calls authorized are checked again
	now := a.W.Now()
	evs, err := stream.Events(changes, now, actor, durable.NewRecordID(now))
	if err != nil {
		return err
	}
	if _, err = a.Stream().Append(evs, stream.Apply(projections.AccessInline).Exec(a.W.DB)); err != nil {
		return err
	}
	for _, ch := range changes {
		if ch.Type == domain.EventRoleSaved || ch.Type == domain.EventRoleDeleted {
			return a.W.RolesChanged()
		}
	}
	return nil
}

// Rebuild empties the access projection and re-applies the log.
func (a *Access) Rebuild() (int64, error) {
	for _, t := range projections.AccessTables {
		if _, err := a.W.DB.Exec("DELETE FROM " + t); err != nil {
			return 0, err
		}
	}
	return events.Replay(a.Store, stream.Apply(projections.AccessInline).Exec(a.W.DB))
}

// ---- domain.AccessState over the projection ----

var _ domain.AccessState = (*Access)(nil)

func (a *Access) Creator() (string, error) {
	rows, err := a.W.DB.Exec(`SELECT created_by FROM _auth_workspace`)
	if err != nil || len(rows.Values) == 0 {
		return "", err
	}
	return sqldb.AsString(rows.Values[0][0]), nil
}

func (a *Access) Members() ([]domain.Member, error) {
	rows, err := a.W.DB.Exec(`SELECT member_id, user_id, email, account, role FROM _auth_members ORDER BY joined_at, member_id`)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Member, len(rows.Values))
	for i, r := range rows.Values {
		out[i] = domain.Member{MemberID: sqldb.AsString(r[0]), UserID: sqldb.AsString(r[1]), Email: sqldb.AsString(r[2]),
			Account: sqldb.AsString(r[3]), Role: sqldb.AsString(r[4])}
	}
	return out, nil
}

func (a *Access) APIKey(id string) (*domain.APIKey, error) {
	rows, err := a.W.DB.Exec(`SELECT name, expires_at, revoked_at FROM _auth_api_keys WHERE id = ?`, id)
	if err != nil || len(rows.Values) == 0 {
		return nil, err
	}
	r := rows.Values[0]
	return &domain.APIKey{ID: id, Name: sqldb.AsString(r[0]), ExpiresAt: sqldb.AsString(r[1]), Revoked: r[2] != nil}, nil
}

func (a *Access) InvitationExists(id string) (bool, error) {
	rows, err := a.W.DB.Exec(`SELECT 1 FROM _auth_invitations WHERE id = ?`, id)
	return err == nil && len(rows.Values) > 0, err
}

func (a *Access) Deleted() (bool, error) {
	rows, err := a.W.DB.Exec(`SELECT 1 FROM _auth_workspace WHERE deleted_at IS NOT NULL`)
	return err == nil && len(rows.Values) > 0, err
}

func (a *Access) SessionRevoked(family string) (bool, error) {
	rows, err := a.W.DB.Exec(`SELECT 1 FROM _auth_revoked WHERE family_id = ?`, family)
	return err == nil && len(rows.Values) > 0, err
}

// ---- authorization: the workspace's own records are the authority ----

// Authorize checks the principal the edge attached to req against this
// workspace's members, API keys and revoked sessions, and returns it with
// its role. The edge routed the request here because the token names this
// workspace; this check makes removal, revocation and sign-out take effect
// at once, whatever KV says.
func Authorize(w *durable.Workspace, req *host.Request) (auth.Principal, error) {
	p, err := auth.PrincipalFrom(req)
	if err != nil {
		return auth.Principal{}, err
	}
	return authorize(w, p)
}

func authorize(w *durable.Workspace, p auth.Principal) (auth.Principal, error) {
	switch p.Kind {
	case auth.KindAdmin:
		p.Role = domain.RoleAdmin
		return p, nil
	case auth.KindUser:
		key := "user\x00" + p.MemberID + "\x00" + p.UserID + "\x00" + p.FamilyID
		if a, ok := w.Authorized(key); ok {
			p.Role = a.Role
			return p, nil
		}
		// The membership and the session's revocation in one statement.
		rows, err := w.DB.Exec(`SELECT user_id, role, EXISTS (SELECT 1 FROM _auth_revoked WHERE family_id = ? AND ? != '') FROM _auth_members WHERE member_id = ?`, p.FamilyID, p.FamilyID, p.MemberID)
		if err != nil {
			return auth.Principal{}, err
		}
		if len(rows.Values) == 0 || sqldb.AsString(rows.Values[0][0]) != p.UserID || p.UserID == "" {
			return auth.Principal{}, auth.Errorf(401, auth.CodeUnauthenticated, "You are not a member of this workspace.")
		}
		if sqldb.AsInt(rows.Values[0][2]) != 0 {
			return auth.Principal{}, auth.Errorf(401, auth.CodeUnauthenticated, "Token has been revoked.")
		}
		p.Role = sqldb.AsString(rows.Values[0][1])
		w.RememberAuthorized(key, durable.Access{Role: p.Role})
		return p, nil
	case auth.KindAPIKey:
		key := "apiKey\x00" + p.APIKeyID
		if a, ok := w.Authorized(key); ok && (a.Until.IsZero() || w.Now().Before(a.Until)) {
			p.Role = a.Role
			return p, nil
		}
		rows, err := w.DB.Exec(`SELECT expires_at, revoked_at, role FROM _auth_api_keys WHERE id = ?`, p.APIKeyID)
		if err != nil {
			return auth.Principal{}, err
		}
		if len(rows.Values) == 0 || rows.Values[0][1] != nil {
			return auth.Principal{}, auth.Errorf(401, auth.CodeUnauthenticated, "This API key has been revoked.")
		}
		exp, err := time.Parse(time.RFC3339, sqldb.AsString(rows.Values[0][0]))
		if err != nil {
			exp = time.Time{} // no readable expiry: none of its own, as before
		}
		if !exp.IsZero() && !w.Now().Before(exp) {
			return auth.Principal{}, auth.Errorf(401, auth.CodeTokenExpired, "Token has expired.")
		}
		p.Role = domain.RoleMember
		if role := sqldb.AsString(rows.Values[0][2]); role != "" {
			p.Role = role // assignRoleToApiKey
		}
		w.RememberAuthorized(key, durable.Access{Role: p.Role, Until: exp})
		return p, nil
	}
	return auth.Principal{}, auth.Errorf(401, auth.CodeUnauthenticated, "authentication is required")
}

// AuthorizeToken verifies a bearer token (access or API key) for workspace
// w and checks it against the workspace's own records, synchronously: for
// callers inside the workspace object that hold a raw token, like a
// graphql-ws connection_init. Errors are *Error (401, token_expired for an
// expired token).
func AuthorizeToken(w *durable.Workspace, token string) (auth.Principal, error) {
	c, err := auth.VerifyBearer(token, w.Now())
	if err != nil {
		return auth.Principal{}, err
	}
	if c.WorkspaceID != w.ID {
		return auth.Principal{}, auth.Errorf(401, auth.CodeUnauthenticated, "This token is for another workspace.")
	}
	return authorize(w, auth.PrincipalFromClaims(c))
}

// ---- the workspace object's internal access API (called by the edge) ----

// Workspace object paths (reachable only from the edge Worker).
const (
	PathInternalPrefix = "/internal/auth/"
	PathBootstrap      = "/internal/auth/bootstrap"
	PathJoin           = "/internal/auth/join"
	PathRevokeSession  = "/internal/auth/revoke-session"
	PathOp             = "/internal/auth/op"
	PathLeave          = "/internal/auth/leave" // deleteUser, workspace by workspace
)

// AccessRequest is the body of an internal access request.
type AccessRequest struct {
	UserID      string          `json:"userId,omitempty"`
	Email       string          `json:"email,omitempty"`
	Account     string          `json:"account,omitempty"`
	MemberID    string          `json:"memberId,omitempty"`
	InviteToken string          `json:"inviteToken,omitempty"`
	FamilyID    string          `json:"familyId,omitempty"`
	ExpiresAt   string          `json:"expiresAt,omitempty"`
	Op          string          `json:"op,omitempty"`
	Principal   *auth.Principal `json:"principal,omitempty"`
	Args        map[string]any  `json:"args,omitempty"`
	Check       bool            `json:"check,omitempty"` // PathLeave: only whether it could
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

// ServeInternal answers /internal/auth/* inside the workspace object.
func ServeInternal(w *durable.Workspace, req *host.Request) *host.Output {
	var in AccessRequest
	if err := json.Unmarshal([]byte(req.Body), &in); err != nil || req.Method != "POST" {
		return &host.Output{Response: auth.Respond(auth.Errorf(400, auth.CodeBadInput, "bad internal request")), Rollback: true}
	}
	a := OpenAccess(w)
	recordHead, _ := w.Store.Head()
	accessHead, _ := a.Store.Head()
	reply, err := a.serve(req.Path, &in)
	if err != nil {
		return &host.Output{Response: auth.Respond(err), Rollback: true}
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
		if err := a.execute("system", domain.RevokeSession{FamilyID: in.FamilyID, ExpiresAt: in.ExpiresAt}); err != nil {
			return nil, err
		}
		return &AccessReply{WorkspaceID: a.W.ID}, nil
	case PathLeave:
		return a.leave(in)
	case PathOp:
		if in.Principal == nil {
			return nil, auth.Errorf(401, auth.CodeUnauthenticated, "authentication is required")
		}
		p, err := authorize(a.W, *in.Principal)
		if err != nil {
			return nil, err
		}
		return a.op(p, in.Op, in.Args)
	}
	return nil, auth.Errorf(404, auth.CodeNotFound, "no internal route %s", path)
}

// bootstrap creates the workspace for its creator (idempotent for the same
// creator): the standard objects are already seeded by durable.Open; this
// adds the access records and the creator's workspaceMember record.
func (a *Access) bootstrap(in *AccessRequest) (*AccessReply, error) {
	head, err := a.Store.Head()
	if err != nil {
		return nil, err
	}
	if err := a.execute("system", domain.CreateWorkspace{WorkspaceID: a.W.ID, UserID: in.UserID, MemberID: in.MemberID, Email: in.Email, Account: in.Account}); err != nil {
		return nil, err
	}
	m, err := domain.MemberByUser(a, in.UserID)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, &domain.ExistsError{Message: "the workspace's creator is no longer a member"}
	}
	if now, _ := a.Store.Head(); now > head {
		if err := a.createMemberRecord(in.MemberID, in.UserID, in.Email); err != nil {
			return nil, err
		}
	}
	return &AccessReply{WorkspaceID: a.W.ID, MemberID: m.MemberID, Role: m.Role}, nil
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

// join accepts an invitation: the token is checked here (it is a secret
// the actor holds the hash of), the membership decided by the rules.
func (a *Access) join(in *AccessRequest) (*AccessReply, error) {
	invalid := &domain.ForbiddenError{Message: "This invitation is invalid or has expired."}
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
		return nil, &domain.ForbiddenError{Message: "This invitation was sent to another email address."}
	}
	before, err := domain.MemberByUser(a, in.UserID)
	if err != nil {
		return nil, err
	}
	if err := a.execute(in.UserID, domain.JoinWorkspace{InvitationID: id, Role: role, UserID: in.UserID, MemberID: in.MemberID, Email: in.Email, Account: in.Account}); err != nil {
		return nil, err
	}
	if before != nil {
		return &AccessReply{WorkspaceID: a.W.ID, MemberID: before.MemberID, Role: before.Role}, nil
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
		d1, _ := a.Stream().State()
		return &host.Output{Response: host.JSONResponse(200, map[string]any{"head": head, "d1": d1})}
	case req.Path == PathAdminPrefix+"replay" && req.Method == "POST":
		last, err := a.Rebuild()
		if err != nil {
			return &host.Output{Response: auth.Respond(err), Rollback: true}
		}
		reset, err := a.Stream().ResetD1()
		if err != nil {
			return &host.Output{Response: auth.Respond(err), Rollback: true}
		}
		return &host.Output{
			Response: host.JSONResponse(200, map[string]any{"replayed": last}),
			Effects:  []host.Effect{{Kind: host.EffectD1Batch, Statements: append(projections.AccessD1Reset(w.ID), reset)}, {Kind: host.EffectFlush}},
		}
	}
	return &host.Output{Response: auth.Respond(auth.Errorf(404, auth.CodeNotFound, "no admin route %s %s", req.Method, req.Path)), Rollback: true}
}
