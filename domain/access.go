package domain

import (
	"crypto/sha256"
	"fmt"
	"strings"
)

// Workspace access: a workspace object's second log (`_auth_events`),
// beside its records: who the members are and with which role, pending
// invitations, API keys and revoked sessions. The rules are pure: given the
// state the log projects (AccessState), a command decides its events.

// Access events.
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
	EventWorkspaceUpdated   = "auth.workspaceUpdated"
)

// Access event payloads.
type (
	WorkspaceCreated struct {
		WorkspaceID string `msgpack:"workspaceId"`
		CreatedBy   string `msgpack:"createdBy"` // user id
	}
	// WorkspaceUpdated carries the workspace's settings after the change
	// (updateWorkspace, activateWorkspace): its display name and logo.
	WorkspaceUpdated struct {
		DisplayName string `msgpack:"displayName"`
		Logo        string `msgpack:"logo"`
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

// Roles of a workspace member.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// RoleID is the stable id Twenty-style clients see for a role.
func RoleID(role string) string {
	switch role { // asked on every request (accounts.RoleOf): the two standard ones are computed once
	case RoleAdmin:
		return adminRoleID
	case RoleMember:
		return memberRoleID
	}
	return roleID(role)
}

var adminRoleID, memberRoleID = roleID(RoleAdmin), roleID(RoleMember)

func roleID(role string) string {
	h := sha256.Sum256([]byte("role:" + role))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// RoleLabel is the role's display label.
func RoleLabel(role string) string {
	if role == RoleAdmin {
		return "Admin"
	}
	return "Member"
}

// ParseRole accepts a role name ("admin", "Member") or a role id.
func ParseRole(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case RoleAdmin, RoleID(RoleAdmin):
		return RoleAdmin, true
	case RoleMember, RoleID(RoleMember):
		return RoleMember, true
	}
	return "", false
}

// Member is a workspace member as the access rules see it.
type Member struct{ MemberID, UserID, Email, Account, Role string }

// APIKey is an API key's state.
type APIKey struct {
	ID, Name, ExpiresAt string
	Revoked             bool
}

// AccessState is what the access rules read: the access log's projection.
type AccessState interface {
	// Creator is the user who created the workspace ("" before).
	Creator() (string, error)
	// Members lists the members in join order.
	Members() ([]Member, error)
	APIKey(id string) (*APIKey, error)          // nil when unknown
	InvitationExists(id string) (bool, error)   // a pending invitation
	SessionRevoked(family string) (bool, error) // signed out
	Role(id string) (*Role, error)              // a custom role (nil when unknown)
	Deleted() (bool, error)                     // deleteCurrentWorkspace ran
}

// ForbiddenError is a command refused to whoever sent it (403). Code is
// Twenty's exception code when it has one (PERMISSION_DENIED), rendered as
// the GraphQL subCode and the REST body's code.
type ForbiddenError struct{ Message, Code string }

func (e *ForbiddenError) Error() string { return e.Message }

// ExistsError is a command that would create what already exists (409).
type ExistsError struct{ Message string }

func (e *ExistsError) Error() string { return e.Message }

func invalid(field, rule, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// Access commands. Ids, hashes and times are chosen by the caller (the
// actor), so that deciding is deterministic.
type (
	// CreateWorkspace: the sign-up flow bootstraps the creator's workspace.
	// Again for the same creator it decides nothing (idempotent).
	CreateWorkspace struct{ WorkspaceID, UserID, MemberID, Email, Account string }
	// JoinWorkspace: a user accepts invitation InvitationID (found and
	// checked by the actor) with the invitation's role.
	JoinWorkspace struct{ InvitationID, Role, UserID, MemberID, Email, Account string }
	// RevokeSession: a session (refresh family) signed out or reused.
	RevokeSession struct{ FamilyID, ExpiresAt string }
	CreateAPIKey  struct{ ID, Name, ExpiresAt string }
	RevokeAPIKey  struct{ ID string }
	// Invite: one invitation of sendInvitations.
	Invite           struct{ ID, Email, Role, TokenHash, ExpiresAt string }
	DeleteInvitation struct{ ID string }
	ChangeMemberRole struct{ MemberID, Role string }
	RemoveMember     struct{ MemberID string }
	// UpdateWorkspace sets the display name and logo (nil: unchanged).
	// The actor checks the admin role.
	UpdateWorkspace struct{ DisplayName, Logo *string }
)

// MaxWorkspaceSetting bounds a display name or a logo URL.
const MaxWorkspaceSetting = 1024

// WorkspaceSettings is a workspace's display name and logo.
type WorkspaceSettings struct{ DisplayName, Logo string }

// WorkspaceSettingsState is the access state UpdateWorkspace reads.
type WorkspaceSettingsState interface {
	AccessState
	Settings() (WorkspaceSettings, error)
}

func (c UpdateWorkspace) decide(s AccessState) ([]Change, error) {
	ss, ok := s.(WorkspaceSettingsState)
	if !ok {
		return nil, fmt.Errorf("domain: the access state has no workspace settings")
	}
	if creator, err := s.Creator(); err != nil || creator == "" {
		if err == nil {
			err = &NotFoundError{Object: "workspace", ID: ""}
		}
		return nil, err
	}
	cur, err := ss.Settings()
	if err != nil {
		return nil, err
	}
	next := cur
	if c.DisplayName != nil {
		next.DisplayName = strings.TrimSpace(*c.DisplayName)
	}
	if c.Logo != nil {
		next.Logo = strings.TrimSpace(*c.Logo)
	}
	if len(next.DisplayName) > MaxWorkspaceSetting || len(next.Logo) > MaxWorkspaceSetting {
		return nil, invalid("displayName", RuleMaxLength, "displayName and logo may be at most %d bytes", MaxWorkspaceSetting)
	}
	if next == cur {
		return nil, nil
	}
	return change(EventWorkspaceUpdated, WorkspaceUpdated{DisplayName: next.DisplayName, Logo: next.Logo}), nil
}

// AccessCommand is one of the access commands above.
type AccessCommand interface {
	decide(s AccessState) ([]Change, error)
}

// DecideAccess decides cmd against s: the events to append (none when the
// command changes nothing), or why it is refused (*ValidationError,
// *ForbiddenError, *ExistsError, or an error wrapping ErrNotFound).
func DecideAccess(s AccessState, cmd AccessCommand) ([]Change, error) { return cmd.decide(s) }

func change(typ string, payload any) []Change { return []Change{{Type: typ, Payload: payload}} }

// MemberByUser returns the member that is user (nil when none).
func MemberByUser(s AccessState, userID string) (*Member, error) {
	return findMember(s, func(m Member) bool { return m.UserID == userID })
}

// MemberByID returns member id, or an error wrapping ErrNotFound.
func MemberByID(s AccessState, id string) (*Member, error) {
	m, err := findMember(s, func(m Member) bool { return m.MemberID == id })
	if err == nil && m == nil {
		err = &NotFoundError{Object: "workspace member", ID: id}
	}
	return m, err
}

func findMember(s AccessState, match func(Member) bool) (*Member, error) {
	ms, err := s.Members()
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if match(m) {
			return &m, nil
		}
	}
	return nil, nil
}

func (c CreateWorkspace) decide(s AccessState) ([]Change, error) {
	if c.UserID == "" || c.MemberID == "" || c.Email == "" || c.Account == "" {
		return nil, invalid("userId", RuleRequired, "userId, memberId, email and account are required")
	}
	if err := notDeleted(s); err != nil {
		return nil, err
	}
	creator, err := s.Creator()
	if err != nil || creator == c.UserID {
		return nil, err
	}
	if creator != "" {
		return nil, &ExistsError{Message: "workspace already exists"}
	}
	return []Change{
		{Type: EventWorkspaceCreated, Payload: WorkspaceCreated{WorkspaceID: c.WorkspaceID, CreatedBy: c.UserID}},
		{Type: EventMemberAdded, Payload: MemberAdded{MemberID: c.MemberID, UserID: c.UserID, Email: c.Email, Account: c.Account, Role: RoleAdmin}},
	}, nil
}

// notDeleted refuses a change to a deleted workspace's membership.
func notDeleted(s AccessState) error {
	gone, err := s.Deleted()
	if err == nil && gone {
		err = &ForbiddenError{Message: "This workspace has been deleted."}
	}
	return err
}

func (c JoinWorkspace) decide(s AccessState) ([]Change, error) {
	if c.UserID == "" || c.MemberID == "" || c.Email == "" || c.Account == "" {
		return nil, invalid("userId", RuleRequired, "userId, memberId, email and account are required")
	}
	if err := notDeleted(s); err != nil {
		return nil, err // a pending invitation does not outlive its workspace
	}
	m, err := MemberByUser(s, c.UserID)
	if err != nil {
		return nil, err
	}
	if m != nil { // already a member: the invitation is used up all the same
		return change(EventInvitationAccepted, InvitationAccepted{ID: c.InvitationID, MemberID: m.MemberID}), nil
	}
	return []Change{
		{Type: EventInvitationAccepted, Payload: InvitationAccepted{ID: c.InvitationID, MemberID: c.MemberID}},
		{Type: EventMemberAdded, Payload: MemberAdded{MemberID: c.MemberID, UserID: c.UserID, Email: strings.ToLower(c.Email), Account: c.Account, Role: c.Role}},
	}, nil
}

func (c RevokeSession) decide(s AccessState) ([]Change, error) {
	if c.FamilyID == "" {
		return nil, invalid("familyId", RuleRequired, "familyId is required")
	}
	if done, err := s.SessionRevoked(c.FamilyID); err != nil || done {
		return nil, err
	}
	return change(EventSessionRevoked, SessionRevoked(c)), nil
}

func (c CreateAPIKey) decide(AccessState) ([]Change, error) {
	if strings.TrimSpace(c.Name) == "" {
		return nil, invalid("name", RuleRequired, "name is required")
	}
	return change(EventAPIKeyCreated, APIKeyCreated{ID: c.ID, Name: strings.TrimSpace(c.Name), ExpiresAt: c.ExpiresAt}), nil
}

func (c RevokeAPIKey) decide(s AccessState) ([]Change, error) {
	k, err := s.APIKey(c.ID)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, &NotFoundError{Object: "API key", ID: c.ID}
	}
	if k.Revoked {
		return nil, nil
	}
	return change(EventAPIKeyRevoked, APIKeyRevoked(c)), nil
}

func (c Invite) decide(s AccessState) ([]Change, error) {
	m, err := findMember(s, func(m Member) bool { return m.Email == c.Email })
	if err != nil {
		return nil, err
	}
	if m != nil {
		return nil, &ExistsError{Message: c.Email + " is already a member of this workspace"}
	}
	return change(EventInvitationCreated, InvitationCreated(c)), nil
}

func (c DeleteInvitation) decide(s AccessState) ([]Change, error) {
	ok, err := s.InvitationExists(c.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &NotFoundError{Object: "invitation", ID: c.ID}
	}
	return change(EventInvitationDeleted, InvitationDeleted(c)), nil
}

func (c ChangeMemberRole) decide(s AccessState) ([]Change, error) {
	r, err := ResolveRole(s, c.Role)
	if err != nil {
		return nil, invalid("roleId", "role", "unknown roleId")
	}
	role := MemberRoleValue(r)
	m, err := MemberByID(s, c.MemberID)
	if err != nil {
		return nil, err
	}
	if m.Role == role {
		return nil, nil
	}
	if m.Role == RoleAdmin {
		if err := keepAnAdmin(s, c.MemberID); err != nil {
			return nil, err
		}
	}
	return change(EventMemberRoleChanged, MemberRoleChanged{MemberID: c.MemberID, Role: role}), nil
}

func (c RemoveMember) decide(s AccessState) ([]Change, error) {
	m, err := MemberByID(s, c.MemberID)
	if err != nil {
		return nil, err
	}
	if m.Role == RoleAdmin {
		if err := keepAnAdmin(s, c.MemberID); err != nil {
			return nil, err
		}
	}
	return change(EventMemberRemoved, MemberRemoved(c)), nil
}

// keepAnAdmin refuses to leave the workspace without an admin.
func keepAnAdmin(s AccessState, except string) error {
	other, err := findMember(s, func(m Member) bool { return m.Role == RoleAdmin && m.MemberID != except })
	if err == nil && other == nil {
		err = invalid("roleId", "last_admin", "A workspace needs at least one admin.")
	}
	return err
}
