package metadata

import (
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// sdl is the part of Twenty's metadata schema edgecrm serves: objects and
// fields (nestjs-query connections with cursor paging, the plain *List
// forms newer clients use) and their create/update/delete mutations.
// Members Twenty has and edgecrm does not keep (timestamps of standard
// metadata, settings of non-relation fields) resolve to their zero value
// so that Twenty's clients can ask for them. Index metadata describes the
// indexes Twenty would have (relations' join columns, unique fields).
const sdl = `
scalar UUID
scalar JSON
scalar DateTime
scalar ConnectionCursor

enum FieldMetadataType {
  UUID TEXT PHONES EMAILS DATE_TIME DATE BOOLEAN NUMBER NUMERIC LINKS CURRENCY FULL_NAME
  RATING SELECT MULTI_SELECT RELATION POSITION ADDRESS RAW_JSON RICH_TEXT_V2 ACTOR ARRAY
  TS_VECTOR MORPH_RELATION FILES RICH_TEXT
}

enum RelationType { ONE_TO_MANY MANY_TO_ONE }

enum RelationDefinitionType { ONE_TO_ONE ONE_TO_MANY MANY_TO_MANY MANY_TO_ONE }

enum RelationDirection { FROM TO }

type PageInfo {
  hasNextPage: Boolean
  hasPreviousPage: Boolean
  startCursor: ConnectionCursor
  endCursor: ConnectionCursor
}

input CursorPaging {
  before: ConnectionCursor
  after: ConnectionCursor
  first: Int
  last: Int
}

input UUIDFilterComparison {
  is: Boolean
  isNot: Boolean
  eq: UUID
  neq: UUID
  in: [UUID!]
  notIn: [UUID!]
}

input BooleanFieldComparison {
  is: Boolean
  isNot: Boolean
}

input ObjectFilter {
  and: [ObjectFilter!]
  or: [ObjectFilter!]
  id: UUIDFilterComparison
  isCustom: BooleanFieldComparison
  isRemote: BooleanFieldComparison
  isActive: BooleanFieldComparison
  isSystem: BooleanFieldComparison
  isUIReadOnly: BooleanFieldComparison
  isSearchable: BooleanFieldComparison
}

input FieldFilter {
  and: [FieldFilter!]
  or: [FieldFilter!]
  id: UUIDFilterComparison
  isCustom: BooleanFieldComparison
  isActive: BooleanFieldComparison
  isSystem: BooleanFieldComparison
  objectMetadataId: UUIDFilterComparison
}

type Object {
  id: UUID!
  universalIdentifier: String
  dataSourceId: String
  nameSingular: String!
  namePlural: String!
  labelSingular: String!
  labelPlural: String!
  description: String
  icon: String
  color: String
  shortcut: String
  isCustom: Boolean!
  isRemote: Boolean!
  isActive: Boolean!
  isSystem: Boolean!
  isUIEditable: Boolean
  isUICreatable: Boolean
  isUIReadOnly: Boolean
  isSearchable: Boolean!
  isLabelSyncedWithName: Boolean!
  applicationId: UUID
  createdAt: DateTime!
  updatedAt: DateTime!
  labelIdentifierFieldMetadataId: UUID
  imageIdentifierFieldMetadataId: UUID
  duplicateCriteria: [[String!]!]
  fields(paging: CursorPaging, filter: FieldFilter): ObjectFieldsConnection!
  fieldsList: [Field!]!
  indexMetadatas(paging: CursorPaging): ObjectIndexMetadatasConnection!
  indexMetadataList: [Index!]!
}

type Field {
  id: UUID!
  universalIdentifier: String
  type: FieldMetadataType!
  name: String!
  label: String!
  description: String
  icon: String
  isCustom: Boolean
  isActive: Boolean
  isSystem: Boolean
  isUIEditable: Boolean
  isUIReadOnly: Boolean
  isNullable: Boolean
  isUnique: Boolean
  isSearchable: Boolean
  defaultValue: JSON
  options: JSON
  settings: JSON
  isLabelSyncedWithName: Boolean
  morphId: UUID
  applicationId: UUID
  objectMetadataId: UUID!
  createdAt: DateTime!
  updatedAt: DateTime!
  relation: Relation
  morphRelations: [Relation!]
  relationDefinition: RelationDefinition
  object: Object
}

type Relation {
  type: RelationType!
  sourceObjectMetadata: Object!
  targetObjectMetadata: Object!
  sourceFieldMetadata: Field!
  targetFieldMetadata: Field!
}

type RelationDefinition {
  relationId: UUID!
  direction: RelationDefinitionType!
  sourceObjectMetadata: Object!
  targetObjectMetadata: Object!
  sourceFieldMetadata: Field!
  targetFieldMetadata: Field!
}

enum IndexType { BTREE GIN }

type Index {
  id: UUID!
  name: String!
  isUnique: Boolean!
  isCustom: Boolean
  indexWhereClause: String
  indexType: IndexType!
  createdAt: DateTime!
  updatedAt: DateTime!
  indexFieldMetadatas(paging: CursorPaging, filter: IndexFieldFilter): IndexIndexFieldMetadatasConnection!
  indexFieldMetadataList: [IndexField!]!
}

type IndexField {
  id: UUID!
  fieldMetadataId: UUID!
  subFieldName: String
  order: Float!
  createdAt: DateTime!
  updatedAt: DateTime!
}

input IndexFieldFilter {
  and: [IndexFieldFilter!]
  or: [IndexFieldFilter!]
  id: UUIDFilterComparison
  fieldMetadataId: UUIDFilterComparison
}

type IndexFieldEdge { node: IndexField! cursor: ConnectionCursor! }
type IndexIndexFieldMetadatasConnection { pageInfo: PageInfo! edges: [IndexFieldEdge!]! totalCount: Int! }

type ObjectEdge { node: Object! cursor: ConnectionCursor! }
type ObjectConnection { pageInfo: PageInfo! edges: [ObjectEdge!]! totalCount: Int! }
type FieldEdge { node: Field! cursor: ConnectionCursor! }
type FieldConnection { pageInfo: PageInfo! edges: [FieldEdge!]! totalCount: Int! }
type ObjectFieldsConnection { pageInfo: PageInfo! edges: [FieldEdge!]! totalCount: Int! }
type IndexEdge { node: Index! cursor: ConnectionCursor! }
type ObjectIndexMetadatasConnection { pageInfo: PageInfo! edges: [IndexEdge!]! totalCount: Int! }

input CreateObjectInput {
  nameSingular: String
  namePlural: String
  labelSingular: String!
  labelPlural: String!
  description: String
  icon: String
  shortcut: String
  color: String
  isRemote: Boolean
  primaryKeyColumnType: String
  primaryKeyFieldMetadataSettings: JSON
  isLabelSyncedWithName: Boolean
}

input CreateOneObjectInput { object: CreateObjectInput! }

input UpdateObjectPayload {
  labelSingular: String
  labelPlural: String
  nameSingular: String
  namePlural: String
  description: String
  icon: String
  shortcut: String
  color: String
  isActive: Boolean
  labelIdentifierFieldMetadataId: UUID
  imageIdentifierFieldMetadataId: UUID
  isLabelSyncedWithName: Boolean
  isSearchable: Boolean
}

input UpdateOneObjectInput { update: UpdateObjectPayload! id: UUID! }

input DeleteOneObjectInput { id: UUID! }

input CreateFieldInput {
  type: FieldMetadataType!
  name: String
  label: String!
  description: String
  icon: String
  isCustom: Boolean
  isActive: Boolean
  isSystem: Boolean
  isNullable: Boolean
  isUnique: Boolean
  isSearchable: Boolean
  defaultValue: JSON
  options: JSON
  settings: JSON
  objectMetadataId: UUID!
  isLabelSyncedWithName: Boolean
  isRemoteCreation: Boolean
  relationCreationPayload: JSON
  morphRelationsCreationPayload: [JSON!]
}

input CreateOneFieldMetadataInput { field: CreateFieldInput! }

input UpdateFieldInput {
  name: String
  label: String
  description: String
  icon: String
  isActive: Boolean
  isSystem: Boolean
  isNullable: Boolean
  isUnique: Boolean
  isSearchable: Boolean
  defaultValue: JSON
  options: JSON
  settings: JSON
  objectMetadataId: UUID
  isLabelSyncedWithName: Boolean
}

input UpdateOneFieldMetadataInput { id: UUID! update: UpdateFieldInput! }

input DeleteOneFieldInput { id: UUID! }

"A custom index's column: a field, and the subfield of a composite one."
input CreateIndexFieldInput { fieldMetadataId: UUID! subFieldName: String }
"Only BTREE indexes exist here (SQLite); GIN is refused."
input CreateIndexInput { objectMetadataId: UUID! fields: [CreateIndexFieldInput!]! indexType: IndexType = BTREE }
input CreateOneIndexInput { index: CreateIndexInput! }
input DeleteOneIndexInput { id: UUID! }

type Query {
  objects(paging: CursorPaging, filter: ObjectFilter): ObjectConnection!
  object(id: UUID!): Object!
  fields(paging: CursorPaging, filter: FieldFilter): FieldConnection!
  field(id: UUID!): Field!
}

type Mutation {
  createOneObject(input: CreateOneObjectInput!): Object!
  updateOneObject(input: UpdateOneObjectInput!): Object!
  deleteOneObject(input: DeleteOneObjectInput!): Object!
  createOneField(input: CreateOneFieldMetadataInput!): Field!
  updateOneField(input: UpdateOneFieldMetadataInput!): Field!
  deleteOneField(input: DeleteOneFieldInput!): Field!
  createOneIndex(input: CreateOneIndexInput!): Index!
  deleteOneIndex(input: DeleteOneIndexInput!): Index!
}
`

var (
	schemaOnce sync.Once
	schemaAST  *ast.Schema
)

// Schema returns the parsed metadata schema, the auth operations
// included (parsed once per isolate).
func Schema() *ast.Schema {
	schemaOnce.Do(func() {
		schemaAST = gqlparser.MustLoadSchema(&ast.Source{Name: "metadata.graphql", Input: sdl},
			&ast.Source{Name: "auth.graphql", Input: AuthSDL},
			&ast.Source{Name: "webhooks.graphql", Input: webhookSDL},
			&ast.Source{Name: "views.graphql", Input: viewSDL},
			&ast.Source{Name: "currentuser.graphql", Input: currentUserSDL},
			&ast.Source{Name: "workspace.graphql", Input: workspaceSDL},
			&ast.Source{Name: "objectfront.graphql", Input: objectFrontSDL},
			&ast.Source{Name: "roles.graphql", Input: rolesSDL})
	})
	return schemaAST
}
