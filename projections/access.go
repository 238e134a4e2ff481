package projections

import (
	"encoding/json"
	"fmt"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host"
)

// Projections of the access log (a workspace's `_auth_events`) and of an
// account's log: inline into the object's own tables, and into D1's lookup
// tables (users, workspaces, memberships, api_keys, revoked_sessions).

// AccessTables and AccountTables are the inline projections' tables (a
// rebuild empties them first).
var (
	AccessTables  = []string{"_auth_workspace", "_auth_members", "_auth_invitations", "_auth_api_keys", "_auth_revoked", "_auth_roles"}
	AccountTables = []string{"_account", "_memberships"}
)

func at(ev events.Event) string { return formatTime(ev.Time) }

func st(sql string, args ...any) []host.Statement { return []host.Statement{{SQL: sql, Args: args}} }

// decode returns ev's payload as the type its event type names.
func decode(ev events.Event) (any, error) {
	var p any
	switch ev.Type {
	case domain.EventWorkspaceCreated:
		p = &domain.WorkspaceCreated{}
	case domain.EventWorkspaceDeleted:
		p = &domain.WorkspaceDeleted{}
	case domain.EventWorkspaceUpdated:
		p = &domain.WorkspaceUpdated{}
	case domain.EventMemberAdded:
		p = &domain.MemberAdded{}
	case domain.EventMemberRoleChanged:
		p = &domain.MemberRoleChanged{}
	case domain.EventMemberRemoved:
		p = &domain.MemberRemoved{}
	case domain.EventInvitationCreated:
		p = &domain.InvitationCreated{}
	case domain.EventInvitationAccepted:
		p = &domain.InvitationAccepted{}
	case domain.EventInvitationDeleted:
		p = &domain.InvitationDeleted{}
	case domain.EventAPIKeyCreated:
		p = &domain.APIKeyCreated{}
	case domain.EventAPIKeyRevoked:
		p = &domain.APIKeyRevoked{}
	case domain.EventSessionRevoked:
		p = &domain.SessionRevoked{}
	case domain.EventRoleSaved:
		p = &domain.RoleSaved{}
	case domain.EventRoleDeleted:
		p = &domain.RoleDeleted{}
	case domain.EventAPIKeyUpdated:
		p = &domain.APIKeyUpdated{}
	case domain.EventAPIKeyRoleAssigned:
		p = &domain.APIKeyRoleAssigned{}
	case domain.EventAccountCreated:
		p = &domain.AccountCreated{}
	case domain.EventPasswordRehashed:
		p = &domain.PasswordRehashed{}
	case domain.EventMembershipAdded:
		p = &domain.MembershipAdded{}
	case domain.EventMembershipRoleChanged:
		p = &domain.MembershipRoleChanged{}
	case domain.EventMembershipRemoved:
		p = &domain.MembershipRemoved{}
	case domain.EventPasswordChanged:
		p = &domain.PasswordChanged{}
	case domain.EventEmailVerified:
		p = &domain.EmailVerified{}
	case domain.EventAccountDeleted:
		p = &domain.AccountDeleted{}
	case domain.EventWorkspaceReserved:
		p = &domain.WorkspaceReserved{}
	default:
		return nil, fmt.Errorf("projections: unknown access or account event %q", ev.Type)
	}
	if err := ev.Decode(p); err != nil {
		return nil, err
	}
	return p, nil
}

// AccessInline projects an access event into the workspace object's tables.
func AccessInline(ev events.Event) ([]host.Statement, error) {
	p, err := decode(ev)
	if err != nil {
		return nil, err
	}
	switch p := p.(type) {
	case *domain.WorkspaceCreated:
		return st(`INSERT INTO _auth_workspace (id, created_by, created_at) VALUES (?,?,?)`, p.WorkspaceID, p.CreatedBy, at(ev)), nil
	case *domain.WorkspaceUpdated:
		return st(`UPDATE _auth_workspace SET display_name = ?, logo = ?`, p.DisplayName, p.Logo), nil
	case *domain.WorkspaceDeleted:
		return st(`UPDATE _auth_workspace SET deleted_at = ?`, at(ev)), nil
	case *domain.MemberAdded:
		return st(`INSERT INTO _auth_members (member_id, user_id, email, account, role, joined_at) VALUES (?,?,?,?,?,?)`,
			p.MemberID, p.UserID, p.Email, p.Account, p.Role, at(ev)), nil
	case *domain.MemberRoleChanged:
		return st(`UPDATE _auth_members SET role = ? WHERE member_id = ?`, p.Role, p.MemberID), nil
	case *domain.MemberRemoved:
		return st(`DELETE FROM _auth_members WHERE member_id = ?`, p.MemberID), nil
	case *domain.InvitationCreated:
		return st(`INSERT INTO _auth_invitations (id, email, role, token_hash, expires_at, created_at) VALUES (?,?,?,?,?,?)`,
			p.ID, p.Email, p.Role, p.TokenHash, p.ExpiresAt, at(ev)), nil
	case *domain.InvitationAccepted:
		return st(`DELETE FROM _auth_invitations WHERE id = ?`, p.ID), nil
	case *domain.InvitationDeleted:
		return st(`DELETE FROM _auth_invitations WHERE id = ?`, p.ID), nil
	case *domain.APIKeyCreated:
		return st(`INSERT INTO _auth_api_keys (id, name, expires_at, created_at) VALUES (?,?,?,?)`, p.ID, p.Name, p.ExpiresAt, at(ev)), nil
	case *domain.APIKeyRevoked:
		return st(`UPDATE _auth_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at(ev), p.ID), nil
	case *domain.SessionRevoked:
		return st(`INSERT INTO _auth_revoked (family_id, expires_at) VALUES (?,?) ON CONFLICT(family_id) DO NOTHING`, p.FamilyID, p.ExpiresAt), nil
	case *domain.RoleSaved:
		body, err := json.Marshal(p.Role)
		if err != nil {
			return nil, err
		}
		return st(`INSERT INTO _auth_roles (id, body) VALUES (?,?) ON CONFLICT(id) DO UPDATE SET body = excluded.body`, p.Role.ID, string(body)), nil
	case *domain.RoleDeleted:
		// The role's API keys fall back to Member, as its members do.
		return []host.Statement{{SQL: `DELETE FROM _auth_roles WHERE id = ?`, Args: []any{p.ID}},
			{SQL: `UPDATE _auth_api_keys SET role = NULL WHERE role = ?`, Args: []any{p.ID}}}, nil
	case *domain.APIKeyUpdated:
		return st(`UPDATE _auth_api_keys SET name = ?, expires_at = ? WHERE id = ?`, p.Name, p.ExpiresAt, p.ID), nil
	case *domain.APIKeyRoleAssigned:
		return st(`UPDATE _auth_api_keys SET role = ? WHERE id = ?`, p.Role, p.ID), nil
	}
	return nil, fmt.Errorf("projections: %q is not an access event", ev.Type)
}

// AccessD1 projects an access event of workspace ws into D1's lookups.
func AccessD1(ws string, ev events.Event) ([]host.Statement, error) {
	p, err := decode(ev)
	if err != nil {
		return nil, err
	}
	switch p := p.(type) {
	case *domain.WorkspaceCreated:
		return st(`INSERT INTO workspaces (id, created_by, created_at) VALUES (?,?,?) ON CONFLICT(id) DO NOTHING`, ws, p.CreatedBy, at(ev)), nil
	case *domain.MemberAdded:
		return st(`INSERT INTO memberships (workspace_id, user_id, member_id, role, joined_at) VALUES (?,?,?,?,?)
			ON CONFLICT(workspace_id, user_id) DO UPDATE SET member_id = excluded.member_id, role = excluded.role`, ws, p.UserID, p.MemberID, p.Role, at(ev)), nil
	case *domain.MemberRoleChanged:
		return st(`UPDATE memberships SET role = ? WHERE workspace_id = ? AND member_id = ?`, p.Role, ws, p.MemberID), nil
	case *domain.MemberRemoved:
		return st(`DELETE FROM memberships WHERE workspace_id = ? AND member_id = ?`, ws, p.MemberID), nil
	case *domain.APIKeyCreated:
		return st(`INSERT INTO api_keys (id, workspace_id, name, expires_at, created_at) VALUES (?,?,?,?,?) ON CONFLICT(id) DO NOTHING`, p.ID, ws, p.Name, p.ExpiresAt, at(ev)), nil
	case *domain.APIKeyRevoked:
		return st(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at(ev), p.ID), nil
	case *domain.SessionRevoked:
		return st(`INSERT INTO revoked_sessions (family_id, workspace_id, expires_at) VALUES (?,?,?) ON CONFLICT(family_id) DO NOTHING`, p.FamilyID, ws, p.ExpiresAt), nil
	case *domain.APIKeyUpdated:
		return st(`UPDATE api_keys SET name = ?, expires_at = ? WHERE id = ?`, p.Name, p.ExpiresAt, p.ID), nil
	case *domain.InvitationCreated, *domain.InvitationAccepted, *domain.InvitationDeleted, *domain.RoleSaved, *domain.RoleDeleted, *domain.APIKeyRoleAssigned, *domain.WorkspaceUpdated, *domain.WorkspaceDeleted:
		return nil, nil
	}
	return nil, fmt.Errorf("projections: %q is not an access event", ev.Type)
}

// AccessD1Reset empties workspace ws's rows of D1's lookups (before a
// replay of its access log rebuilds them).
func AccessD1Reset(ws string) []host.Statement {
	var out []host.Statement
	for _, t := range []string{"DELETE FROM workspaces WHERE id = ?", "DELETE FROM memberships WHERE workspace_id = ?",
		"DELETE FROM api_keys WHERE workspace_id = ?", "DELETE FROM revoked_sessions WHERE workspace_id = ?"} {
		out = append(out, host.Statement{SQL: t, Args: []any{ws}})
	}
	return out
}

// AccountInline projects an account event into the account object's tables.
func AccountInline(ev events.Event) ([]host.Statement, error) {
	p, err := decode(ev)
	if err != nil {
		return nil, err
	}
	switch p := p.(type) {
	case *domain.AccountCreated:
		return st(`INSERT INTO _account (user_id, email, password_hash, default_workspace_id, default_member_id, created_at) VALUES (?,?,?,?,?,?)`,
			p.UserID, p.Email, p.PasswordHash, p.WorkspaceID, p.MemberID, at(ev)), nil
	case *domain.PasswordRehashed:
		return st(`UPDATE _account SET password_hash = ? WHERE deleted_at IS NULL`, p.PasswordHash), nil
	case *domain.PasswordChanged:
		return st(`UPDATE _account SET password_hash = ? WHERE deleted_at IS NULL`, p.PasswordHash), nil
	case *domain.EmailVerified:
		return st(`UPDATE _account SET email_verified = 1 WHERE deleted_at IS NULL`), nil
	case *domain.WorkspaceReserved:
		return st(`UPDATE _account SET default_workspace_id = ?, default_member_id = ? WHERE deleted_at IS NULL`, p.WorkspaceID, p.MemberID), nil
	case *domain.AccountDeleted:
		return st(`UPDATE _account SET deleted_at = ? WHERE deleted_at IS NULL`, at(ev)), nil
	case *domain.MembershipAdded:
		return st(`INSERT INTO _memberships (workspace_id, member_id, role, joined_at) VALUES (?,?,?,?) ON CONFLICT(workspace_id) DO UPDATE SET member_id = excluded.member_id, role = excluded.role`,
			p.WorkspaceID, p.MemberID, p.Role, at(ev)), nil
	case *domain.MembershipRoleChanged:
		return st(`UPDATE _memberships SET role = ? WHERE workspace_id = ?`, p.Role, p.WorkspaceID), nil
	case *domain.MembershipRemoved:
		return st(`DELETE FROM _memberships WHERE workspace_id = ?`, p.WorkspaceID), nil
	}
	return nil, fmt.Errorf("projections: %q is not an account event", ev.Type)
}

// AccountD1 projects an account event into D1 (users; memberships come
// from the workspace's side).
func AccountD1(ev events.Event) ([]host.Statement, error) {
	if ev.Type == domain.EventAccountDeleted {
		// The address is free again (users.email is unique).
		var p domain.AccountDeleted
		if err := ev.Decode(&p); err != nil {
			return nil, err
		}
		return st(`DELETE FROM users WHERE id = ?`, p.UserID), nil
	}
	if ev.Type != domain.EventAccountCreated {
		return nil, nil
	}
	var p domain.AccountCreated
	if err := ev.Decode(&p); err != nil {
		return nil, err
	}
	return st(`INSERT INTO users (id, email, created_at) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET email = excluded.email`, p.UserID, p.Email, at(ev)), nil
}
