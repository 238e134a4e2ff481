package edge_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"edgecrm/edge"
	"edgecrm/host"
)

// expoSignUp is issue 9's 1.2 KB signUp body: aliased fields each spreading
// the next fragment twice, which expands to 2^levels fields.
func expoSignUp(levels int) string {
	var b strings.Builder
	b.WriteString(`mutation { signUp(email: "e@example.com", password: "12345678") { loginToken { ...F0 } } }`)
	for i := range levels {
		fmt.Fprintf(&b, " fragment F%d on AuthToken { a%d: token ...F%d b%d: expiresAt ...F%d }", i, i, i+1, i, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on AuthToken { token }", levels)
	return b.String()
}

// TestAuthDocumentsAreMeasuredBeforeExpansion: the exponential signUp body
// is refused with the cost model's error, and the edge's answer (no
// continuation, no selection carried) stays small: nothing was expanded.
func TestAuthDocumentsAreMeasuredBeforeExpansion(t *testing.T) {
	c := newClient(t, nil)
	query := expoSignUp(20)
	if len(query) > 1500 {
		t.Fatalf("payload is %d bytes", len(query))
	}
	body, _ := json.Marshal(map[string]any{"query": query})
	out := edge.Fetch(&host.Request{Method: "POST", Path: "/metadata", Body: string(body), Headers: map[string]string{"cf-connecting-ip": c.ip}}, map[string]any{})
	size := 0
	for _, e := range out.Effects {
		if e.Resume != nil {
			size += len(e.Resume.Ctx)
		}
	}
	if size > 4096 {
		t.Fatalf("continuation of %d bytes", size)
	}
	r := c.gql("", query, nil)
	if r.Status != 400 || dig(r.Body, "errors") == nil || !strings.Contains(errMessage(r), "fragments expanded") || dig(r.Body["errors"].([]any)[0], "extensions", "code") != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("got %d %.300s", r.Status, r.Raw)
	}
}

// TestAuthOperationsValidate: auth documents are validated against their
// SDL like any operation (unknown fields, wrong argument types, missing
// required arguments are GRAPHQL_VALIDATION_FAILED), and the operations
// appear in /metadata's introspection.
func TestAuthOperationsValidate(t *testing.T) {
	c := newClient(t, nil)
	for _, q := range []string{
		`mutation { signUp(email: "e@example.com", password: "12345678") { loginToken { nope } } }`,
		`mutation { signUp(email: 12, password: "12345678") { loginToken { token } } }`,
		`mutation { getLoginTokenFromCredentials(email: "e@example.com") { loginToken { token } } }`,
		`query { signUp(email: "e@example.com", password: "12345678") { loginToken { token } } }`,
	} {
		r := c.gql("", q, nil)
		if r.Status != 400 || dig(r.Body["errors"].([]any)[0], "extensions", "code") != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("%.60s: %d %.300s", q, r.Status, r.Raw)
		}
	}
	s := c.signUpAndLogIn("intro@example.com", "intro password", "")
	r := c.gql(s.Access, `{ __type(name: "Mutation") { fields { name args { name type { kind ofType { name } } } } } }`, nil)
	found := false
	for _, f := range dig(r.Body, "data", "__type", "fields").([]any) {
		found = found || dig(f, "name") == "getLoginTokenFromCredentials"
	}
	if r.Status != 200 || !found {
		t.Fatalf("introspection: %d %.300s", r.Status, r.Raw)
	}
}

// TestSchemaChangesNeedTheAdminRole: issue 9 defect 8. An API key (and a
// member) refused sendInvitations is refused deleteOneObject as well;
// both may still read the schema; an admin may change it.
func TestSchemaChangesNeedTheAdminRole(t *testing.T) {
	c := newClient(t, nil)
	admin := c.signUpAndLogIn("owner@example.com", "owner password", "")
	r := c.gql(admin.Access, `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id } }`, map[string]any{"input": map[string]any{"name": "ci"}})
	keyID, _ := dig(r.Body, "data", "createApiKey", "id").(string)
	r = c.gql(admin.Access, `mutation($id: UUID!, $exp: String!) { generateApiKeyToken(apiKeyId: $id, expiresAt: $exp) { token } }`,
		map[string]any{"id": keyID, "exp": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	apiToken, _ := dig(r.Body, "data", "generateApiKeyToken", "token").(string)
	if apiToken == "" {
		t.Fatalf("generateApiKeyToken: %s", r.Raw)
	}
	objects := c.gql(admin.Access, `{ objects(paging: {first: 1000}) { edges { node { id nameSingular } } } }`, nil)
	var companyID string
	for _, e := range dig(objects.Body, "data", "objects", "edges").([]any) {
		if dig(e, "node", "nameSingular") == "company" {
			companyID = dig(e, "node", "id").(string)
		}
	}
	if companyID == "" {
		t.Fatalf("objects: %.300s", objects.Raw)
	}
	if r := c.gql(apiToken, `mutation { sendInvitations(emails: ["x@example.com"]) { success } }`, nil); r.Status != 403 {
		t.Fatalf("API key invites: %d %s", r.Status, r.Raw)
	}
	del := `mutation($id: UUID!) { deleteOneObject(input: {id: $id}) { id } }`
	create := `mutation { createOneObject(input: {object: {nameSingular: "gadget", namePlural: "gadgets", labelSingular: "Gadget", labelPlural: "Gadgets"}}) { id } }`
	for _, q := range []string{del, create} {
		r := c.gql(apiToken, q, map[string]any{"id": companyID})
		if r.Status != 403 || dig(r.Body, "errors") == nil || !strings.Contains(r.Raw, `"FORBIDDEN"`) {
			t.Fatalf("API key changes the schema: %d %s", r.Status, r.Raw)
		}
	}
	if r := c.gql(apiToken, `{ objects { edges { node { id } } } }`, nil); r.Status != 200 {
		t.Fatalf("API key reads the schema: %d %s", r.Status, r.Raw)
	}
	if r := c.gql(admin.Access, create, nil); r.Status != 200 || dig(r.Body, "data", "createOneObject", "id") == nil {
		t.Fatalf("admin changes the schema: %d %s", r.Status, r.Raw)
	}
}

// TestPublicOperationsAreRateLimitedBeforeParsing: a body naming a public
// operation goes to the IP limit first, even when it would not parse,
// and the continuation carries it sealed (no password in clear).
func TestPublicOperationsAreRateLimitedBeforeParsing(t *testing.T) {
	c := newClient(t, map[string]string{"RATE_LIMITS_DISABLED": "false", "RATE_LIMIT_IP": "8", "RATE_LIMIT_PERIOD_SECONDS": "10"})
	defer c.h.ConfigureAuth(map[string]string{"RATE_LIMITS_DISABLED": "true"})
	for _, query := range []string{
		`mutation { signUp(email: "e@example.com", password: "hunter2-secret") { loginToken { token } }`, // unbalanced
		`mutation { signUp(email: "e@example.com", password: "hunter2-secret") { loginToken { token } } }`,
	} {
		body, _ := json.Marshal(map[string]any{"query": query})
		out := edge.Fetch(&host.Request{Method: "POST", Path: "/graphql", Body: string(body), Headers: map[string]string{"cf-connecting-ip": c.ip}}, map[string]any{})
		if out.Response != nil || len(out.Effects) != 1 || out.Effects[0].Kind != host.EffectRateLimit || out.Effects[0].Resume == nil {
			t.Fatalf("%.40s: %+v", query, out)
		}
		if strings.Contains(string(out.Effects[0].Resume.Ctx), "hunter2") {
			t.Fatalf("password in the continuation: %s", out.Effects[0].Resume.Ctx)
		}
	}
}
