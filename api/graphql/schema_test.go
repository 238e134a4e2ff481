package graphql_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"edgecrm/api/graphql"
	"edgecrm/domain"
	"edgecrm/host/native"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the generated output (run go test ./api/graphql -update and review the diff)", path)
	}
}

func standardSchema() *domain.Schema {
	return &domain.Schema{Version: 1, Objects: domain.StandardObjects()}
}

// customSchema adds an object with every field type the standard objects
// do not use.
func customSchema() *domain.Schema {
	s := standardSchema()
	rocket := &domain.Object{NameSingular: "rocket", NamePlural: "rockets", LabelSingular: "Rocket", LabelPlural: "Rockets",
		IsCustom: true, IsActive: true, LabelIdentifier: "name", Searchable: []string{"name"},
		Fields: append(domain.SystemFields(),
			&domain.Field{Name: "name", Type: domain.TypeText, IsNullable: true, Description: `The "rocket" name`},
			&domain.Field{Name: "tags", Type: domain.TypeMultiSelect, IsNullable: true,
				Options: []domain.SelectOption{{Value: "FAST", Label: "Fast"}, {Value: "HEAVY", Label: "Heavy"}, {Value: "not valid!", Label: "x"}}},
			&domain.Field{Name: "score", Type: domain.TypeRating, IsNullable: true},
			&domain.Field{Name: "keywords", Type: domain.TypeArray, IsNullable: true},
			&domain.Field{Name: "launchDay", Type: domain.TypeDate, IsNullable: true},
			&domain.Field{Name: "thrust", Type: domain.TypeNumeric, IsNullable: false},
			&domain.Field{Name: "specs", Type: domain.TypeRawJSON, IsNullable: true},
			&domain.Field{Name: "company", Type: domain.TypeRelation, IsNullable: true,
				Relation: &domain.Relation{Type: domain.ManyToOne, TargetObject: "company", TargetField: "rockets"}},
		)}
	domain.AssignIDs(rocket)
	s.Objects = append(s.Objects, rocket)
	s.Object("company").Fields = append(s.Object("company").Fields, &domain.Field{Name: "rockets", Type: domain.TypeRelation, IsNullable: true,
		Relation: &domain.Relation{Type: domain.OneToMany, TargetObject: "rocket", TargetField: "company"}})
	return s
}

func TestGeneratedSchemaGolden(t *testing.T) {
	c, err := graphql.BuildSchema(standardSchema())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "standard.graphql", []byte(c.SDL))

	c, err = graphql.BuildSchema(customSchema())
	if err != nil {
		t.Fatal(err)
	}
	// Only the custom object's part: the rest equals standard.graphql.
	var part strings.Builder
	for _, block := range strings.Split(c.SDL, "\n\n") {
		if strings.Contains(block, "Rocket") || strings.Contains(block, "rocket") {
			part.WriteString(block + "\n\n")
		}
	}
	golden(t, "custom_object.graphql", []byte(part.String()))
	for _, want := range []string{
		"enum RocketTagsEnum {\n  \"Fast\"\n  FAST\n  \"Heavy\"\n  HEAVY\n}", // invalid option values are left out
		"tags: [RocketTagsEnum!]", "score: RocketScoreEnum", "keywords: [String!]", "launchDay: Date", "thrust: BigFloat",
		"specs: RawJSON", "thrust: BigFloat!", // required on create
		"rockets(filter: RocketFilterInput", "tags: RocketTagsEnumFilter", "keywords: ArrayFilter", "launchDay: DateFilter",
		"createRockets(data: [RocketCreateInput!]!, upsert: Boolean): [Rocket!]",
	} {
		if !strings.Contains(c.SDL, want) {
			t.Errorf("custom schema lacks %q", want)
		}
	}
}

func TestSchemaSkipsObjectsWhoseNamesCollide(t *testing.T) {
	s := standardSchema()
	clash := &domain.Object{NameSingular: "pageInfo", NamePlural: "pageInfos", IsCustom: true, IsActive: true, Fields: domain.SystemFields()}
	s.Objects = append(s.Objects, clash)
	c, err := graphql.BuildSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "skipped", c.Skipped, []string{"pageInfo"})
	if c.Schema.Types["PageInfo"].Fields.ForName("hasNextPage") == nil {
		t.Error("the custom object replaced PageInfo")
	}
}

func TestSchemaCacheByWorkspaceAndVersion(t *testing.T) {
	s := standardSchema()
	a1, err := graphql.SchemaFor("cache-a", s)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := graphql.SchemaFor("cache-a", s)
	b, _ := graphql.SchemaFor("cache-b", standardSchema())
	if a1 != a2 || a1 != b {
		t.Error("the same metadata should share one compiled schema")
	}
	custom := customSchema()
	custom.Version = 2
	a3, _ := graphql.SchemaFor("cache-a", custom)
	if a3 == a1 || a3.Schema.Types["Rocket"] == nil {
		t.Error("a new metadata version did not rebuild the schema")
	}
	if again, _ := graphql.SchemaFor("cache-b", standardSchema()); again != a1 {
		t.Error("another workspace's version change evicted this one")
	}
}

// The same workspace id can reach the same metadata version with other
// metadata (a rolled-back metadata change whose seq comes back, a reset or
// restored workspace): the cache must follow the metadata, not the number.
func TestSchemaCacheFollowsMetadataNotVersionNumber(t *testing.T) {
	plain := standardSchema()
	plain.Version = 7
	c1, err := graphql.SchemaFor("cache-same-version", plain)
	if err != nil {
		t.Fatal(err)
	}
	other := customSchema()
	other.Version = 7
	c2, err := graphql.SchemaFor("cache-same-version", other)
	if err != nil {
		t.Fatal(err)
	}
	if c2 == c1 || c2.Schema.Types["Rocket"] == nil {
		t.Fatal("other metadata at the same version got the old compiled schema")
	}
	// A fresh Go instance (a woken object) starts with nothing cached and
	// builds the same schema again from the metadata.
	graphql.ResetSchemaCache()
	c3, err := graphql.SchemaFor("cache-same-version", other)
	if err != nil {
		t.Fatal(err)
	}
	if c3 == c2 || c3.SDL != c2.SDL {
		t.Fatal("after a reset the schema was not rebuilt identically")
	}
}

// introspect runs graphql-js's own introspection query.
func introspect(t *testing.T) result {
	t.Helper()
	q, err := os.ReadFile("testdata/introspection_query.graphql")
	if err != nil {
		t.Fatal(err)
	}
	return ok(t, gql(t, native.MustNew(t), string(q), nil))
}

func TestIntrospectionIsComplete(t *testing.T) {
	r := introspect(t)
	c, err := graphql.BuildSchema(standardSchema())
	if err != nil {
		t.Fatal(err)
	}
	s := dig(r.Data, "__schema")
	eq(t, "queryType", str(s, "queryType", "name"), "Query")
	eq(t, "mutationType", str(s, "mutationType", "name"), "Mutation")
	eq(t, "subscriptionType", str(s, "subscriptionType", "name"), "Subscription")

	types := map[string]map[string]any{}
	var got []string
	for _, ty := range dig(s, "types").([]any) {
		m := ty.(map[string]any)
		types[m["name"].(string)] = m
		got = append(got, m["name"].(string))
	}
	var want []string
	for n := range c.Schema.Types {
		want = append(want, n)
	}
	sort.Strings(want)
	eq(t, "every type", got, want)
	for _, n := range []string{"CompanyConnection", "CompanyEdge", "Company", "PageInfo", "CompanyFilterInput", "CompanyOrderByInput",
		"CompanyCreateInput", "CompanyUpdateInput", "UUIDFilter", "StringFilter", "FullName", "FullNameFilterInput", "Links", "Currency",
		"Emails", "Phones", "Address", "Actor", "RichTextV2", "UUID", "DateTime", "Date", "JSON", "RawJSON", "Position",
		"OpportunityStageEnum", "SearchResultConnection", "SearchRecord", "__Schema", "__Type"} {
		if types[n] == nil {
			t.Errorf("introspection lacks type %s", n)
		}
	}

	// CompanyConnection { edges: [CompanyEdge!]!  pageInfo: PageInfo!  totalCount: Int! }
	conn := map[string]string{}
	for _, f := range types["CompanyConnection"]["fields"].([]any) {
		conn[str(f, "name")] = typeRef(dig(f, "type"))
	}
	// ...and Twenty's aggregate fields, typed by the field's type.
	for name, typ := range map[string]string{"edges": "[CompanyEdge!]!", "pageInfo": "PageInfo!", "totalCount": "Int!",
		"countEmptyName": "Int", "countNotEmptyDomainName": "Int", "countUniqueValuesAddress": "Int",
		"percentageEmptyName": "Float", "percentageNotEmptyEmployees": "Float",
		"minEmployees": "Float", "maxEmployees": "Float", "avgEmployees": "Float", "sumEmployees": "Float",
		"minCreatedAt": "DateTime", "maxCreatedAt": "DateTime",
		"sumAnnualRecurringRevenueAmountMicros": "Float", "avgAnnualRecurringRevenueAmountMicros": "Float"} {
		eq(t, "CompanyConnection."+name, conn[name], typ)
	}
	for _, absent := range []string{"countEmptyPeople", "minName", "sumCreatedAt", "countEmptyAccountOwner"} {
		if _, ok := conn[absent]; ok {
			t.Errorf("CompanyConnection has %s", absent)
		}
	}

	// Query.companies and its arguments; introspection fields stay hidden.
	var companies map[string]any
	for _, f := range types["Query"]["fields"].([]any) {
		if strings.HasPrefix(str(f, "name"), "__") {
			t.Errorf("Query exposes %s", str(f, "name"))
		}
		if str(f, "name") == "companies" {
			companies = f.(map[string]any)
		}
	}
	args := map[string]string{}
	for _, a := range companies["args"].([]any) {
		args[str(a, "name")] = typeRef(dig(a, "type"))
	}
	eq(t, "companies args", args, map[string]string{"filter": "CompanyFilterInput", "orderBy": "[CompanyOrderByInput]",
		"first": "Int", "last": "Int", "before": "String", "after": "String", "offset": "Int"})
	eq(t, "companies type", typeRef(companies["type"]), "CompanyConnection")

	var stages []string
	for _, v := range types["OpportunityStageEnum"]["enumValues"].([]any) {
		stages = append(stages, str(v, "name"))
	}
	eq(t, "stage enum", stages, []string{"NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER"})

	var directives []string
	for _, d := range dig(s, "directives").([]any) {
		directives = append(directives, str(d, "name"))
	}
	eq(t, "directives", directives, []string{"deprecated", "include", "oneOf", "skip", "specifiedBy"})

	// __type and __typename.
	r = ok(t, gql(t, native.MustNew(t), `{ __typename __type(name: "FullName") { kind name fields { name type { name } } } nope: __type(name: "Nope") { name } }`, nil))
	eq(t, "__typename", dig(r.Data, "__typename"), "Query")
	eq(t, "__type", dig(r.Data, "__type"), map[string]any{"kind": "OBJECT", "name": "FullName", "fields": []any{
		map[string]any{"name": "firstName", "type": map[string]any{"name": "String"}},
		map[string]any{"name": "lastName", "type": map[string]any{"name": "String"}},
	}})
	eq(t, "unknown __type", dig(r.Data, "nope"), nil)
}

// typeRef renders an introspection type reference as SDL.
func typeRef(v any) string {
	switch str(v, "kind") {
	case "NON_NULL":
		return typeRef(dig(v, "ofType")) + "!"
	case "LIST":
		return "[" + typeRef(dig(v, "ofType")) + "]"
	}
	return str(v, "name")
}

// TestIntrospectionBuildsInGraphQLJS feeds the introspection result to
// graphql-js's buildClientSchema and compares the printed schema with the
// SDL. It needs node and the graphql package (the project's
// devDependencies, or GRAPHQL_JS naming a node_modules directory).
func TestIntrospectionBuildsInGraphQLJS(t *testing.T) {
	dir := os.Getenv("GRAPHQL_JS")
	if dir == "" {
		dir, _ = filepath.Abs(filepath.Join("..", "node_modules")) // the project's devDependencies
	}
	if _, err := os.Stat(filepath.Join(dir, "graphql", "package.json")); err != nil {
		t.Skip("graphql-js is not installed (npm install, or set GRAPHQL_JS to a node_modules directory holding graphql)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	r := introspect(t)
	c, _ := graphql.BuildSchema(standardSchema())
	tmp := t.TempDir()
	data, _ := json.Marshal(r.Data)
	os.WriteFile(filepath.Join(tmp, "introspection.json"), data, 0o644)
	os.WriteFile(filepath.Join(tmp, "schema.graphql"), []byte(c.SDL), 0o644)
	script := `
const {buildClientSchema, buildSchema, printSchema, lexicographicSortSchema} = require('graphql');
const fs = require('fs');
const client = buildClientSchema(JSON.parse(fs.readFileSync(process.argv[1] + '/introspection.json', 'utf8')));
const sdl = buildSchema(fs.readFileSync(process.argv[1] + '/schema.graphql', 'utf8'));
const a = printSchema(lexicographicSortSchema(client)), b = printSchema(lexicographicSortSchema(sdl));
if (a !== b) { console.error('introspected schema differs from the SDL'); process.exit(1); }
console.log(Object.keys(client.getTypeMap()).length + ' types');`
	cmd := exec.Command(node, "-e", script, tmp)
	cmd.Env = append(os.Environ(), "NODE_PATH="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("graphql-js: %v\n%s", err, out)
	}
	t.Logf("graphql-js built the schema: %s", out)
}
