package metadata

// workspaceSDL is Twenty's workspace settings API. The edge answers these
// operations as access operations of the workspace object (flag WORKSPACE):
// a change is an auth.workspaceUpdated event of its access log. Only the
// settings this deployment has (display name, logo) can be changed; any
// other input member is refused.
const workspaceSDL = `
input UpdateWorkspaceInput {
  displayName: String
  logo: String
  subdomain: String
  customDomain: String
  inviteHash: String
  allowImpersonation: Boolean
  isPublicInviteLinkEnabled: Boolean
  isGoogleAuthEnabled: Boolean
  isMicrosoftAuthEnabled: Boolean
  isPasswordAuthEnabled: Boolean
  isTwoFactorAuthenticationEnforced: Boolean
  defaultRoleId: UUID
  trashRetentionDays: Float
  eventLogRetentionDays: Float
}
input ActivateWorkspaceInput { displayName: String }

extend type Mutation {
  "Replaces an invitation by a new one (new token and expiry) for the same address and role."
  resendWorkspaceInvitation(appTokenId: String!): SendInvitationsOutput!
  updateWorkspace(data: UpdateWorkspaceInput!): Workspace!
  activateWorkspace(data: ActivateWorkspaceInput!): Workspace!
  "Deletes the workspace (admins): its members leave, its API keys are revoked, no token is let in again; its log stays."
  deleteCurrentWorkspace: Workspace!
}
`
