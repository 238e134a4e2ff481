package durable_test

import (
	"errors"
	"testing"

	"edgecrm/durable"
	"edgecrm/host"
	"edgecrm/sqldb/sqlitedb"
)

// TestCommandKeyBoundToCaller: the same key, method, path and body from
// another caller is another request.
func TestCommandKeyBoundToCaller(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	w := openWS(t, db)
	req := func(principal string) *host.Request {
		return &host.Request{Method: "POST", Path: "/rest/companies", Body: `{"name":"A"}`, Principal: principal,
			Headers: map[string]string{"idempotency-key": "k"}}
	}
	cmd, stored, err := w.BeginCommand(req("user:u1:"), "")
	if err != nil || stored != nil || !cmd.Keyed || cmd.ID != "k" {
		t.Fatalf("first use: %+v %v %v", cmd, stored, err)
	}
	if err := w.FinishCommand(cmd, &host.Response{Status: 201, Body: "{}"}); err != nil {
		t.Fatal(err)
	}
	if _, stored, err := w.BeginCommand(req("user:u1:"), ""); err != nil || stored == nil || stored.Status != 201 {
		t.Fatalf("same caller, same request: %v %v, want the stored 201", stored, err)
	}
	var reused *durable.KeyReusedError
	if _, stored, err := w.BeginCommand(req("apiKey::k2"), ""); !errors.As(err, &reused) || stored != nil {
		t.Fatalf("another caller: %v %v, want a KeyReusedError", stored, err)
	}
	if cmd, stored, err := w.BeginCommand(req("apiKey::k2"), "graphql:"); err != nil || stored != nil || cmd.ID != "graphql:k" {
		t.Fatalf("another API's namespace: %+v %v %v", cmd, stored, err)
	}
}
