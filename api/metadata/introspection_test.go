package metadata_test

import (
	"os"
	"testing"

	"edgecrm/api/metadata"
)

// /metadata answers graphql-js's introspection query with every type of its
// schema, and __type.
func TestIntrospection(t *testing.T) {
	q, err := os.ReadFile("../graphql/testdata/introspection_query.graphql")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	s := c.meta(string(q), nil)["__schema"].(map[string]any)
	if s["queryType"].(map[string]any)["name"] != "Query" || s["mutationType"].(map[string]any)["name"] != "Mutation" || s["subscriptionType"] != nil {
		t.Fatalf("root types: %v %v %v", s["queryType"], s["mutationType"], s["subscriptionType"])
	}
	got := map[string]bool{}
	for _, ty := range s["types"].([]any) {
		got[ty.(map[string]any)["name"].(string)] = true
	}
	for n := range metadata.Schema().Types {
		if !got[n] {
			t.Errorf("introspection lacks type %s", n)
		}
	}
	if len(got) != len(metadata.Schema().Types) {
		t.Errorf("introspection has %d types, the schema %d", len(got), len(metadata.Schema().Types))
	}

	data := c.meta(`{ __type(name: "ObjectConnection") { kind fields { name type { kind ofType { name } } } } nope: __type(name: "Nope") { name } }`, nil)
	ty := data["__type"].(map[string]any)
	if ty["kind"] != "OBJECT" || len(ty["fields"].([]any)) != 3 || data["nope"] != nil {
		t.Fatalf("__type: %v", data)
	}
}
