package metadata

// rolesSDL declares Twenty's roles and permissions operations (settings):
// custom roles, object, field and flag permissions, and the API key
// operations of the settings pages. Like AuthSDL, the edge answers them
// (durable/accounts/roles.go) after validating them against this schema.
// Row-level predicates are not kept: those lists are always empty.
const rolesSDL = `
extend type Role {
  icon: String
  canAccessAllTools: Boolean!
  canReadAllObjectRecords: Boolean!
  canUpdateAllObjectRecords: Boolean!
  canSoftDeleteAllObjectRecords: Boolean!
  canDestroyAllObjectRecords: Boolean!
  canBeAssignedToUsers: Boolean!
  canBeAssignedToAgents: Boolean!
  canBeAssignedToApiKeys: Boolean!
  workspaceMembers: [WorkspaceMember!]!
  "AI agents are not offered here: always empty."
  agents: [Agent!]!
  apiKeys: [ApiKeyForRole!]!
  permissionFlags: [RolePermissionFlag!]
  objectPermissions: [ObjectPermission!]
  fieldPermissions: [FieldPermission!]
  rowLevelPermissionPredicates: [RowLevelPermissionPredicate!]
  rowLevelPermissionPredicateGroups: [RowLevelPermissionPredicateGroup!]
}
"Twenty's AI agent, declared so that its documents validate; no agent ever exists here."
type Agent {
  id: UUID! name: String! label: String! description: String icon: String prompt: String! modelId: String!
  responseFormat: JSON roleId: UUID isCustom: Boolean! modelConfiguration: JSON evaluationInputs: [String!]
  applicationId: UUID createdAt: DateTime! updatedAt: DateTime!
}
type ApiKeyForRole { id: UUID! name: String! expiresAt: DateTime! revokedAt: DateTime }
type RolePermissionFlag { id: UUID! roleId: UUID! flag: PermissionFlagType! }
type ObjectPermission {
  objectMetadataId: UUID!
  canReadObjectRecords: Boolean
  canUpdateObjectRecords: Boolean
  canSoftDeleteObjectRecords: Boolean
  canDestroyObjectRecords: Boolean
  restrictedFields: JSON
  rowLevelPermissionPredicates: [RowLevelPermissionPredicate!]
  rowLevelPermissionPredicateGroups: [RowLevelPermissionPredicateGroup!]
}
type FieldPermission {
  id: UUID!
  objectMetadataId: UUID!
  fieldMetadataId: UUID!
  roleId: UUID!
  canReadFieldValue: Boolean
  canUpdateFieldValue: Boolean
}
type RowLevelPermissionPredicate {
  id: UUID! fieldMetadataId: UUID! objectMetadataId: UUID! operand: String! subFieldName: String
  workspaceMemberFieldMetadataId: String workspaceMemberSubFieldName: String
  rowLevelPermissionPredicateGroupId: String positionInRowLevelPermissionPredicateGroup: Float roleId: UUID! value: JSON
}
type RowLevelPermissionPredicateGroup {
  id: UUID! parentRowLevelPermissionPredicateGroupId: UUID logicalOperator: String!
  positionInRowLevelPermissionPredicateGroup: Float roleId: UUID! objectMetadataId: UUID!
}
enum PermissionFlagType {
  API_KEYS_AND_WEBHOOKS WORKSPACE WORKSPACE_MEMBERS ROLES DATA_MODEL SECURITY WORKFLOWS IMPERSONATE
  SSO_BYPASS APPLICATIONS LAYOUTS BILLING AI_SETTINGS AI VIEWS UPLOAD_FILE DOWNLOAD_FILE SEND_EMAIL_TOOL
  HTTP_REQUEST_TOOL CODE_INTERPRETER_TOOL IMPORT_CSV EXPORT_CSV CONNECTED_ACCOUNTS PROFILE_INFORMATION
}

input CreateRoleInput {
  id: String label: String! description: String icon: String
  canUpdateAllSettings: Boolean canAccessAllTools: Boolean
  canReadAllObjectRecords: Boolean canUpdateAllObjectRecords: Boolean
  canSoftDeleteAllObjectRecords: Boolean canDestroyAllObjectRecords: Boolean
  canBeAssignedToUsers: Boolean canBeAssignedToAgents: Boolean canBeAssignedToApiKeys: Boolean
}
input UpdateRolePayload {
  label: String description: String icon: String
  canUpdateAllSettings: Boolean canAccessAllTools: Boolean
  canReadAllObjectRecords: Boolean canUpdateAllObjectRecords: Boolean
  canSoftDeleteAllObjectRecords: Boolean canDestroyAllObjectRecords: Boolean
  canBeAssignedToUsers: Boolean canBeAssignedToAgents: Boolean canBeAssignedToApiKeys: Boolean
}
input UpdateRoleInput { update: UpdateRolePayload! id: UUID! }
input ObjectPermissionInput {
  objectMetadataId: UUID! canReadObjectRecords: Boolean canUpdateObjectRecords: Boolean
  canSoftDeleteObjectRecords: Boolean canDestroyObjectRecords: Boolean
}
input UpsertObjectPermissionsInput { roleId: UUID! objectPermissions: [ObjectPermissionInput!]! }
input FieldPermissionInput { objectMetadataId: UUID! fieldMetadataId: UUID! canReadFieldValue: Boolean canUpdateFieldValue: Boolean }
input UpsertFieldPermissionsInput { roleId: UUID! fieldPermissions: [FieldPermissionInput!]! }
input GetApiKeyInput { id: UUID! }
input UpdateApiKeyInput { id: UUID! name: String expiresAt: String revokedAt: String }
input UpsertPermissionFlagsInput { roleId: UUID! permissionFlagKeys: [PermissionFlagType!]! }

extend type Query {
  apiKey(input: GetApiKeyInput!): ApiKey
}

extend type Mutation {
  updateApiKey(input: UpdateApiKeyInput!): ApiKey
  assignRoleToApiKey(apiKeyId: UUID!, roleId: UUID!): Boolean!
  createOneRole(createRoleInput: CreateRoleInput!): Role!
  updateOneRole(updateRoleInput: UpdateRoleInput!): Role!
  deleteOneRole(roleId: UUID!): String!
  upsertObjectPermissions(upsertObjectPermissionsInput: UpsertObjectPermissionsInput!): [ObjectPermission!]!
  upsertFieldPermissions(upsertFieldPermissionsInput: UpsertFieldPermissionsInput!): [FieldPermission!]!
  upsertPermissionFlags(upsertPermissionFlagsInput: UpsertPermissionFlagsInput!): [RolePermissionFlag!]!
}
`
