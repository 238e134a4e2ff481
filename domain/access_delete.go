package domain

// Deleting a workspace (Twenty's deleteCurrentWorkspace, a soft delete):
// every member leaves and every API key is revoked, so no token is let in
// again; its records stay in its log; it is never created again.

// EventWorkspaceDeleted marks the workspace deleted.
const EventWorkspaceDeleted = "auth.workspaceDeleted"

// WorkspaceDeleted is the payload of auth.workspaceDeleted.
type WorkspaceDeleted struct {
	WorkspaceID string `msgpack:"workspaceId"`
}

// DeleteWorkspace deletes the workspace; APIKeyIDs are its live keys.
type DeleteWorkspace struct {
	WorkspaceID string
	APIKeyIDs   []string
}

func (c DeleteWorkspace) decide(s AccessState) ([]Change, error) {
	if gone, err := s.Deleted(); err != nil || gone {
		return nil, err
	}
	ms, err := s.Members()
	if err != nil {
		return nil, err
	}
	var out []Change
	for _, m := range ms {
		out = append(out, Change{Type: EventMemberRemoved, Payload: MemberRemoved{MemberID: m.MemberID}})
	}
	for _, id := range c.APIKeyIDs {
		out = append(out, Change{Type: EventAPIKeyRevoked, Payload: APIKeyRevoked{ID: id}})
	}
	return append(out, Change{Type: EventWorkspaceDeleted, Payload: WorkspaceDeleted{WorkspaceID: c.WorkspaceID}}), nil
}

// LeaveCheck is what a member's leaving the workspace would do (deleteUser,
// Twenty's rules): the last member deletes the workspace; the only admin
// among others cannot leave.
func LeaveCheck(s AccessState, userID string) (m *Member, deletes bool, err error) {
	if m, err = MemberByUser(s, userID); err != nil || m == nil {
		return nil, false, err
	}
	ms, err := s.Members()
	if err != nil || len(ms) == 1 {
		return m, true, err
	}
	if m.Role == RoleAdmin {
		if keepAnAdmin(s, m.MemberID) != nil {
			return nil, false, invalid("workspaces", "last_admin", "Cannot delete account: you are the only admin. Assign another admin or delete the workspace(s) first.")
		}
	}
	return m, false, nil
}
