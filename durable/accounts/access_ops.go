package accounts

import (
	"errors"
	"fmt"
	"time"

	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// Access operations (Twenty's names; the edge parses the GraphQL and calls
// op with plain arguments).
const (
	OpCreateAPIKey              = "createApiKey"
	OpRevokeAPIKey              = "revokeApiKey"
	OpAPIKeys                   = "apiKeys"
	OpGenerateAPIKeyToken       = "generateApiKeyToken"
	OpSendInvitations           = "sendInvitations"
	OpFindWorkspaceInvitations  = "findWorkspaceInvitations"
	OpDeleteWorkspaceInvitation = "deleteWorkspaceInvitation"
	OpUpdateWorkspaceMemberRole = "updateWorkspaceMemberRole"
	OpDeleteUserFromWorkspace   = "deleteUserFromWorkspace"
	OpGetRoles                  = "getRoles"
	OpUpdateWorkspace           = "updateWorkspace"
	OpActivateWorkspace         = "activateWorkspace"
	OpResendInvitation          = "resendWorkspaceInvitation"
	OpGenerateTransientToken    = "generateTransientToken"
	OpDeleteCurrentWorkspace    = "deleteCurrentWorkspace"
)

// TransientTokenTTL is how long a transient token lasts (Twenty's
// SHORT_TERM_TOKEN_EXPIRES_IN default).
const TransientTokenTTL = 5 * time.Minute

// adminOps are the settings operations and the permission flag each
// needs (Twenty's settings guards); the others any member may call.
var adminOps = map[string]string{
	OpCreateAPIKey: domain.FlagAPIKeysAndWebhooks, OpRevokeAPIKey: domain.FlagAPIKeysAndWebhooks, OpAPIKeys: domain.FlagAPIKeysAndWebhooks,
	OpGenerateAPIKeyToken: domain.FlagAPIKeysAndWebhooks,
	OpSendInvitations:     domain.FlagWorkspaceMembers, OpFindWorkspaceInvitations: domain.FlagWorkspaceMembers,
	OpDeleteWorkspaceInvitation: domain.FlagWorkspaceMembers, OpResendInvitation: domain.FlagWorkspaceMembers,
	OpDeleteUserFromWorkspace: domain.FlagWorkspaceMembers, OpUpdateWorkspaceMemberRole: domain.FlagRoles,
	OpUpdateWorkspace: domain.FlagWorkspace, OpActivateWorkspace: domain.FlagWorkspace, OpDeleteCurrentWorkspace: domain.FlagWorkspace,
}

// IsAccessOp reports whether name is an access operation.
func IsAccessOp(name string) bool {
	return adminOps[name] != "" || name == OpGetRoles || name == OpGenerateTransientToken
}

func (a *Access) op(p auth.Principal, op string, args map[string]any) (*AccessReply, error) {
	if !IsAccessOp(op) {
		return nil, auth.Errorf(400, auth.CodeBadInput, "unknown operation %q", op)
	}
	if flag := adminOps[op]; flag != "" {
		if p.Kind != auth.KindUser && p.Kind != auth.KindAdmin {
			return nil, domain.Denied("")
		}
		role, err := RoleOf(a.W, p.Role)
		if err != nil {
			return nil, err
		}
		if err := role.CheckFlag(flag); err != nil {
			return nil, err
		}
	}
	now := a.W.Now()
	actor := p.Actor()
	switch op {
	case OpGenerateTransientToken:
		// A user's own, for the member it is in this workspace.
		if p.Kind != auth.KindUser {
			return nil, auth.Errorf(403, auth.CodeForbidden, "Only a signed-in user can get a transient token.")
		}
		cfg := auth.Current()
		if cfg.Keys == nil {
			return nil, auth.Errorf(503, auth.CodeUnavailable, "authentication is not configured: %s", cfg.KeyError)
		}
		is, err := cfg.Keys.Issue(auth.Claims{Type: auth.TokenTransient, UserID: p.UserID, WorkspaceID: a.W.ID, WorkspaceMemberID: p.MemberID}, TransientTokenTTL, now)
		if err != nil {
			return nil, err
		}
		return &AccessReply{Result: map[string]any{"transientToken": tokenJSON(is)}}, nil
	case OpDeleteCurrentWorkspace:
		return a.deleteWorkspace(actor)
	case OpGetRoles:
		roles, err := a.roles()
		if err != nil {
			return nil, err
		}
		return &AccessReply{Result: roles}, nil
	case OpCreateOneRole, OpUpdateOneRole, OpDeleteOneRole, OpUpsertObjectPermissions, OpUpsertFieldPermissions, OpUpsertPermissionFlags,
		OpAPIKey, OpUpdateAPIKey, OpAssignRoleToAPIKey:
		return a.roleOp(actor, op, args)
	case OpCreateAPIKey:
		in := argMap(args, "input")
		exp := now.AddDate(100, 0, 0)
		if s := str(in, "expiresAt"); s != "" {
			t, err := parseTime(s)
			if err != nil {
				return nil, auth.Errorf(400, auth.CodeBadInput, "expiresAt must be an ISO-8601 date")
			}
			exp = t
		}
		if rid := str(in, "roleId"); rid != "" {
			if _, ok := domain.ParseRole(rid); !ok {
				return nil, auth.Errorf(400, auth.CodeBadInput, "unknown roleId")
			}
		}
		id := durable.NewRecordID(now)
		if err := a.execute(actor, domain.CreateAPIKey{ID: id, Name: str(in, "name"), ExpiresAt: exp.UTC().Format(time.RFC3339)}); err != nil {
			return nil, err
		}
		key, err := a.apiKey(id)
		if err != nil {
			return nil, err
		}
		return &AccessReply{Result: key}, nil
	case OpRevokeAPIKey:
		id := str(argMap(args, "input"), "id")
		if id == "" {
			id = str(args, "id")
		}
		if err := a.execute(actor, domain.RevokeAPIKey{ID: id}); err != nil {
			return nil, err
		}
		key, err := a.apiKey(id)
		if err != nil {
			return nil, err
		}
		return &AccessReply{Result: key, KVDelete: []string{auth.APIKeyCacheKey(id)}}, nil
	case OpAPIKeys:
		rows, err := a.W.DB.Exec(`SELECT id FROM _auth_api_keys ORDER BY created_at, id`)
		if err != nil {
			return nil, err
		}
		list := []any{}
		for _, r := range rows.Values {
			k, err := a.apiKey(sqldb.AsString(r[0]))
			if err != nil {
				return nil, err
			}
			list = append(list, k)
		}
		return &AccessReply{Result: list}, nil
	case OpGenerateAPIKeyToken:
		return a.apiKeyToken(args, now)
	case OpSendInvitations:
		return a.invite(actor, args, now)
	case OpUpdateWorkspace, OpActivateWorkspace:
		// Twenty's inputs: updateWorkspace(data: {displayName, logo, ...}),
		// activateWorkspace(data: {displayName}). Settings of features
		// this deployment does not have are refused, not ignored.
		in := argMap(args, "data")
		var cmd domain.UpdateWorkspace
		for k, v := range in {
			s, ok := v.(string)
			switch {
			case (k == "displayName" || k == "logo") && ok:
				if k == "displayName" {
					cmd.DisplayName = &s
				} else {
					cmd.Logo = &s
				}
			case k == "displayName" || k == "logo":
				return nil, auth.Errorf(400, auth.CodeBadInput, "%s must be a string", k)
			default:
				return nil, auth.Errorf(400, auth.CodeBadInput, "%s cannot be changed in this deployment", k)
			}
		}
		if err := a.execute(actor, cmd); err != nil {
			return nil, err
		}
		ws, err := WorkspaceJSON(a.W)
		return &AccessReply{Result: ws}, err
	case OpResendInvitation:
		// As Twenty: the invitation is replaced by a new one (new token,
		// new expiry) for the same address and role.
		id := str(args, "appTokenId")
		rows, err := a.W.DB.Exec(`SELECT email, role FROM _auth_invitations WHERE id = ?`, id)
		if err != nil {
			return nil, err
		}
		if len(rows.Values) == 0 {
			return nil, &domain.NotFoundError{Object: "invitation", ID: id}
		}
		email, role := sqldb.AsString(rows.Values[0][0]), sqldb.AsString(rows.Values[0][1])
		if err := a.execute(actor, domain.DeleteInvitation{ID: id}); err != nil {
			return nil, err
		}
		return a.invite(actor, map[string]any{"emails": []any{email}, "roleId": role}, now)
	case OpFindWorkspaceInvitations:
		rows, err := a.W.DB.Exec(`SELECT id, email, role, expires_at FROM _auth_invitations ORDER BY created_at, id`)
		if err != nil {
			return nil, err
		}
		list := []any{}
		for _, r := range rows.Values {
			list = append(list, map[string]any{"id": sqldb.AsString(r[0]), "email": sqldb.AsString(r[1]),
				"roleId": domain.RoleID(sqldb.AsString(r[2])), "expiresAt": isoTime(sqldb.AsString(r[3]))})
		}
		return &AccessReply{Result: list}, nil
	case OpDeleteWorkspaceInvitation:
		if err := a.execute(actor, domain.DeleteInvitation{ID: str(args, "appTokenId")}); err != nil {
			return nil, err
		}
		return &AccessReply{Result: "success"}, nil
	case OpUpdateWorkspaceMemberRole:
		memberID := str(args, "workspaceMemberId")
		r, err := domain.ResolveRole(a, str(args, "roleId"))
		if err != nil {
			return nil, auth.Errorf(400, auth.CodeBadInput, "unknown roleId")
		}
		role := domain.MemberRoleValue(r)
		m, err := domain.MemberByID(a, memberID)
		if err != nil {
			return nil, err
		}
		if err := a.execute(actor, domain.ChangeMemberRole{MemberID: memberID, Role: role}); err != nil {
			return nil, err
		}
		reply := &AccessReply{KVDelete: []string{auth.MemberCacheKey(a.W.ID, m.UserID)}}
		if m.Role != role {
			reply.FollowUps = []FollowUp{{Account: m.Account, Path: PathMembershipRole, Body: AccountRequest{WorkspaceID: a.W.ID, Role: role}}}
		}
		m.Role = role
		reply.Result = a.memberJSON(m)
		return reply, nil
	case OpDeleteUserFromWorkspace:
		memberID := str(args, "workspaceMemberIdToDelete")
		m, err := domain.MemberByID(a, memberID)
		if err != nil {
			return nil, err
		}
		if err := a.execute(actor, domain.RemoveMember{MemberID: memberID}); err != nil {
			return nil, err
		}
		if rec, err := a.W.Record("workspaceMember", memberID); err != nil {
			return nil, err
		} else if rec != nil && !rec.Deleted {
			if _, err := a.W.Execute(domain.RecordCommand{Kind: domain.Delete, Object: "workspaceMember", ID: memberID}, actor, durable.NewRecordID(now)); err != nil {
				return nil, err
			}
		}
		return &AccessReply{Result: a.memberJSON(m), KVDelete: []string{auth.MemberCacheKey(a.W.ID, m.UserID)},
			FollowUps: []FollowUp{{Account: m.Account, Path: PathMembershipRemove, Body: AccountRequest{WorkspaceID: a.W.ID}}}}, nil
	}
	return nil, auth.Errorf(400, auth.CodeBadInput, "unknown operation %q", op)
}

// apiKeyToken issues a token for an API key (generateApiKeyToken): never
// past the key's own expiry.
func (a *Access) apiKeyToken(args map[string]any, now time.Time) (*AccessReply, error) {
	id := str(args, "apiKeyId")
	key, err := a.APIKey(id)
	if err != nil {
		return nil, err
	}
	if key == nil || key.Revoked {
		return nil, auth.Errorf(404, auth.CodeNotFound, "API key not found or revoked")
	}
	exp, _ := parseTime(key.ExpiresAt)
	if s := str(args, "expiresAt"); s != "" {
		t, err := parseTime(s)
		if err != nil {
			return nil, auth.Errorf(400, auth.CodeBadInput, "expiresAt must be an ISO-8601 date")
		}
		if t.Before(exp) {
			exp = t
		}
	}
	if !exp.After(now.Add(time.Second)) {
		return nil, auth.Errorf(400, auth.CodeBadInput, "expiresAt must be in the future")
	}
	cfg := auth.Current()
	if cfg.Keys == nil {
		return nil, auth.Errorf(503, auth.CodeUnavailable, "authentication is not configured: %s", cfg.KeyError)
	}
	is, err := cfg.Keys.Issue(auth.Claims{Type: auth.TokenAPIKey, WorkspaceID: a.W.ID, TokenID: id}, exp.Sub(now), now)
	if err != nil {
		return nil, err
	}
	return &AccessReply{Result: map[string]any{"token": is.Token}}, nil
}

// invite creates one invitation per address (sendInvitations); an address
// refused does not stop the others: the answer lists why.
func (a *Access) invite(actor string, args map[string]any, now time.Time) (*AccessReply, error) {
	role := domain.RoleMember
	if rid := str(args, "roleId"); rid != "" {
		r, ok := domain.ParseRole(rid)
		if !ok {
			return nil, auth.Errorf(400, auth.CodeBadInput, "unknown roleId")
		}
		role = r
	}
	emails, _ := args["emails"].([]any)
	if len(emails) == 0 || len(emails) > 50 {
		return nil, auth.Errorf(400, auth.CodeBadInput, "emails must list 1 to 50 addresses")
	}
	results, errs := []any{}, []any{}
	for _, e := range emails {
		s, _ := e.(string)
		email, err := auth.NormalizeEmail(s)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%q is not a valid email address", s))
			continue
		}
		token, hash := newInviteToken(a.W.ID)
		inv := domain.Invite{ID: durable.NewRecordID(now), Email: email, Role: role, TokenHash: hash,
			ExpiresAt: now.Add(auth.InvitationTTL).UTC().Format(time.RFC3339)}
		if err := a.execute(actor, inv); err != nil {
			var exists *domain.ExistsError
			if !errors.As(err, &exists) {
				return nil, err
			}
			errs = append(errs, exists.Message)
			continue
		}
		results = append(results, map[string]any{"id": inv.ID, "email": email, "roleId": domain.RoleID(role), "expiresAt": isoTime(inv.ExpiresAt),
			// The personal invite token goes to the invitee (there is no
			// mailer yet): workspacePersonalInviteToken of signUp.
			"personalInviteToken": token})
	}
	return &AccessReply{Result: map[string]any{"success": len(errs) == 0, "errors": errs, "result": results}}, nil
}

func (a *Access) apiKey(id string) (map[string]any, error) {
	rows, err := a.W.DB.Exec(`SELECT id, name, expires_at, revoked_at, created_at, coalesce(role, 'member') FROM _auth_api_keys WHERE id = ?`, id)
	if err != nil || len(rows.Values) == 0 {
		return nil, err
	}
	r := rows.Values[0]
	var revoked any
	if r[3] != nil {
		revoked = sqldb.AsString(r[3])
	}
	return map[string]any{"id": sqldb.AsString(r[0]), "name": sqldb.AsString(r[1]), "expiresAt": isoTime(sqldb.AsString(r[2])),
		"revokedAt": revoked, "createdAt": sqldb.AsString(r[4]), "role": a.roleValueJSON(sqldb.AsString(r[5]))}, nil
}

// RoleJSON is a role as Twenty's Role: a standard role in full, a custom
// one by its id.
func RoleJSON(role string) map[string]any { return roleJSON(role) }

// RoleValueJSON is the role a member's role value names, custom roles
// included, as Twenty's Role.
func RoleValueJSON(w *durable.Workspace, role string) map[string]any {
	return OpenAccess(w).roleValueJSON(role)
}

func roleJSON(role string) map[string]any {
	if r := domain.StandardRole(role); r != nil {
		return fullRoleJSON(r)
	}
	return map[string]any{"id": role, "label": role, "canUpdateAllSettings": false, "isEditable": true}
}

func (a *Access) memberJSON(m *domain.Member) map[string]any {
	return map[string]any{"id": m.MemberID, "userId": m.UserID, "userEmail": m.Email, "roles": []any{a.roleValueJSON(m.Role)}}
}

func argMap(args map[string]any, name string) map[string]any {
	if m, ok := args[name].(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, projections.TimeLayout, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}

// isoTime renders a stored RFC 3339 time the way the API renders dates.
func isoTime(s string) string {
	t, err := parseTime(s)
	if err != nil {
		return s
	}
	return t.Format(projections.TimeLayout)
}

// deleteWorkspace deletes the workspace (deleteCurrentWorkspace): its
// members leave (their accounts follow), its API keys are revoked, the
// edge forgets what it cached of them.
func (a *Access) deleteWorkspace(actor string) (*AccessReply, error) {
	members, err := a.Members()
	if err != nil {
		return nil, err
	}
	rows, err := a.W.DB.Exec(`SELECT id FROM _auth_api_keys WHERE revoked_at IS NULL`)
	if err != nil {
		return nil, err
	}
	reply := &AccessReply{Result: map[string]any{"id": a.W.ID}}
	cmd := domain.DeleteWorkspace{WorkspaceID: a.W.ID}
	for _, r := range rows.Values {
		cmd.APIKeyIDs = append(cmd.APIKeyIDs, sqldb.AsString(r[0]))
		reply.KVDelete = append(reply.KVDelete, auth.APIKeyCacheKey(sqldb.AsString(r[0])))
	}
	if err := a.execute(actor, cmd); err != nil {
		return nil, err
	}
	for _, m := range members {
		reply.KVDelete = append(reply.KVDelete, auth.MemberCacheKey(a.W.ID, m.UserID))
		reply.FollowUps = append(reply.FollowUps, FollowUp{Account: m.Account, Path: PathMembershipRemove, Body: AccountRequest{WorkspaceID: a.W.ID, Deleted: true}})
	}
	return reply, nil
}

// leave takes a user out of the workspace as deleteUser does (Twenty's
// rules, domain.LeaveCheck): the last member deletes the workspace, the
// only admin among others is refused. With check, it only says whether it
// could. Their account object is the caller's to update.
func (a *Access) leave(in *AccessRequest) (*AccessReply, error) {
	m, deletes, err := domain.LeaveCheck(a, in.UserID)
	if err != nil || m == nil || in.Check {
		return &AccessReply{WorkspaceID: a.W.ID}, err
	}
	reply := &AccessReply{WorkspaceID: a.W.ID, KVDelete: []string{auth.MemberCacheKey(a.W.ID, m.UserID)}}
	if deletes {
		r, err := a.deleteWorkspace(m.MemberID)
		if err != nil {
			return nil, err
		}
		reply.KVDelete = r.KVDelete
		return reply, nil
	}
	if err := a.execute(m.MemberID, domain.RemoveMember{MemberID: m.MemberID}); err != nil {
		return nil, err
	}
	if rec, err := a.W.Record("workspaceMember", m.MemberID); err != nil {
		return nil, err
	} else if rec != nil && !rec.Deleted {
		if _, err := a.W.Execute(domain.RecordCommand{Kind: domain.Delete, Object: "workspaceMember", ID: m.MemberID}, "system", durable.NewRecordID(a.W.Now())); err != nil {
			return nil, err
		}
	}
	return reply, nil
}
