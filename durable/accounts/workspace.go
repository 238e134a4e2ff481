package accounts

import (
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/sqldb"
)

// Settings reads the workspace's display name and logo.
func (a *Access) Settings() (domain.WorkspaceSettings, error) {
	rows, err := a.W.DB.Exec(`SELECT display_name, logo FROM _auth_workspace`)
	if err != nil || len(rows.Values) == 0 {
		return domain.WorkspaceSettings{}, err
	}
	r := rows.Values[0]
	return domain.WorkspaceSettings{DisplayName: sqldb.AsString(r[0]), Logo: sqldb.AsString(r[1])}, nil
}

// WorkspaceJSON is workspace w as Twenty's Workspace. Features this
// deployment does not have (billing, AI models, SSO, two-factor,
// impersonation, custom domains, applications) answer their empty or
// disabled values. The workspace is reached by the URL the client already
// uses, so its URLs are null, as signUp's are.
func WorkspaceJSON(w *durable.Workspace) (map[string]any, error) {
	a := OpenAccess(w)
	set, err := a.Settings()
	if err != nil {
		return nil, err
	}
	members, err := a.Members()
	if err != nil {
		return nil, err
	}
	orNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	return map[string]any{
		"id": w.ID, "displayName": orNil(set.DisplayName), "logo": orNil(set.Logo), "inviteHash": nil, "allowImpersonation": false,
		"activationStatus": "ACTIVE", "isPublicInviteLinkEnabled": false, "workspaceDiscoverability": nil,
		"isGoogleAuthEnabled": false, "isMicrosoftAuthEnabled": false, "isPasswordAuthEnabled": true,
		"isGoogleAuthBypassEnabled": false, "isMicrosoftAuthBypassEnabled": false, "isPasswordAuthBypassEnabled": false,
		"subdomain": w.ID, "customDomain": nil, "hasValidSignedEnterpriseKey": false, "hasValidEnterpriseValidityToken": false,
		"workspaceCustomApplication": nil, "installedApplications": []any{}, "isCustomDomainEnabled": false,
		"workspaceUrls": map[string]any{"subdomainUrl": nil, "customUrl": nil}, "featureFlags": []any{},
		"currentBillingSubscription": nil, "billingCustomer": nil, "billingSubscriptions": []any{}, "billingEntitlements": []any{},
		"workspaceMembersCount": len(members), "defaultRole": RoleJSON(domain.RoleMember),
		"fastModel": nil, "smartModel": nil, "aiAdditionalInstructions": nil, "enabledAiModelIds": []any{},
		"useRecommendedModels": false, "isTwoFactorAuthenticationEnforced": false,
		// Soft-deleted records and the event log are kept: no retention.
		"trashRetentionDays": 0, "eventLogRetentionDays": 0,
		"editableProfileFields": []any{"firstName", "lastName", "email"}, "isInternalMessagesImportEnabled": false,
	}, nil
}
