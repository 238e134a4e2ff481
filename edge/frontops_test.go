package edge_test

import (
	"testing"
	"time"
)

// generateTransientToken answers a short-lived token of Twenty's shape,
// which no API takes as a bearer token.
func TestGenerateTransientToken(t *testing.T) {
	c := newClient(t, nil)
	ada := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	r := c.gql(ada.Access, frontDoc(t, "auth/generateTransientToken.graphql"), nil)
	tok, _ := dig(r.Body, "data", "generateTransientToken", "transientToken", "token").(string)
	if r.Status != 200 || tok == "" {
		t.Fatalf("generateTransientToken: %d %s", r.Status, r.Raw)
	}
	r = c.gql(ada.Access, `mutation { generateTransientToken { transientToken { expiresAt } } }`, nil)
	exp, err := time.Parse(time.RFC3339, dig(r.Body, "data", "generateTransientToken", "transientToken", "expiresAt").(string))
	if err != nil || exp.Before(time.Now()) || exp.After(time.Now().Add(6*time.Minute)) {
		t.Fatalf("expiresAt: %v %s", err, r.Raw)
	}
	if r := c.gql(tok, `{ currentUser { id } }`, nil); r.Status != 401 {
		t.Fatalf("a transient token as a bearer: %d %s", r.Status, r.Raw)
	}
	if r := c.gql("", frontDoc(t, "auth/generateTransientToken.graphql"), nil); r.Status != 401 {
		t.Fatalf("anonymous: %d %s", r.Status, r.Raw)
	}
}

// getRoles answers Role.agents, always empty (no AI agents here).
func TestGetRolesAgents(t *testing.T) {
	c := newClient(t, nil)
	ada := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	r := c.gql(ada.Access, frontDoc(t, "settings/GetRoles.graphql"), nil)
	roles, _ := dig(r.Body, "data", "getRoles").([]any)
	if r.Status != 200 || len(roles) < 2 {
		t.Fatalf("getRoles: %d %s", r.Status, r.Raw)
	}
	for _, role := range roles {
		if a, ok := dig(role, "agents").([]any); !ok || len(a) != 0 {
			t.Fatalf("agents: %s", r.Raw)
		}
	}
}
