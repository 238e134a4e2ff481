package metadata

// permissionsSDL is the part of Twenty's roles schema that currentUser
// selects (a role's record-level members, object permissions). The roles
// and permissions work (settings) declares the same types in its own SDL:
// when both are merged, this file and its line in schema.go go.
const permissionsSDL = `
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
}

type RowLevelPermissionPredicate {
  id: UUID! fieldMetadataId: UUID! objectMetadataId: UUID! operand: String! subFieldName: String
  workspaceMemberFieldMetadataId: UUID workspaceMemberSubFieldName: String rowLevelPermissionPredicateGroupId: UUID
  positionInRowLevelPermissionPredicateGroup: Float roleId: UUID! value: JSON
}
type RowLevelPermissionPredicateGroup {
  id: UUID! parentRowLevelPermissionPredicateGroupId: UUID logicalOperator: String!
  positionInRowLevelPermissionPredicateGroup: Float roleId: UUID! objectMetadataId: UUID!
}
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
`
