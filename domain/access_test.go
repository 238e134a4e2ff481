package domain_test

import (
	"errors"
	"reflect"
	"testing"

	"edgecrm/domain"
)

func TestRoles(t *testing.T) {
	for _, s := range []string{"admin", "Admin", domain.RoleID(domain.RoleAdmin)} {
		if r, ok := domain.ParseRole(s); !ok || r != domain.RoleAdmin {
			t.Errorf("%q: %q %v", s, r, ok)
		}
	}
	if _, ok := domain.ParseRole("owner"); ok {
		t.Error("unknown role accepted")
	}
}

// accessView is an in-memory domain.AccessState: the fold of access events
// the SQL projection (projections.AccessInline) also implements.
type accessView struct {
	creator     string
	members     []domain.Member
	keys        map[string]*domain.APIKey
	invitations map[string]bool
	revoked     map[string]bool
	roles       map[string]domain.Role
}

func given(changes ...domain.Change) *accessView {
	v := &accessView{keys: map[string]*domain.APIKey{}, invitations: map[string]bool{}, revoked: map[string]bool{}, roles: map[string]domain.Role{}}
	for _, c := range changes {
		switch p := c.Payload.(type) {
		case domain.WorkspaceCreated:
			v.creator = p.CreatedBy
		case domain.MemberAdded:
			v.members = append(v.members, domain.Member{MemberID: p.MemberID, UserID: p.UserID, Email: p.Email, Account: p.Account, Role: p.Role})
		case domain.MemberRoleChanged:
			for i := range v.members {
				if v.members[i].MemberID == p.MemberID {
					v.members[i].Role = p.Role
				}
			}
		case domain.MemberRemoved:
			for i, m := range v.members {
				if m.MemberID == p.MemberID {
					v.members = append(v.members[:i], v.members[i+1:]...)
					break
				}
			}
		case domain.InvitationCreated:
			v.invitations[p.ID] = true
		case domain.InvitationAccepted:
			delete(v.invitations, p.ID)
		case domain.InvitationDeleted:
			delete(v.invitations, p.ID)
		case domain.APIKeyCreated:
			v.keys[p.ID] = &domain.APIKey{ID: p.ID, Name: p.Name, ExpiresAt: p.ExpiresAt}
		case domain.APIKeyRevoked:
			v.keys[p.ID].Revoked = true
		case domain.SessionRevoked:
			v.revoked[p.FamilyID] = true
		case domain.RoleSaved:
			v.roles[p.Role.ID] = p.Role
		case domain.RoleDeleted:
			delete(v.roles, p.ID)
		}
	}
	return v
}

func (v *accessView) Creator() (string, error)                 { return v.creator, nil }
func (v *accessView) Members() ([]domain.Member, error)        { return v.members, nil }
func (v *accessView) APIKey(id string) (*domain.APIKey, error) { return v.keys[id], nil }
func (v *accessView) InvitationExists(id string) (bool, error) { return v.invitations[id], nil }
func (v *accessView) SessionRevoked(f string) (bool, error)    { return v.revoked[f], nil }
func (v *accessView) Deleted() (bool, error)                   { return false, nil }
func (v *accessView) Role(id string) (*domain.Role, error) {
	if r, ok := v.roles[id]; ok {
		return &r, nil
	}
	return nil, nil
}

func ev(typ string, payload any) domain.Change { return domain.Change{Type: typ, Payload: payload} }

var (
	created  = ev(domain.EventWorkspaceCreated, domain.WorkspaceCreated{WorkspaceID: "w1", CreatedBy: "u1"})
	adaAdmin = ev(domain.EventMemberAdded, domain.MemberAdded{MemberID: "m1", UserID: "u1", Email: "ada@x.io", Account: "a1", Role: domain.RoleAdmin})
	bobAdded = ev(domain.EventMemberAdded, domain.MemberAdded{MemberID: "m2", UserID: "u2", Email: "bob@x.io", Account: "a2", Role: domain.RoleMember})
	keyMade  = ev(domain.EventAPIKeyCreated, domain.APIKeyCreated{ID: "k1", Name: "ci", ExpiresAt: "2030-01-01T00:00:00Z"})
	invited  = ev(domain.EventInvitationCreated, domain.InvitationCreated{ID: "i1", Email: "cy@x.io", Role: domain.RoleMember, TokenHash: "h", ExpiresAt: "2030-01-01T00:00:00Z"})
)

// Given access events, when a command, then events (or a refusal).
func TestDecideAccess(t *testing.T) {
	var (
		invalid *domain.ValidationError
		exists  *domain.ExistsError
	)
	notFound := &domain.NotFoundError{}
	for _, c := range []struct {
		name    string
		given   []domain.Change
		when    domain.AccessCommand
		then    []domain.Change
		refusal any // a pointer to the error type expected, or nil
	}{
		{"create a workspace", nil,
			domain.CreateWorkspace{WorkspaceID: "w1", UserID: "u1", MemberID: "m1", Email: "ada@x.io", Account: "a1"},
			[]domain.Change{created, adaAdmin}, nil},
		{"create again, same creator: nothing", []domain.Change{created, adaAdmin},
			domain.CreateWorkspace{WorkspaceID: "w1", UserID: "u1", MemberID: "m9", Email: "ada@x.io", Account: "a1"}, nil, nil},
		{"create again, another user", []domain.Change{created, adaAdmin},
			domain.CreateWorkspace{WorkspaceID: "w1", UserID: "u2", MemberID: "m2", Email: "bob@x.io", Account: "a2"}, nil, &exists},
		{"create without the creator", nil, domain.CreateWorkspace{WorkspaceID: "w1"}, nil, &invalid},
		{"join by invitation", []domain.Change{created, adaAdmin, invited},
			domain.JoinWorkspace{InvitationID: "i1", Role: domain.RoleMember, UserID: "u3", MemberID: "m3", Email: "Cy@x.io", Account: "a3"},
			[]domain.Change{ev(domain.EventInvitationAccepted, domain.InvitationAccepted{ID: "i1", MemberID: "m3"}),
				ev(domain.EventMemberAdded, domain.MemberAdded{MemberID: "m3", UserID: "u3", Email: "cy@x.io", Account: "a3", Role: domain.RoleMember})}, nil},
		{"join when already a member: the invitation is used", []domain.Change{created, adaAdmin, bobAdded, invited},
			domain.JoinWorkspace{InvitationID: "i1", Role: domain.RoleMember, UserID: "u2", MemberID: "m9", Email: "bob@x.io", Account: "a2"},
			[]domain.Change{ev(domain.EventInvitationAccepted, domain.InvitationAccepted{ID: "i1", MemberID: "m2"})}, nil},
		{"revoke a session", []domain.Change{created},
			domain.RevokeSession{FamilyID: "f1", ExpiresAt: "2030-01-01T00:00:00Z"},
			[]domain.Change{ev(domain.EventSessionRevoked, domain.SessionRevoked{FamilyID: "f1", ExpiresAt: "2030-01-01T00:00:00Z"})}, nil},
		{"revoke a revoked session: nothing", []domain.Change{ev(domain.EventSessionRevoked, domain.SessionRevoked{FamilyID: "f1"})},
			domain.RevokeSession{FamilyID: "f1"}, nil, nil},
		{"revoke no session", nil, domain.RevokeSession{}, nil, &invalid},
		{"create an API key (name trimmed)", nil, domain.CreateAPIKey{ID: "k1", Name: " ci ", ExpiresAt: "2030-01-01T00:00:00Z"},
			[]domain.Change{keyMade}, nil},
		{"create an API key without a name", nil, domain.CreateAPIKey{ID: "k1", Name: "  "}, nil, &invalid},
		{"revoke an API key", []domain.Change{keyMade}, domain.RevokeAPIKey{ID: "k1"},
			[]domain.Change{ev(domain.EventAPIKeyRevoked, domain.APIKeyRevoked{ID: "k1"})}, nil},
		{"revoke it again: nothing", []domain.Change{keyMade, ev(domain.EventAPIKeyRevoked, domain.APIKeyRevoked{ID: "k1"})},
			domain.RevokeAPIKey{ID: "k1"}, nil, nil},
		{"revoke an unknown API key", nil, domain.RevokeAPIKey{ID: "k9"}, nil, &notFound},
		{"invite", []domain.Change{created, adaAdmin},
			domain.Invite{ID: "i1", Email: "cy@x.io", Role: domain.RoleMember, TokenHash: "h", ExpiresAt: "2030-01-01T00:00:00Z"},
			[]domain.Change{invited}, nil},
		{"invite a member", []domain.Change{created, adaAdmin, bobAdded}, domain.Invite{ID: "i2", Email: "bob@x.io"}, nil, &exists},
		{"delete an invitation", []domain.Change{invited}, domain.DeleteInvitation{ID: "i1"},
			[]domain.Change{ev(domain.EventInvitationDeleted, domain.InvitationDeleted{ID: "i1"})}, nil},
		{"delete an unknown invitation", nil, domain.DeleteInvitation{ID: "i1"}, nil, &notFound},
		{"make a member admin", []domain.Change{created, adaAdmin, bobAdded}, domain.ChangeMemberRole{MemberID: "m2", Role: "Admin"},
			[]domain.Change{ev(domain.EventMemberRoleChanged, domain.MemberRoleChanged{MemberID: "m2", Role: domain.RoleAdmin})}, nil},
		{"the same role: nothing", []domain.Change{created, adaAdmin}, domain.ChangeMemberRole{MemberID: "m1", Role: domain.RoleAdmin}, nil, nil},
		{"demote the last admin", []domain.Change{created, adaAdmin, bobAdded}, domain.ChangeMemberRole{MemberID: "m1", Role: domain.RoleMember}, nil, &invalid},
		{"an unknown role", []domain.Change{created, adaAdmin}, domain.ChangeMemberRole{MemberID: "m1", Role: "owner"}, nil, &invalid},
		{"remove a member", []domain.Change{created, adaAdmin, bobAdded}, domain.RemoveMember{MemberID: "m2"},
			[]domain.Change{ev(domain.EventMemberRemoved, domain.MemberRemoved{MemberID: "m2"})}, nil},
		{"remove the last admin", []domain.Change{created, adaAdmin, bobAdded}, domain.RemoveMember{MemberID: "m1"}, nil, &invalid},
		{"remove an unknown member", []domain.Change{created, adaAdmin}, domain.RemoveMember{MemberID: "m9"}, nil, &notFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := domain.DecideAccess(given(c.given...), c.when)
			if c.refusal != nil {
				if err == nil || !errors.As(err, c.refusal) {
					t.Fatalf("err = %v (%T), want %T", err, err, c.refusal)
				}
				if got != nil {
					t.Fatalf("a refusal decided %v", got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.then) {
				t.Fatalf("decided %v, %v; want %v", got, err, c.then)
			}
		})
	}
}
