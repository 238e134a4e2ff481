package metadata

import (
	"edgecrm/domain"
	"edgecrm/durable/accounts"
	"edgecrm/sqldb"
)

// currentUserSDL is Twenty's currentUser query with the shape its frontend
// selects (UserQueryFragment). It is answered by the workspace object the
// caller's access token names, from the access log's projection
// (_auth_workspace, _auth_members) and the workspaceMember records.
// Features this deployment does not have (billing, AI models, SSO,
// two-factor, impersonation, applications) answer their empty or disabled
// values: null subscriptions, empty lists, false flags.
const currentUserSDL = `
enum OnboardingStatus { PLAN_REQUIRED WORKSPACE_ACTIVATION PROFILE_CREATION SYNC_EMAIL INVITE_TEAM BOOK_ONBOARDING COMPLETED }
enum WorkspaceActivationStatus { ONGOING_CREATION PENDING_CREATION ACTIVE INACTIVE SUSPENDED }

type FullName { firstName: String! lastName: String! }

extend type WorkspaceMember {
  name: FullName!
  colorScheme: String!
  uiScale: Float
  openRecordIn: String
  avatarUrl: String
  locale: String
  userWorkspaceId: UUID
  timeZone: String
  dateFormat: String
  timeFormat: String
  calendarStartDay: Int
  numberFormat: String
}

type DeletedWorkspaceMember { id: UUID! name: FullName! avatarUrl: String userEmail: String! userWorkspaceId: UUID }

type TwoFactorAuthenticationMethodSummary { twoFactorAuthenticationMethodId: UUID! status: String! strategy: String! }
type UserWorkspace {
  id: UUID!
  permissionFlags: [String!]
  isImpersonating: Boolean
  objectsPermissions: [ObjectPermission!]
  twoFactorAuthenticationMethodSummary: [TwoFactorAuthenticationMethodSummary!]
}

type FeatureFlag { key: String! value: Boolean! }
type BillingSubscriptionSchedulePhaseItem { price: String! quantity: Float }
type BillingSubscriptionSchedulePhase { start_date: Float! end_date: Float! items: [BillingSubscriptionSchedulePhaseItem!]! }
type BillingProductMetadata { productKey: String planKey: String priceUsageBased: String }
type BillingProduct { name: String! description: String! images: [String!] metadata: BillingProductMetadata! }
type BillingSubscriptionItem {
  id: UUID! hasReachedCurrentPeriodCap: Boolean! quantity: Float stripePriceId: String! billingProduct: BillingProduct!
}
type BillingSubscription {
  id: UUID! status: String! interval: String metadata: JSON! currentPeriodEnd: DateTime cancelAt: DateTime
  phases: [BillingSubscriptionSchedulePhase!]! billingSubscriptionItems: [BillingSubscriptionItem!]
}
type BillingCustomer { id: UUID! hasPaymentMethod: Boolean! }
type BillingEntitlement { key: String! value: Boolean! }
type Application { id: UUID! name: String! universalIdentifier: String logoUrl: String }

type Workspace {
  id: UUID!
  displayName: String
  logo: String
  inviteHash: String
  allowImpersonation: Boolean!
  activationStatus: WorkspaceActivationStatus!
  isPublicInviteLinkEnabled: Boolean!
  workspaceDiscoverability: String
  isGoogleAuthEnabled: Boolean!
  isMicrosoftAuthEnabled: Boolean!
  isPasswordAuthEnabled: Boolean!
  isGoogleAuthBypassEnabled: Boolean!
  isMicrosoftAuthBypassEnabled: Boolean!
  isPasswordAuthBypassEnabled: Boolean!
  subdomain: String!
  customDomain: String
  hasValidSignedEnterpriseKey: Boolean!
  hasValidEnterpriseValidityToken: Boolean!
  workspaceCustomApplication: Application
  installedApplications: [Application!]!
  isCustomDomainEnabled: Boolean!
  workspaceUrls: WorkspaceUrls!
  featureFlags: [FeatureFlag!]
  currentBillingSubscription: BillingSubscription
  billingCustomer: BillingCustomer
  billingSubscriptions: [BillingSubscription!]!
  billingEntitlements: [BillingEntitlement!]!
  workspaceMembersCount: Float
  defaultRole: Role
  fastModel: String
  smartModel: String
  aiAdditionalInstructions: String
  enabledAiModelIds: [String!]
  useRecommendedModels: Boolean
  isTwoFactorAuthenticationEnforced: Boolean!
  trashRetentionDays: Float!
  eventLogRetentionDays: Float!
  editableProfileFields: [String!]
  isInternalMessagesImportEnabled: Boolean
  createdAt: DateTime
}

type SSOIdentityProvider { type: String! id: UUID! issuer: String! name: String! status: String! }
type AvailableWorkspace {
  id: UUID! displayName: String loginToken: String inviteHash: String personalInviteToken: String
  workspaceUrls: WorkspaceUrls! logo: String sso: [SSOIdentityProvider!]!
}
type AvailableWorkspaces { availableWorkspacesForSignIn: [AvailableWorkspace!]! availableWorkspacesForSignUp: [AvailableWorkspace!]! }

type User {
  id: UUID!
  firstName: String!
  lastName: String!
  email: String!
  hasPassword: Boolean!
  canAccessFullAdminPanel: Boolean!
  canImpersonate: Boolean!
  supportUserHash: String
  onboardingStatus: OnboardingStatus
  previousOnboardingStatus: OnboardingStatus
  isWorkspaceCreator: Boolean
  workspaceMember: WorkspaceMember
  workspaceMembers: [WorkspaceMember!]
  deletedWorkspaceMembers: [DeletedWorkspaceMember!]
  currentUserWorkspace: UserWorkspace
  currentWorkspace: Workspace
  availableWorkspaces: AvailableWorkspaces!
  userVars: JSON
}

extend type Query {
  currentUser: User!
}
`

// currentUserField resolves currentUser for the calling workspace member
// (ok false for any other field).
func currentUserField(x *execution, name string) (v any, ok bool, err error) {
	if name != "currentUser" {
		return nil, false, nil
	}
	if x.member == "" {
		return nil, true, &domain.ForbiddenError{Message: "currentUser needs a signed-in user (not an API key)"}
	}
	v, err = x.currentUser()
	return v, true, err
}

type memberRow struct{ id, userID, email, role string }

func (x *execution) currentUser() (map[string]any, error) {
	db := x.w.DB
	rows, err := db.Exec(`SELECT member_id, user_id, email, role FROM _auth_members ORDER BY joined_at, member_id`)
	if err != nil {
		return nil, err
	}
	var me *memberRow
	members := make([]memberRow, len(rows.Values))
	for i, r := range rows.Values {
		members[i] = memberRow{sqldb.AsString(r[0]), sqldb.AsString(r[1]), sqldb.AsString(r[2]), sqldb.AsString(r[3])}
		if members[i].id == x.member {
			me = &members[i]
		}
	}
	if me == nil {
		return nil, &domain.ForbiddenError{Message: "the caller is not a member of this workspace"}
	}
	creator := ""
	if rows, err := db.Exec(`SELECT created_by FROM _auth_workspace`); err != nil {
		return nil, err
	} else if len(rows.Values) > 0 {
		creator = sqldb.AsString(rows.Values[0][0])
	}
	all := make([]any, 0, len(members))
	var self map[string]any
	for _, m := range members {
		wm, err := x.memberJSON(m)
		if err != nil {
			return nil, err
		}
		all = append(all, wm)
		if m.id == me.id {
			self = wm
		}
	}
	name, _ := self["name"].(map[string]any)
	ws, err := accounts.WorkspaceJSON(x.w)
	if err != nil {
		return nil, err
	}
	role, err := accounts.RoleOf(x.w, me.role)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id": me.userID, "firstName": name["firstName"], "lastName": name["lastName"], "email": me.email,
		"hasPassword": true, "canAccessFullAdminPanel": false, "canImpersonate": false, "supportUserHash": nil,
		"onboardingStatus": "COMPLETED", "previousOnboardingStatus": nil, "isWorkspaceCreator": me.userID == creator,
		"workspaceMember": self, "workspaceMembers": all, "deletedWorkspaceMembers": []any{},
		"currentUserWorkspace": map[string]any{
			"id": me.id, "permissionFlags": permissionFlags(role), "isImpersonating": false,
			"objectsPermissions": x.objectPermissions(role), "twoFactorAuthenticationMethodSummary": []any{},
		},
		"currentWorkspace": ws,
		// Only this workspace is known here (the others are in the
		// account object); signing in to another goes through the login flow.
		"availableWorkspaces": map[string]any{
			"availableWorkspacesForSignIn": []any{map[string]any{
				"id": x.w.ID, "displayName": ws["displayName"], "loginToken": nil, "inviteHash": nil, "personalInviteToken": nil,
				"workspaceUrls": ws["workspaceUrls"], "logo": nil, "sso": []any{},
			}},
			"availableWorkspacesForSignUp": []any{},
		},
		"userVars": map[string]any{},
	}, nil
}

// permissionFlags are the settings flags role holds.
func permissionFlags(role *domain.Role) []any {
	out := []any{}
	for _, f := range domain.SettingsFlags {
		if role.HasFlag(f) {
			out = append(out, f)
		}
	}
	return out
}

// memberJSON is m as Twenty's WorkspaceMember: its record's profile
// fields (defaults when the record is missing) and its access role.
func (x *execution) memberJSON(m memberRow) (map[string]any, error) {
	rec := map[string]any{}
	if o := x.meta().Object("workspaceMember"); o != nil {
		r, err := x.w.ReadRecord(o, m.id)
		if err != nil {
			return nil, err
		}
		if r != nil {
			rec = r
		}
	}
	name, _ := rec["name"].(map[string]any)
	if name == nil {
		name = map[string]any{}
	}
	orStr := func(k, def string) any {
		if s, ok := rec[k].(string); ok && s != "" {
			return s
		}
		return def
	}
	day := rec["calendarStartDay"]
	if day == nil {
		day = 7
	}
	return map[string]any{
		"id": m.id, "userId": m.userID, "userEmail": m.email, "userWorkspaceId": m.id, "roles": []any{accounts.RoleValueJSON(x.w, m.role)},
		"name":        map[string]any{"firstName": orStr2(name, "firstName"), "lastName": orStr2(name, "lastName")},
		"colorScheme": orStr("colorScheme", "System"), "locale": orStr("locale", "en"), "avatarUrl": rec["avatarUrl"],
		"timeZone": orStr("timeZone", "system"), "dateFormat": orStr("dateFormat", "SYSTEM"), "timeFormat": orStr("timeFormat", "SYSTEM"),
		"numberFormat": orStr("numberFormat", "SYSTEM"), "calendarStartDay": day, "uiScale": 100, "openRecordIn": "SIDE_PANEL",
	}, nil
}

func orStr2(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// objectPermissions are role's permissions on every object's records,
// with its field restrictions (Twenty's restrictedFields, by field id).
func (x *execution) objectPermissions(role *domain.Role) []any {
	out := []any{}
	for _, o := range x.meta().Objects {
		out = append(out, map[string]any{
			"objectMetadataId": o.ID, "canReadObjectRecords": role.Can(o.ID, domain.ActRead), "canUpdateObjectRecords": role.Can(o.ID, domain.ActUpdate),
			"canSoftDeleteObjectRecords": role.Can(o.ID, domain.ActSoftDelete), "canDestroyObjectRecords": role.Can(o.ID, domain.ActDestroy),
			"restrictedFields": accounts.RestrictedFields(role, o.ID), "rowLevelPermissionPredicates": []any{}, "rowLevelPermissionPredicateGroups": []any{},
		})
	}
	return out
}
