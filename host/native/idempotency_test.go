package native_test

import (
	"strings"
	"testing"
	"time"

	"edgecrm/host/dispatch"
	"edgecrm/host/native"
)

// TestIdempotencyKeyBoundToRequest: a key names the request that first used
// it. Any other request with it (another method, path, query or body, on
// REST or GraphQL) is a 422 in Twenty's shape and changes nothing; the
// same request again gets the first response back.
func TestIdempotencyKeyBoundToRequest(t *testing.T) {
	h := native.MustNew(t)
	_, created := do(t, h, "POST", "/rest/companies", `{"name":"Keyed"}`, "idempotency-key", "k1")
	id := record(created, "createCompany")["id"].(string)
	const gqlDelete = `{"query":"mutation($id: UUID!) { deleteCompany(id: $id) { id } }","variables":{"id":"%s"}}`
	cases := []struct {
		name, header       string
		method, path, body string
	}{
		{"DELETE reusing a POST's key", "idempotency-key", "DELETE", "/rest/companies/" + id, ""},
		{"same path, another body", "idempotency-key", "POST", "/rest/companies", `{"name":"Other"}`},
		{"same body, another query", "idempotency-key", "POST", "/rest/companies?depth=1", `{"name":"Keyed"}`},
		{"the same key as X-Command-Id", "x-command-id", "PATCH", "/rest/companies/" + id, `{"name":"Renamed"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := head(t, h)
			status, m := do(t, h, c.method, c.path, c.body, c.header, "k1")
			if status != 422 || m["statusCode"] != float64(422) || m["error"] != "UnprocessableEntityException" {
				t.Fatalf("answered %d %v, want 422 UnprocessableEntityException", status, m)
			}
			if got := head(t, h); got != before {
				t.Fatalf("a refused key appended: head %v → %v", before, got)
			}
		})
	}
	if status, m := do(t, h, "GET", "/rest/companies/"+id, ""); status != 200 || record(m, "company")["name"] != "Keyed" {
		t.Fatalf("the record changed: %d %v", status, m)
	}
	// The same request again: the first response, nothing appended.
	before := head(t, h)
	if status, again := do(t, h, "POST", "/rest/companies", `{"name":"Keyed"}`, "idempotency-key", "k1"); status != 201 ||
		record(again, "createCompany")["id"] != id {
		t.Fatalf("retry answered %d %v", status, again)
	}
	if head(t, h) != before {
		t.Fatal("retry appended")
	}
	// GraphQL: the key is bound the same way (and its own namespace).
	body := strings.Replace(gqlDelete, "%s", id, 1)
	if status, _ := do(t, h, "POST", "/graphql", body, "idempotency-key", "g1"); status != 200 {
		t.Fatalf("first GraphQL delete: %d", status)
	}
	status, m := do(t, h, "POST", "/graphql", strings.Replace(body, "deleteCompany", "restoreCompany", 1), "idempotency-key", "g1")
	errs, _ := m["errors"].([]any)
	if status != 422 || len(errs) != 1 || m["data"] != nil {
		t.Fatalf("GraphQL reuse answered %d %v, want 422 with one error", status, m)
	}
	ext := errs[0].(map[string]any)["extensions"].(map[string]any)
	if ext["code"] != "BAD_USER_INPUT" || ext["statusCode"] != float64(422) {
		t.Fatalf("GraphQL reuse error %v", errs[0])
	}
}

// TestOnlyKeyedCommandsAreKeptForADay: an unkeyed mutation stores nothing;
// a keyed one is kept for 24 h, then its key is free (and the expired row
// is forgotten by a later write).
func TestOnlyKeyedCommandsAreKeptForADay(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	defer func(old func() time.Time) { dispatch.Now = old }(dispatch.Now)
	dispatch.Now = func() time.Time { return now }
	h := native.MustNew(t)

	do(t, h, "POST", "/rest/companies", `{"name":"Unkeyed"}`)
	do(t, h, "POST", "/graphql", `{"query":"mutation { createCompany(data: {name: \"Unkeyed too\"}) { id } }"}`)
	if n := keptCommands(t, h); n != 0 {
		t.Fatalf("%d commands kept for unkeyed mutations", n)
	}
	_, m := do(t, h, "POST", "/rest/companies", `{"name":"Day one"}`, "idempotency-key", "daily")
	id := record(m, "createCompany")["id"].(string)
	do(t, h, "POST", "/rest/companies", `{"name":"Spare"}`, "idempotency-key", "spare")
	if n := keptCommands(t, h); n != 2 {
		t.Fatalf("%d commands kept, want the two keyed ones", n)
	}

	now = t0.Add(23 * time.Hour)
	if status, _ := do(t, h, "DELETE", "/rest/companies/"+id, "", "idempotency-key", "daily"); status != 422 {
		t.Fatalf("reuse within 24 h answered %d, want 422", status)
	}
	now = t0.Add(25 * time.Hour)
	status, m := do(t, h, "POST", "/rest/companies", `{"name":"Day two"}`, "idempotency-key", "daily")
	if status != 201 || record(m, "createCompany")["name"] != "Day two" {
		t.Fatalf("an expired key answered %d %v, want a new create", status, m)
	}
	// "spare" expired too: the write forgot it.
	if n := keptCommands(t, h); n != 1 {
		t.Fatalf("%d commands kept, want only the live key", n)
	}
}

func keptCommands(t *testing.T, h *native.Host) int {
	t.Helper()
	db, err := h.Object(ws)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Exec(`SELECT count(*) FROM _commands`)
	if err != nil {
		t.Fatal(err)
	}
	return int(rows.Int())
}
