package gql_test

import (
	"testing"

	"edgecrm/api/gql"
	"edgecrm/api/metadata"
)

// FuzzParse runs arbitrary documents through the front half of the one
// executor (size cap, parse, cost model, validation, operation choice,
// variables) over the metadata schema (the auth operations included): no
// input may panic, every refusal is a 4xx with a code, and a document
// that passes stays within the limits.
func FuzzParse(f *testing.F) {
	for _, q := range []string{
		`{ objects(paging: {first: 10}) { edges { node { id fieldsList { name relation { type } } } } } }`,
		`mutation { signUp(email: "a@b.co", password: "x") { loginToken { ...T } } } fragment T on AuthToken { token a: expiresAt }`,
		`query Q($n: Int) { fields(paging: {first: $n}) { totalCount } } query R { __schema { types { name fields { name args { name } } } } }`,
		`fragment A on Object { a: id ...B b: id ...B } fragment B on Object { id } { object(id: "x") { ...A } }`,
		`{ a: __typename b: __type(name: "Object") { fields(includeDeprecated: true) { name } } }`,
		`subscription { x }`,
	} {
		f.Add(q, "")
	}
	schema := metadata.Schema()
	f.Fuzz(func(t *testing.T, query, opName string) {
		r := &gql.Request{Query: query, OperationName: opName, Variables: map[string]any{"n": int64(5)}}
		doc, op, errs := gql.Parse(schema, gql.DefaultLimits, r)
		for _, e := range errs {
			if e.Status < 400 || e.Status >= 500 || e.Extensions["code"] == "" {
				t.Fatalf("%q: error %+v", query, e)
			}
		}
		if errs != nil {
			return
		}
		if m, e := gql.DefaultLimits.CostOfDocument(schema, doc, r.Variables); e != nil || m.Depth > gql.DefaultLimits.MaxDepth {
			t.Fatalf("%q passed, but measures %+v", query, m)
		}
		vars, e := gql.Variables(schema, op, r.Variables)
		if e != nil {
			return
		}
		gql.CollectFields(doc, vars, "", op.SelectionSet)
	})
}
