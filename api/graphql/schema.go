package graphql

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/domain"
	"edgecrm/durable/realtime/gqlws"
	"edgecrm/projections/query"
)

// The workspace schema follows Twenty's workspace schema builder
// (packages/twenty-server/src/engine/api/graphql/workspace-schema-builder):
// per object `<Object>`, `<Object>Connection`, `<Object>Edge`,
// `<Object>FilterInput`, `<Object>OrderByInput`, `<Object>CreateInput`,
// `<Object>UpdateInput`, one `<Object><Field>Enum` per SELECT, MULTI_SELECT
// and RATING field (with `<Enum>Filter`), one object type per composite
// (`FullName`, `Links`, ...) with `<Composite>FilterInput`,
// `<Composite>OrderByInput`, `<Composite>CreateInput` and
// `<Composite>UpdateInput`. Differences, on purpose:
//
//   - create/update inputs leave out the fields the domain sets itself
//     (createdAt, updatedAt, deletedAt, createdBy, updatedBy; id on update),
//     so a client learns at validation time that it cannot write them;
//   - a MANY_TO_ONE relation can be filtered through its target too
//     (`company: CompanyFilterInput`), which the query compiler supports;
//   - every record type has `_version: Int!` and updateOne takes
//     `expectedVersion: Int` (optimistic concurrency, refused with CONFLICT);
//   - filter inputs offer what the query compiler implements: StringFilter
//     has no regex/iregex (SQLite has no REGEXP); RawJsonFilter has like,
//     ilike and, for JSON arrays, containsIlike/isEmptyArray instead of
//     containsJsonb; ArrayFilter's containsIlike is one pattern;
//   - scalars: UUID, DateTime, Date, BigFloat, Position, RawJSON (Twenty's
//     RawJSONScalar), JSON and Cursor (edge and pageInfo cursors);
//   - SELECT options whose value is not a GraphQL name are left out of the
//     enum; an object whose generated names collide with taken ones is left
//     out of the schema (Compiled.Skipped), as are inactive custom objects.

// typeRole says what a generated object type holds, for the executor.
type typeRole int

const (
	roleOther      typeRole = iota // plain maps (composites, PageInfo, search types)
	roleRecord                     // a record of Object
	roleConnection                 // a connection of Object's records
	roleEdge                       // an edge of Object's connection
)

type typeInfo struct {
	role   typeRole
	object string // nameSingular, for record/connection/edge types
}

// rootOp is what a root field does.
type rootOp string

const (
	opFindMany    rootOp = "findMany"
	opFindOne     rootOp = "findOne"
	opCreateOne   rootOp = "createOne"
	opCreateMany  rootOp = "createMany"
	opUpdateOne   rootOp = "updateOne"
	opUpdateMany  rootOp = "updateMany"
	opDeleteOne   rootOp = "deleteOne"
	opDeleteMany  rootOp = "deleteMany"
	opRestoreOne  rootOp = "restoreOne"
	opRestoreMany rootOp = "restoreMany"
	opDestroyOne  rootOp = "destroyOne"
	opDestroyMany rootOp = "destroyMany"
	opSearch      rootOp = "search"
	opGroupBy     rootOp = "groupBy"
	opDuplicates  rootOp = "duplicates"
	opMerge       rootOp = "merge"
	opWorkflow    rootOp = "workflow" // workflows.go
)

type rootField struct {
	op     rootOp
	object string // nameSingular
}

// Compiled is a workspace's GraphQL schema at one metadata version: the SDL,
// the validated gqlparser schema and what the executor needs to know about
// each generated name. It is immutable once built and shared by every
// request (and every workspace with the same metadata) in the isolate.
type Compiled struct {
	SDL    string
	Schema *ast.Schema
	types  map[string]typeInfo
	roots  map[string]rootField // query and mutation root fields by name
	// Skipped lists objects left out of the schema because a name they
	// generate collides with a name already taken.
	Skipped []string
}

// BuildSchema generates and validates the GraphQL schema of metadata s.
func BuildSchema(s *domain.Schema) (*Compiled, error) {
	b := newBuilder(s)
	b.build()
	sdl := b.out.String()
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "workspace.graphql", Input: sdl})
	if err != nil {
		return nil, fmt.Errorf("graphql: generated schema is invalid: %w", err)
	}
	return &Compiled{SDL: sdl, Schema: schema, types: b.types, roots: b.roots, Skipped: b.skipped}, nil
}

// schemaCache holds compiled schemas per workspace, for the metadata they
// were built from; workspaces whose metadata generate the same SDL share one
// Compiled. It is this isolate's memory only: a fresh Go instance (an
// object woken from hibernation) starts empty and rebuilds from the
// metadata, which always comes from storage (durable.Workspace.Schema).
var schemaCache = struct {
	sync.Mutex
	byWorkspace map[string]cacheEntry
	bySDL       map[[32]byte]*Compiled
}{byWorkspace: map[string]cacheEntry{}, bySDL: map[[32]byte]*Compiled{}}

// cacheEntry remembers the *domain.Schema a workspace's Compiled was built
// from. A version number alone does not name metadata: the same workspace
// id can reach the same version with other metadata (a rolled-back metadata
// change whose seq is reused, a reset or restored workspace, another
// database in tests). durable.Workspace.Schema hands out one *domain.Schema
// per (version, metadata event id) and never mutates it, so the pointer
// does name the metadata.
type cacheEntry struct {
	schema *domain.Schema
	sum    [32]byte
	c      *Compiled
}

// ResetSchemaCache forgets every compiled schema, as a fresh Go instance
// starts (tests use it to simulate a wake after eviction).
func ResetSchemaCache() {
	schemaCache.Lock()
	defer schemaCache.Unlock()
	schemaCache.byWorkspace = map[string]cacheEntry{}
	schemaCache.bySDL = map[[32]byte]*Compiled{}
}

// MaxCachedSchemas bounds the number of distinct compiled schemas kept in
// memory (each standard schema is a few hundred KB of AST).
var MaxCachedSchemas = 32

// SchemaFor returns the compiled schema of workspace id for metadata s,
// building it on first use (s must not be mutated afterwards).
func SchemaFor(id string, s *domain.Schema) (*Compiled, error) {
	schemaCache.Lock()
	defer schemaCache.Unlock()
	if e, ok := schemaCache.byWorkspace[id]; ok && e.schema == s {
		return e.c, nil
	}
	b := newBuilder(s)
	b.build()
	sdl := b.out.String()
	sum := sha256.Sum256([]byte(sdl))
	c := schemaCache.bySDL[sum]
	if c == nil {
		schema, err := gqlparser.LoadSchema(&ast.Source{Name: "workspace.graphql", Input: sdl})
		if err != nil {
			return nil, fmt.Errorf("graphql: generated schema is invalid: %w", err)
		}
		c = &Compiled{SDL: sdl, Schema: schema, types: b.types, roots: b.roots, Skipped: b.skipped}
		if len(schemaCache.bySDL) >= MaxCachedSchemas {
			// Drop everything: rebuilding is cheap next to unbounded growth.
			schemaCache.bySDL = map[[32]byte]*Compiled{}
			schemaCache.byWorkspace = map[string]cacheEntry{}
		}
		schemaCache.bySDL[sum] = c
	}
	schemaCache.byWorkspace[id] = cacheEntry{schema: s, sum: sum, c: c}
	return c, nil
}

// builder writes the SDL.
type builder struct {
	s       *domain.Schema
	objects []*domain.Object // the objects in the schema, by nameSingular
	out     strings.Builder
	taken   map[string]bool
	types   map[string]typeInfo
	roots   map[string]rootField
	skipped []string
	trailer string // SDL written after the roots (workflows.go)
}

func newBuilder(s *domain.Schema) *builder {
	return &builder{s: s, taken: map[string]bool{}, types: map[string]typeInfo{}, roots: map[string]rootField{}}
}

// Shared scalar, enum and input names.
var fixedTypeNames = []string{
	"UUID", "DateTime", "Date", "BigFloat", "Position", "RawJSON", "JSON", "Cursor",
	"OrderByDirection", "FilterIs", "ActorSourceEnum", "ActorSourceEnumFilter",
	"StringFilter", "UUIDFilter", "DateTimeFilter", "DateFilter", "FloatFilter", "BigFloatFilter",
	"BooleanFilter", "RawJsonFilter", "ArrayFilter", "PageInfo",
	"SearchRecord", "SearchResultEdge", "SearchResultPageInfo", "SearchResultConnection",
	"ObjectRecordFilterInput", "Query", "Mutation", "Subscription",
	"DatabaseEventAction", "OnDbEventInput", "DbEventSubscriptionInput", "OnDbEvent",
	"TSVector", "TSVectorFilter", "ObjectRecordGroupByDateGranularity", "DateGroupByInput",
	"RunWorkflowVersionInput", "RunWorkflowVersionOutput", "SubmitFormStepInput", "CreateWorkflowVersionStepInput",
	"UpdateWorkflowVersionStepInput", "DeleteWorkflowVersionStepInput", "CreateWorkflowVersionEdgeInput",
	"CreateDraftFromWorkflowVersionInput", "WorkflowAction", "WorkflowVersionStepChanges",
	"Int", "Float", "String", "Boolean", "ID",
}

// compositeTypes are the composite field types, in a fixed order.
var compositeTypes = []domain.FieldType{
	domain.TypeFullName, domain.TypeEmails, domain.TypePhones, domain.TypeLinks, domain.TypeCurrency,
	domain.TypeAddress, domain.TypeActor, domain.TypeRichTextV2,
}

// actorSources are Twenty's ActorSourceEnum values.
var actorSources = []string{"EMAIL", "CALENDAR", "WORKFLOW", "AGENT", "API", "IMPORT", "MANUAL", "SYSTEM", "WEBHOOK", "APPLICATION"}

var ratingValues = []string{"RATING_1", "RATING_2", "RATING_3", "RATING_4", "RATING_5"}

func (b *builder) build() {
	for _, n := range fixedTypeNames {
		b.taken[n] = true
	}
	for _, t := range compositeTypes {
		for _, suffix := range []string{"", "FilterInput", "OrderByInput", "CreateInput", "UpdateInput", "GroupByInput"} {
			b.taken[compositeName(t)+suffix] = true
		}
	}
	// Objects whose generated names collide are left out (deterministically:
	// objects are considered in name order).
	for _, o := range b.s.SortedObjects() {
		names := objectTypeNames(o)
		clash := false
		for _, n := range names {
			if b.taken[n] || !validName(n) {
				clash = true
			}
		}
		for _, n := range rootNames(o) {
			if b.taken["root:"+n] || !validName(n) {
				clash = true
			}
		}
		if clash || !o.IsActive && o.IsCustom {
			if clash {
				b.skipped = append(b.skipped, o.NameSingular)
			}
			continue
		}
		for _, n := range names {
			b.taken[n] = true
		}
		for _, n := range rootNames(o) {
			b.taken["root:"+n] = true
		}
		b.objects = append(b.objects, o)
	}
	b.writeCommon()
	for _, t := range compositeTypes {
		b.writeComposite(t)
	}
	for _, o := range b.objects {
		b.writeObject(o)
	}
	b.writeRoots()
	b.p("%s", b.trailer)
}

func (b *builder) inSchema(name string) *domain.Object {
	for _, o := range b.objects {
		if o.NameSingular == name {
			return o
		}
	}
	return nil
}

// pascal is Twenty's pascalCase for camelCase names: "workspaceMember" →
// "WorkspaceMember".
func pascal(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// compositeName is the GraphQL name of a composite type: FULL_NAME →
// FullName, RICH_TEXT_V2 → RichTextV2.
func compositeName(t domain.FieldType) string {
	var b strings.Builder
	for _, part := range strings.Split(strings.ToLower(string(t)), "_") {
		b.WriteString(pascal(part))
	}
	return b.String()
}

func typeNameOf(o *domain.Object) string { return pascal(o.NameSingular) }

func enumName(o *domain.Object, f *domain.Field) string {
	return pascal(o.NameSingular) + pascal(f.Name) + "Enum"
}

func objectTypeNames(o *domain.Object) []string {
	t := typeNameOf(o)
	names := []string{t, t + "Connection", t + "Edge", t + "FilterInput", t + "OrderByInput", t + "CreateInput", t + "UpdateInput",
		t + "GroupByInput", t + "OrderByWithGroupByInput", t + "AggregateOrderByInput", t + "GroupByConnection"}
	for _, f := range o.Fields {
		if isEnumField(f) {
			names = append(names, enumName(o, f), enumName(o, f)+"Filter")
		}
	}
	return names
}

func rootNames(o *domain.Object) []string {
	s, p := pascal(o.NameSingular), pascal(o.NamePlural)
	return []string{o.NamePlural, o.NameSingular, o.NamePlural + "GroupBy", o.NameSingular + "Duplicates", "merge" + p,
		"create" + s, "create" + p, "update" + s, "update" + p, "delete" + s, "delete" + p,
		"restore" + s, "restore" + p, "destroy" + s, "destroy" + p}
}

func validName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func isEnumField(f *domain.Field) bool {
	switch f.Type {
	case domain.TypeSelect, domain.TypeMultiSelect, domain.TypeRating:
		return len(enumValues(f)) > 0
	}
	return false
}

// enumValues are the option values usable as GraphQL enum values.
func enumValues(f *domain.Field) []string {
	if f.Type == domain.TypeRating && len(f.Options) == 0 {
		return ratingValues
	}
	var out []string
	seen := map[string]bool{}
	for _, o := range f.Options {
		if validName(o.Value) && o.Value != "true" && o.Value != "false" && o.Value != "null" && !seen[o.Value] {
			seen[o.Value] = true
			out = append(out, o.Value)
		}
	}
	return out
}

// --- writing -------------------------------------------------------------

func (b *builder) p(format string, args ...any) { fmt.Fprintf(&b.out, format, args...) }

// desc writes a description string (GraphQL string escaping).
func (b *builder) desc(indent, s string) {
	if s == "" {
		return
	}
	b.out.WriteString(indent)
	b.out.WriteString(gqlString(s))
	b.out.WriteByte('\n')
}

func gqlString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			sb.WriteString(`\"`)
		case r == '\\':
			sb.WriteString(`\\`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r < 0x20:
			fmt.Fprintf(&sb, `\u%04x`, r)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

const findManyArgs = "filter: %[1]sFilterInput, orderBy: [%[1]sOrderByInput], first: Int, last: Int, before: String, after: String, offset: Int"

func (b *builder) writeCommon() {
	b.out.WriteString(`# Generated from workspace metadata by edgecrm/api/graphql. Do not edit.

"A UUID (RFC 4122), e.g. 0190aaaa-0000-7000-8000-000000000000"
scalar UUID
"A date-time string at UTC, such as 2019-12-03T09:54:33Z, compliant with the date-time format."
scalar DateTime
"A date string, such as 2007-12-03, compliant with the full-date format."
scalar Date
"A custom scalar type for representing big floating point numbers"
scalar BigFloat
"A custom scalar type for representing record position in a list: a number, \"first\" or \"last\""
scalar Position
"The RawJSON scalar type represents any JSON value."
scalar RawJSON
"The JSON scalar type represents JSON values as specified by ECMA-404."
scalar JSON
"An opaque pagination cursor"
scalar Cursor
"The text a record's search index holds (Twenty's tsvector)"
scalar TSVector

"Full-text search on a record's searchVector: every word must match (as a prefix)"
input TSVectorFilter {
  search: String
}

"How a date field groups records: by the day, week (from Monday), month, quarter or year it falls in (UTC), or its exact value"
enum ObjectRecordGroupByDateGranularity {
  NONE
  DAY
  WEEK
  MONTH
  QUARTER
  YEAR
}

"Group records by a date field"
input DateGroupByInput {
  granularity: ObjectRecordGroupByDateGranularity
}

"This enum is used to specify the order of results"
enum OrderByDirection {
  "Ascending order, nulls first"
  AscNullsFirst
  "Ascending order, nulls last"
  AscNullsLast
  "Descending order, nulls first"
  DescNullsFirst
  "Descending order, nulls last"
  DescNullsLast
}

"This enum to filter by nullability"
enum FilterIs {
  "Nulish values"
  NULL
  "Non-nulish values"
  NOT_NULL
}

input StringFilter {
  eq: String
  gt: String
  gte: String
  in: [String!]
  lt: String
  lte: String
  neq: String
  startsWith: String
  endsWith: String
  "Pattern match with % wildcard (e.g. %value%), case-sensitive"
  like: String
  "Case-insensitive match with % wildcard (e.g. %value%)"
  ilike: String
  is: FilterIs
}

input UUIDFilter {
  eq: UUID
  in: [UUID]
  neq: UUID
  is: FilterIs
}

input DateTimeFilter {
  eq: DateTime
  gt: DateTime
  gte: DateTime
  in: [DateTime!]
  lt: DateTime
  lte: DateTime
  neq: DateTime
  is: FilterIs
}

input DateFilter {
  eq: Date
  gt: Date
  gte: Date
  in: [Date!]
  lt: Date
  lte: Date
  neq: Date
  is: FilterIs
}

input FloatFilter {
  eq: Float
  gt: Float
  gte: Float
  in: [Float!]
  lt: Float
  lte: Float
  neq: Float
  is: FilterIs
}

input BigFloatFilter {
  eq: BigFloat
  gt: BigFloat
  gte: BigFloat
  in: [BigFloat!]
  lt: BigFloat
  lte: BigFloat
  neq: BigFloat
  is: FilterIs
}

input BooleanFilter {
  eq: Boolean
  is: FilterIs
}

input RawJsonFilter {
  is: FilterIs
  like: String
  ilike: String
  "JSON arrays only: some element matches this ilike pattern"
  containsIlike: String
  "JSON arrays only"
  isEmptyArray: Boolean
}

input ArrayFilter {
  "Some element matches this ilike pattern (e.g. %value%)"
  containsIlike: String
  containsAny: [String]
  is: FilterIs
  isEmptyArray: Boolean
}

"Who or what created or updated a record"
enum ActorSourceEnum {
`)
	for _, v := range actorSources {
		b.p("  %s\n", v)
	}
	b.out.WriteString("}\n\n")
	b.writeEnumFilter("ActorSourceEnum")
	b.out.WriteString(`type PageInfo {
  startCursor: Cursor
  endCursor: Cursor
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
}

type SearchRecord {
  recordId: UUID!
  objectNameSingular: String!
  objectLabelSingular: String!
  label: String!
  imageUrl: String
  tsRankCD: Float!
  tsRank: Float!
}

type SearchResultEdge {
  node: SearchRecord!
  cursor: String!
}

type SearchResultPageInfo {
  endCursor: String
  hasNextPage: Boolean!
}

type SearchResultConnection {
  edges: [SearchResultEdge!]!
  pageInfo: SearchResultPageInfo!
}

input ObjectRecordFilterInput {
  and: [ObjectRecordFilterInput!]
  not: ObjectRecordFilterInput
  or: [ObjectRecordFilterInput!]
  id: UUIDFilter
  createdAt: DateTimeFilter
  updatedAt: DateTimeFilter
  deletedAt: DateTimeFilter
}

`)
}

func (b *builder) writeEnumFilter(enum string) {
	b.p(`input %[1]sFilter {
  eq: %[1]s
  neq: %[1]s
  in: [%[1]s]
  containsAny: [%[1]s]
  is: FilterIs
  isEmptyArray: Boolean
}

`, enum)
}

// scalarType maps a scalar field (or composite part) type to its GraphQL
// output/input type name.
func scalarType(t domain.FieldType) string {
	switch t {
	case domain.TypeUUID:
		return "UUID"
	case domain.TypeNumber:
		return "Float"
	case domain.TypeNumeric:
		return "BigFloat"
	case domain.TypeBoolean:
		return "Boolean"
	case domain.TypeDateTime:
		return "DateTime"
	case domain.TypeDate:
		return "Date"
	case domain.TypePosition:
		return "Position"
	case domain.TypeRawJSON:
		return "RawJSON"
	case domain.TypeArray:
		return "[String!]"
	}
	return "String"
}

// filterType maps a scalar type to its filter input.
func filterType(t domain.FieldType) string {
	switch t {
	case domain.TypeUUID:
		return "UUIDFilter"
	case domain.TypeNumber, domain.TypePosition:
		return "FloatFilter"
	case domain.TypeNumeric:
		return "BigFloatFilter"
	case domain.TypeBoolean:
		return "BooleanFilter"
	case domain.TypeDateTime:
		return "DateTimeFilter"
	case domain.TypeDate:
		return "DateFilter"
	case domain.TypeRawJSON:
		return "RawJsonFilter"
	case domain.TypeArray:
		return "ArrayFilter"
	}
	return "StringFilter"
}

func partType(t domain.FieldType, sub domain.Subfield) string {
	if t == domain.TypeActor && sub.Name == "source" {
		return "ActorSourceEnum"
	}
	return scalarType(sub.Type)
}

func partFilter(t domain.FieldType, sub domain.Subfield) string {
	if t == domain.TypeActor && sub.Name == "source" {
		return "ActorSourceEnumFilter"
	}
	return filterType(sub.Type)
}

func (b *builder) writeComposite(t domain.FieldType) {
	name := compositeName(t)
	subs := domain.Subfields(t)
	b.p("type %s {\n", name)
	for _, s := range subs {
		b.p("  %s: %s\n", s.Name, partType(t, s))
	}
	b.p("}\n\ninput %sFilterInput {\n", name)
	for _, s := range subs {
		b.p("  %s: %s\n", s.Name, partFilter(t, s))
	}
	b.p("}\n\ninput %sOrderByInput {\n", name)
	for _, s := range subs {
		b.p("  %s: OrderByDirection\n", s.Name)
	}
	for _, kind := range []string{"Create", "Update"} {
		b.p("}\n\ninput %s%sInput {\n", name, kind)
		for _, s := range subs {
			b.p("  %s: %s\n", s.Name, partType(t, s))
		}
	}
	b.p("}\n\n")
	b.writeCompositeGroupBy(t)
}

// fieldOutType is the type of field f in the object type.
func (b *builder) fieldOutType(o *domain.Object, f *domain.Field) string {
	switch {
	case f.Name == "id":
		return "UUID!"
	case f.Name == "createdAt" || f.Name == "updatedAt":
		return "DateTime!"
	case domain.IsComposite(f.Type):
		return compositeName(f.Type)
	case isEnumField(f) && f.Type == domain.TypeMultiSelect:
		return "[" + enumName(o, f) + "!]"
	case isEnumField(f):
		return enumName(o, f)
	case f.Type == domain.TypeMultiSelect:
		return "[String!]"
	}
	return scalarType(f.Type)
}

// fieldInType is the type of f in create/update inputs.
func (b *builder) fieldInType(o *domain.Object, f *domain.Field, create bool) string {
	var t string
	switch {
	case domain.IsComposite(f.Type):
		if create {
			t = compositeName(f.Type) + "CreateInput"
		} else {
			t = compositeName(f.Type) + "UpdateInput"
		}
	case isEnumField(f) && f.Type == domain.TypeMultiSelect:
		t = "[" + enumName(o, f) + "!]"
	case isEnumField(f):
		t = enumName(o, f)
	case f.Type == domain.TypeMultiSelect:
		t = "[String!]"
	default:
		t = scalarType(f.Type)
	}
	if create && domain.RequiredOnCreate(f) {
		t += "!"
	}
	return t
}

// writeAggregates writes the connection's aggregate fields (Twenty's names
// and types: query.Aggregates).
func (b *builder) writeAggregates(o *domain.Object) {
	for _, a := range query.Aggregates(o) {
		typ := "Int"
		switch {
		case a.Float():
			typ = "Float"
		case a.Date():
			typ = "DateTime"
		}
		b.p("  %s: %s\n", a.Name, typ)
	}
}

func manyToOne(f *domain.Field) bool {
	return f.Type == domain.TypeRelation && f.Relation != nil && f.Relation.Type == domain.ManyToOne
}

func oneToMany(f *domain.Field) bool {
	return f.Type == domain.TypeRelation && f.Relation != nil && f.Relation.Type == domain.OneToMany
}

// writable reports whether f appears in create/update inputs.
func writable(f *domain.Field, create bool) bool {
	if f.Name == "id" {
		return create
	}
	return f.Name == "position" || !domain.IsSystemFieldName(f.Name)
}

func (b *builder) writeObject(o *domain.Object) {
	t := typeNameOf(o)
	b.types[t] = typeInfo{role: roleRecord, object: o.NameSingular}
	b.types[t+"Connection"] = typeInfo{role: roleConnection, object: o.NameSingular}
	b.types[t+"Edge"] = typeInfo{role: roleEdge, object: o.NameSingular}

	// Enums.
	for _, f := range o.Fields {
		if !isEnumField(f) {
			continue
		}
		b.desc("", f.Description)
		b.p("enum %s {\n", enumName(o, f))
		labels := map[string]string{}
		for _, opt := range f.Options {
			labels[opt.Value] = opt.Label
		}
		for _, v := range enumValues(f) {
			b.desc("  ", labels[v])
			b.p("  %s\n", v)
		}
		b.p("}\n\n")
		b.writeEnumFilter(enumName(o, f))
	}

	// Object type.
	b.desc("", o.Description)
	b.p("type %s {\n", t)
	for _, f := range o.Fields {
		switch {
		case manyToOne(f):
			target := b.inSchema(f.Relation.TargetObject)
			b.desc("  ", f.Description)
			b.p("  %s: UUID\n", f.JoinColumn())
			if target != nil {
				b.desc("  ", f.Description)
				b.p("  %s: %s\n", f.Name, typeNameOf(target))
			}
		case oneToMany(f):
			if target := b.inSchema(f.Relation.TargetObject); target != nil {
				b.desc("  ", f.Description)
				b.p("  %s(%s): %sConnection\n", f.Name, fmt.Sprintf(findManyArgs, typeNameOf(target)), typeNameOf(target))
			}
		case f.Type == domain.TypeRelation:
			// a relation without a side: nothing to expose
		default:
			b.desc("  ", f.Description)
			b.p("  %s: %s\n", f.Name, b.fieldOutType(o, f))
		}
	}
	b.p("  \"The text the record's search index holds\"\n")
	b.p("  searchVector: TSVector\n")
	b.p("  \"Record version, incremented by every change (see updateOne's expectedVersion)\"\n")
	b.p("  _version: Int!\n")
	b.p("}\n\n")

	b.p("type %[1]sConnection {\n  edges: [%[1]sEdge!]!\n  pageInfo: PageInfo!\n  totalCount: Int!\n", t)
	b.writeAggregates(o)
	b.p("}\n\n")
	b.p("type %[1]sEdge {\n  node: %[1]s!\n  cursor: Cursor!\n}\n\n", t)
	b.writeGroupByTypes(o)

	// Filter.
	b.desc("", o.Description)
	b.p("input %sFilterInput {\n", t)
	for _, f := range o.Fields {
		switch {
		case manyToOne(f):
			b.p("  %s: UUIDFilter\n", f.JoinColumn())
			if target := b.inSchema(f.Relation.TargetObject); target != nil {
				b.p("  %s: %sFilterInput\n", f.Name, typeNameOf(target))
			}
		case f.Type == domain.TypeRelation:
		case domain.IsComposite(f.Type):
			b.p("  %s: %sFilterInput\n", f.Name, compositeName(f.Type))
		case isEnumField(f):
			b.p("  %s: %sFilter\n", f.Name, enumName(o, f))
		case f.Type == domain.TypeMultiSelect:
			b.p("  %s: ArrayFilter\n", f.Name)
		default:
			b.p("  %s: %s\n", f.Name, filterType(f.Type))
		}
	}
	b.p("  searchVector: TSVectorFilter\n")
	b.p("  and: [%[1]sFilterInput]\n  or: [%[1]sFilterInput]\n  not: %[1]sFilterInput\n}\n\n", t)

	// OrderBy.
	b.p("input %sOrderByInput {\n", t)
	for _, f := range o.Fields {
		switch {
		case manyToOne(f):
			b.p("  %s: OrderByDirection\n", f.JoinColumn())
		case f.Type == domain.TypeRelation:
		case domain.IsComposite(f.Type):
			b.p("  %s: %sOrderByInput\n", f.Name, compositeName(f.Type))
		default:
			b.p("  %s: OrderByDirection\n", f.Name)
		}
	}
	b.p("}\n\n")

	// Create / update.
	for _, create := range []bool{true, false} {
		kind := "Update"
		if create {
			kind = "Create"
		}
		b.p("input %s%sInput {\n", t, kind)
		for _, f := range o.Fields {
			switch {
			case manyToOne(f):
				typ := "UUID"
				if create && domain.RequiredOnCreate(f) {
					typ += "!"
				}
				b.desc("  ", f.Description)
				b.p("  %s: %s\n", f.JoinColumn(), typ)
			case f.Type == domain.TypeRelation:
			case !writable(f, create):
			default:
				b.desc("  ", f.Description)
				b.p("  %s: %s\n", f.Name, b.fieldInType(o, f, create))
			}
		}
		b.p("}\n\n")
	}
}

func (b *builder) writeRoots() {
	objs := append([]*domain.Object(nil), b.objects...)
	sort.Slice(objs, func(i, j int) bool { return objs[i].NameSingular < objs[j].NameSingular })
	b.p("type Query {\n")
	for _, o := range objs {
		t := typeNameOf(o)
		b.roots[o.NamePlural] = rootField{op: opFindMany, object: o.NameSingular}
		b.roots[o.NameSingular] = rootField{op: opFindOne, object: o.NameSingular}
		b.p("  %s(%s): %sConnection\n", o.NamePlural, fmt.Sprintf(findManyArgs, t), t)
		b.p("  %s(filter: %sFilterInput!): %s\n", o.NameSingular, t, t)
		b.roots[o.NamePlural+"GroupBy"] = rootField{op: opGroupBy, object: o.NameSingular}
		b.p("  %sGroupBy(%s): [%sGroupByConnection!]!\n", o.NamePlural, fmt.Sprintf(groupByArgs, t), t)
		b.roots[o.NameSingular+"Duplicates"] = rootField{op: opDuplicates, object: o.NameSingular}
		b.p("  %sDuplicates(ids: [UUID], data: [%sCreateInput]): [%sConnection!]!\n", o.NameSingular, t, t)
	}
	b.roots["search"] = rootField{op: opSearch}
	b.p("  search(searchInput: String!, limit: Int, after: String, offset: Int, filter: ObjectRecordFilterInput, includedObjectNameSingulars: [String!], excludedObjectNameSingulars: [String!]): SearchResultConnection!\n")
	b.p("}\n\ntype Mutation {\n")
	for _, o := range objs {
		t, s, p := typeNameOf(o), pascal(o.NameSingular), pascal(o.NamePlural)
		add := func(name string, op rootOp, sig string) {
			b.roots[name] = rootField{op: op, object: o.NameSingular}
			b.p("  %s%s\n", name, sig)
		}
		add("create"+s, opCreateOne, fmt.Sprintf("(data: %sCreateInput!, upsert: Boolean): %s", t, t))
		add("create"+p, opCreateMany, fmt.Sprintf("(data: [%sCreateInput!]!, upsert: Boolean): [%s!]", t, t))
		add("update"+s, opUpdateOne, fmt.Sprintf("(id: UUID!, data: %sUpdateInput!, expectedVersion: Int): %s", t, t))
		add("update"+p, opUpdateMany, fmt.Sprintf("(data: %sUpdateInput!, filter: %sFilterInput!): [%s!]", t, t, t))
		add("delete"+s, opDeleteOne, fmt.Sprintf("(id: UUID!): %s", t))
		add("delete"+p, opDeleteMany, fmt.Sprintf("(filter: %sFilterInput!): [%s!]", t, t))
		add("restore"+s, opRestoreOne, fmt.Sprintf("(id: UUID!): %s", t))
		add("restore"+p, opRestoreMany, fmt.Sprintf("(filter: %sFilterInput!): [%s!]", t, t))
		add("destroy"+s, opDestroyOne, fmt.Sprintf("(id: UUID!): %s", t))
		add("destroy"+p, opDestroyMany, fmt.Sprintf("(filter: %sFilterInput!): [%s!]", t, t))
		add("merge"+p, opMerge, fmt.Sprintf("(ids: [UUID!]!, conflictPriorityIndex: Int!, dryRun: Boolean): %s", t))
	}
	if len(objs) == 0 {
		b.p("  \"No objects: nothing to change\"\n  _noop: Boolean\n")
	}
	b.writeWorkflowMutations() // workflows.go
	b.p("}\n")
	// The record-event subscription, for introspection: it is served over
	// WebSocket (durable/realtime), and a POST of it is refused.
	b.out.WriteString(gqlws.DBEventSDL)
	b.p("\ntype Subscription {\n  onDbEvent(input: DbEventSubscriptionInput!): OnDbEvent!\n}\n")
}
