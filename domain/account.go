package domain

// Accounts: an account object (one per normalized email) keeps a user's own
// log (account.*). The rules are pure: given the account's state (Account),
// a command decides its events.

// Account events.
const (
	EventAccountCreated        = "account.created"
	EventPasswordRehashed      = "account.passwordRehashed"
	EventMembershipAdded       = "account.membershipAdded"
	EventMembershipRoleChanged = "account.membershipRoleChanged"
	EventMembershipRemoved     = "account.membershipRemoved"
	EventPasswordChanged       = "account.passwordChanged" // through a password reset token
	EventEmailVerified         = "account.emailVerified"
	EventAccountDeleted        = "account.deleted" // deleteUser: the account signs in no more
	EventWorkspaceReserved     = "account.workspaceReserved"
)

// Account event payloads.
type (
	// AccountCreated: a user signed up. WorkspaceID and MemberID are
	// reserved for the user's own workspace (created by the sign-up flow,
	// or later by a login that finds the account without any workspace).
	AccountCreated struct {
		UserID       string `msgpack:"userId"`
		Email        string `msgpack:"email"`
		PasswordHash string `msgpack:"passwordHash"` // argon2id PHC string; the log stays in the object
		WorkspaceID  string `msgpack:"workspaceId"`
		MemberID     string `msgpack:"memberId"`
	}
	// PasswordRehashed: a login re-hashed the password with current parameters.
	PasswordRehashed struct {
		PasswordHash string `msgpack:"passwordHash"`
	}
	// MembershipAdded: the user joined a workspace.
	MembershipAdded struct {
		WorkspaceID string `msgpack:"workspaceId"`
		MemberID    string `msgpack:"memberId"`
		Role        string `msgpack:"role"`
	}
	// MembershipRoleChanged: the user's role in a workspace changed.
	MembershipRoleChanged struct {
		WorkspaceID string `msgpack:"workspaceId"`
		Role        string `msgpack:"role"`
	}
	// MembershipRemoved: the user left (or was removed from) a workspace.
	MembershipRemoved struct {
		WorkspaceID string `msgpack:"workspaceId"`
	}
	// PasswordChanged: a new password, set with a password reset token.
	PasswordChanged struct {
		PasswordHash string `msgpack:"passwordHash"`
	}
	// WorkspaceReserved: new ids for the account's own workspace, the one
	// reserved at sign-up having been deleted (a login without any
	// workspace creates it).
	WorkspaceReserved struct {
		WorkspaceID string `msgpack:"workspaceId"`
		MemberID    string `msgpack:"memberId"`
	}
	// EmailVerified: the user proved the address (an emailed token).
	EmailVerified struct{}
	// AccountDeleted: the user deleted their account (deleteUser), after
	// leaving every workspace.
	AccountDeleted struct {
		UserID string `msgpack:"userId"`
	}
)

// Account is an account's state: nil Created before sign-up.
type Account struct {
	Created     *AccountCreated
	Memberships []MembershipAdded // in join order
}

// Membership returns the account's membership of workspace ws, or nil.
func (a *Account) Membership(ws string) *MembershipAdded {
	for i := range a.Memberships {
		if a.Memberships[i].WorkspaceID == ws {
			return &a.Memberships[i]
		}
	}
	return nil
}

// Account commands (ids and the password hash are the caller's).
type (
	CreateAccount    AccountCreated
	RehashPassword   PasswordRehashed
	AddMembership    MembershipAdded
	ChangeMembership MembershipRoleChanged
	RemoveMembership MembershipRemoved
	ChangePassword   PasswordChanged
	VerifyEmail      EmailVerified
	DeleteAccount    AccountDeleted
	ReserveWorkspace WorkspaceReserved
)

// AccountCommand is one of the account commands above.
type AccountCommand interface {
	decide(a *Account) ([]Change, error)
}

// DecideAccount decides cmd against a: the events to append (none when
// the command changes nothing) or why it is refused.
func DecideAccount(a *Account, cmd AccountCommand) ([]Change, error) { return cmd.decide(a) }

func (c CreateAccount) decide(a *Account) ([]Change, error) {
	if a.Created != nil {
		return nil, &ExistsError{Message: "This email is already registered: log in instead."}
	}
	return change(EventAccountCreated, AccountCreated(c)), nil
}

func (c RehashPassword) decide(a *Account) ([]Change, error) {
	if a.Created == nil || c.PasswordHash == "" {
		return nil, nil
	}
	return change(EventPasswordRehashed, PasswordRehashed(c)), nil
}

func (c AddMembership) decide(a *Account) ([]Change, error) {
	role, ok := ParseRole(c.Role)
	if !ok || c.WorkspaceID == "" || c.MemberID == "" {
		return nil, invalid("workspaceId", RuleRequired, "workspaceId, memberId and role are required")
	}
	if m := a.Membership(c.WorkspaceID); m != nil && m.MemberID == c.MemberID && m.Role == role {
		return nil, nil
	}
	return change(EventMembershipAdded, MembershipAdded{WorkspaceID: c.WorkspaceID, MemberID: c.MemberID, Role: role}), nil
}

func (c ChangeMembership) decide(a *Account) ([]Change, error) {
	role, ok := ParseRole(c.Role)
	if !ok {
		return nil, invalid("role", "role", "unknown role")
	}
	if m := a.Membership(c.WorkspaceID); m == nil || m.Role == role {
		return nil, nil
	}
	return change(EventMembershipRoleChanged, MembershipRoleChanged{WorkspaceID: c.WorkspaceID, Role: role}), nil
}

func (c RemoveMembership) decide(a *Account) ([]Change, error) {
	if a.Membership(c.WorkspaceID) == nil {
		return nil, nil
	}
	return change(EventMembershipRemoved, MembershipRemoved(c)), nil
}

func (c ChangePassword) decide(a *Account) ([]Change, error) {
	if a.Created == nil || c.PasswordHash == "" {
		return nil, invalid("password", RuleRequired, "no account or no password")
	}
	return change(EventPasswordChanged, PasswordChanged(c)), nil
}

func (c ReserveWorkspace) decide(a *Account) ([]Change, error) {
	if a.Created == nil || c.WorkspaceID == "" || c.MemberID == "" {
		return nil, nil
	}
	return change(EventWorkspaceReserved, WorkspaceReserved(c)), nil
}

func (c VerifyEmail) decide(a *Account) ([]Change, error) {
	if a.Created == nil {
		return nil, nil
	}
	return change(EventEmailVerified, EmailVerified{}), nil
}

func (c DeleteAccount) decide(a *Account) ([]Change, error) {
	if a.Created == nil {
		return nil, nil
	}
	if len(a.Memberships) > 0 {
		return nil, invalid("workspaces", RuleRequired, "the account must leave its workspaces first")
	}
	return change(EventAccountDeleted, AccountDeleted{UserID: a.Created.UserID}), nil
}

// Apply evolves a by one of its events (the fold the account's projection
// also implements in SQL; tests use it to build a state from events).
func (a *Account) Apply(c Change) {
	switch p := c.Payload.(type) {
	case AccountCreated:
		a.Created = &p
	case PasswordRehashed:
		if a.Created != nil {
			a.Created.PasswordHash = p.PasswordHash
		}
	case PasswordChanged:
		if a.Created != nil {
			a.Created.PasswordHash = p.PasswordHash
		}
	case AccountDeleted:
		a.Created = nil
	case WorkspaceReserved:
		if a.Created != nil {
			a.Created.WorkspaceID, a.Created.MemberID = p.WorkspaceID, p.MemberID
		}
	case MembershipAdded:
		if m := a.Membership(p.WorkspaceID); m != nil {
			*m = p
		} else {
			a.Memberships = append(a.Memberships, p)
		}
	case MembershipRoleChanged:
		if m := a.Membership(p.WorkspaceID); m != nil {
			m.Role = p.Role
		}
	case MembershipRemoved:
		for i, m := range a.Memberships {
			if m.WorkspaceID == p.WorkspaceID {
				a.Memberships = append(a.Memberships[:i], a.Memberships[i+1:]...)
				break
			}
		}
	}
}
