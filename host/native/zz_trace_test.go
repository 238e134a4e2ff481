package native_test

import (
	"os"
	"testing"
)

func TestTraceCreate(t *testing.T) {
	h := newHost(t)
	do(t, h, "POST", "/graphql", `{"query":"mutation { createCompany(data: {name: \"W\"}) { id } }"}`)
	os.Setenv("TRACE_SQL", "1")
	do(t, h, "POST", "/graphql", `{"query":"mutation { createCompany(data: {name: \"X\"}) { id } }"}`)
	os.Setenv("TRACE_SQL", "")
}
