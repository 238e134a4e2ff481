package gql

import (
	"edgecrm/host"
	"fmt"
	"testing"
)

func TestCollectFields(t *testing.T) {
	req := &host.Request{Method: "POST", Body: `{"query": "query Q($no: Boolean = false) { a b: a ...F ...F ... on T { c } ... on U { d } e @skip(if: true) f @include(if: $no) g @include(if: true) } fragment F on T { a h } fragment G on U { i }"}`}
	r, err := ReadRequest(req, "/graphql")
	if err != nil {
		t.Fatal(err)
	}
	doc, errs := ParseOnly(DefaultLimits, r)
	if errs != nil {
		t.Fatal(errs)
	}
	op := doc.Operations[0]
	vars := map[string]any{"no": false}
	keys := func(typeName string) string {
		var out []string
		for _, g := range CollectFields(doc, vars, typeName, op.SelectionSet) {
			out = append(out, fmt.Sprintf("%s:%d", g.Key, len(g.Fields)))
		}
		return fmt.Sprint(out)
	}
	if got := keys("T"); got != "[a:2 b:1 h:1 c:1 g:1]" {
		t.Errorf("on T: %s", got)
	}
	if got := keys(""); got != "[a:2 b:1 h:1 c:1 d:1 g:1]" {
		t.Errorf("any type: %s", got)
	}
}

func TestRespond(t *testing.T) {
	data := NewObject(2)
	data.Set("z", []any{int64(1), "<", nil, true, 1.5})
	data.Set("a", map[string]any{"y": 1, "x": 2})
	e := NewError(404, "", "gone")
	if got := Respond(200, data, []*Error{e}).Body; got != `{"data":{"z":[1,"\u003c",null,true,1.5],"a":{"x":2,"y":1}},"errors":[{"message":"gone","extensions":{"code":"NOT_FOUND","statusCode":404}}]}` {
		t.Errorf("body: %s", got)
	}
	if r := RespondErrors(NewError(400, "", "a"), NewError(413, "", "b")); r.Status != 413 {
		t.Errorf("status %d", r.Status)
	}
}
