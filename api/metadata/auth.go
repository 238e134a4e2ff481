package metadata

// AuthSDL declares Twenty's authentication and access operations (signUp,
// logins, tokens, API keys, invitations, roles) with Twenty's argument and
// result types. The edge answers them (as do.fetch flows, before any
// workspace routing) but parses, measures and validates them against this
// schema like any other operation, and they appear in /metadata's
// introspection. Resolvers live at the edge; the workspace never runs them.
const AuthSDL = `
type AuthToken { token: String! expiresAt: DateTime! }
type AuthTokenPair { accessOrWorkspaceAgnosticToken: AuthToken! refreshToken: AuthToken! accessToken: AuthToken }
type AuthTokens { tokens: AuthTokenPair! }
type LoginToken { loginToken: AuthToken! }
type WorkspaceUrls { subdomainUrl: String customUrl: String }
type WorkspaceUrlsAndId { id: UUID! subdomain: String workspaceUrls: WorkspaceUrls! hostname: String }
"""
What a sign-up answers: the login token into the workspace it joined or
created, and, when selected, a session in that workspace (tokens) with
that workspace as the one available; the login token is then spent and
answers null.
"""
type SignUpOutput {
  loginToken: AuthToken
  workspace: WorkspaceUrlsAndId!
  isEmailVerificationRequired: Boolean
  tokens: AuthTokenPair
  availableWorkspaces: AvailableWorkspaces
}
type SignInOutput { tokens: AuthTokenPair! availableWorkspaces: AvailableWorkspaces! }

type Role {
  id: UUID!
  label: String!
  description: String
  canUpdateAllSettings: Boolean!
  isEditable: Boolean!
}
type ApiKey {
  id: UUID!
  name: String!
  expiresAt: DateTime!
  revokedAt: DateTime
  createdAt: DateTime
  role: Role
}
type ApiKeyToken { token: String! }
type TransientToken { transientToken: AuthToken! }
type WorkspaceInvitation { id: UUID! email: String! roleId: UUID expiresAt: DateTime! personalInviteToken: String }
type SendInvitationsOutput { success: Boolean! errors: [String!]! result: [WorkspaceInvitation!]! }
type WorkspaceMember { id: UUID! userId: UUID userEmail: String roles: [Role!] }

"The workspace is named afterwards by activateWorkspace, as Twenty's frontend does; displayName is not read here."
input SignUpInNewWorkspaceInput { displayName: String }
input CreateApiKeyInput { name: String! expiresAt: String roleId: UUID }
input RevokeApiKeyInput { id: UUID! }

type EmailPasswordResetLink { success: Boolean! }
type ResendEmailVerificationTokenOutput { success: Boolean! }
type InvalidatePassword { success: Boolean! }
type ValidatePasswordResetToken { id: UUID! email: String! hasPassword: Boolean! }
type GetLoginTokenFromEmailVerificationTokenOutput { loginToken: AuthToken! workspaceUrls: WorkspaceUrls! }
type CheckUserExistOutput { exists: Boolean! availableWorkspacesCount: Float! isEmailVerified: Boolean! }

type AuthProviders { sso: [SSOIdentityProvider!]! google: Boolean! magicLink: Boolean! password: Boolean! microsoft: Boolean! }
type AuthBypassProviders { google: Boolean! password: Boolean! microsoft: Boolean! }
type PublicWorkspaceData {
  id: UUID! logo: String displayName: String workspaceUrls: WorkspaceUrls!
  authProviders: AuthProviders! authBypassProviders: AuthBypassProviders
}
type PublicWorkspace { id: UUID! displayName: String logo: String allowImpersonation: Boolean! }

extend type Query {
  "The sign-in methods of the workspace whose subdomain (its id) the origin names."
  getPublicWorkspaceDataByDomain(origin: String!): PublicWorkspaceData!
  "Public invite links are not enabled here: every hash is unknown (404)."
  findWorkspaceFromInviteHash(inviteHash: String!): PublicWorkspace!
  "Whether an account exists for the address (IP rate limited; isEmailVerified once verified with an emailed token)."
  checkUserExists(email: String!, captchaToken: String): CheckUserExistOutput!
  "Whether a password reset token is good (403 when not); it stays good."
  validatePasswordResetToken(passwordResetToken: String!): ValidatePasswordResetToken!
  apiKeys: [ApiKey!]!
  findWorkspaceInvitations: [WorkspaceInvitation!]!
  getRoles: [Role!]!
}

extend type Mutation {
  signUp(email: String!, password: String!, workspaceId: String, workspaceInviteHash: String, workspacePersonalInviteToken: String, captchaToken: String, locale: String, verifyEmailNextPath: String, verifyEmailRedirectPath: String): SignUpOutput!
  signUpInWorkspace(email: String!, password: String!, workspaceId: UUID, workspaceInviteHash: String, workspacePersonalInviteToken: String, captchaToken: String, locale: String, verifyEmailNextPath: String, verifyEmailRedirectPath: String): SignUpOutput!
  "Creates a new workspace whose admin is the signed-in user; answers a login token into it."
  signUpInNewWorkspace(input: SignUpInNewWorkspaceInput): SignUpOutput!
  "Signs in to the first workspace of the account (the one it created at sign-up)."
  signIn(email: String!, password: String!, captchaToken: String, locale: String): SignInOutput!
  getLoginTokenFromCredentials(email: String!, password: String!, origin: String, workspaceId: String, captchaToken: String, locale: String, verifyEmailNextPath: String): LoginToken!
  getAuthTokensFromLoginToken(loginToken: String!, origin: String): AuthTokens!
  renewToken(appToken: String!): AuthTokens!
  "Ends the session of the refresh token (else of the bearer token)."
  signOut(refreshToken: String): Boolean!
  "Emails a password reset link (valid 5 minutes, one a minute); an unknown address gets the same answer and no mail."
  emailPasswordResetLink(email: String!, workspaceId: UUID, captchaToken: String): EmailPasswordResetLink!
  "Sets the password with a reset token (spent) and ends every session of the account."
  updatePasswordViaResetToken(passwordResetToken: String!, newPassword: String!): InvalidatePassword!
  "Emails an address verification link (valid 1 hour, one a minute); an unknown or verified address gets the same answer and no mail."
  resendEmailVerificationToken(email: String!, origin: String!): ResendEmailVerificationTokenOutput!
  "Verifies the address with its token (spent) and answers a login token, as getLoginTokenFromCredentials does."
  getLoginTokenFromEmailVerificationToken(emailVerificationToken: String!, email: String!, captchaToken: String, origin: String!): GetLoginTokenFromEmailVerificationTokenOutput!
  "Verifies the address with its token (spent) and answers a session, as signIn does."
  getWorkspaceAgnosticTokenFromEmailVerificationToken(emailVerificationToken: String!, email: String!, captchaToken: String): SignInOutput!
  createApiKey(input: CreateApiKeyInput!): ApiKey!
  revokeApiKey(input: RevokeApiKeyInput!): ApiKey
  generateApiKeyToken(apiKeyId: UUID!, expiresAt: String!): ApiKeyToken
  "A token of the signed-in user that lasts 5 minutes and is no bearer token here."
  generateTransientToken: TransientToken!
  sendInvitations(emails: [String!]!, roleId: UUID): SendInvitationsOutput!
  deleteWorkspaceInvitation(appTokenId: String!): String!
  updateWorkspaceMemberRole(workspaceMemberId: UUID!, roleId: UUID!): WorkspaceMember!
  deleteUserFromWorkspace(workspaceMemberIdToDelete: String!): WorkspaceMember!
  "Deletes the signed-in user's account: they leave every workspace (the last member deletes it; the only admin among others is refused) and sign in no more."
  deleteUser: User!
}
`
