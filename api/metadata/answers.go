package metadata

import (
	"maps"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/durable"
	"edgecrm/host"
)

// Answers of schema-only queries (every root field is objects, object or
// fields) are kept per isolate: Twenty's frontend reads every object and
// field (about 200 KB, 20-30 ms of Go in wasm) on each page load, and
// that answer changes only with the schema. An entry is named by the
// workspace, the metadata event the schema stands at (any metadata change
// moves it; a rolled-back one does not) and the request itself.
var answers = struct {
	sync.Mutex
	order []string
	m     map[string]*host.Response
}{m: map[string]*host.Response{}}

// maxAnswers bounds the kept answers (each is one workspace's schema).
const maxAnswers = 8

// answerKey names req's answer if it can be kept ("" if not).
func answerKey(w *durable.Workspace, req *host.Request, op *ast.OperationDefinition) string {
	if op.Operation != ast.Query || w.Vars() == nil || w.Vars().MetadataEvent == "" {
		return ""
	}
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || f.Name != "objects" && f.Name != "object" && f.Name != "fields" && f.Name != "__typename" {
			return ""
		}
	}
	return w.ID + "\x00" + w.Vars().MetadataEvent + "\x00" + req.Method + "\x00" + req.Query + "\x00" + req.Body
}

// keptAnswer returns a copy of the answer kept under key, or nil.
func keptAnswer(key string) *host.Response {
	answers.Lock()
	defer answers.Unlock()
	r := answers.m[key]
	if r == nil {
		return nil
	}
	return &host.Response{Status: r.Status, Headers: maps.Clone(r.Headers), Body: r.Body}
}

// keepAnswer keeps a successful answer under key, forgetting the oldest
// beyond maxAnswers.
func keepAnswer(key string, r *host.Response) {
	if r.Status != 200 {
		return
	}
	answers.Lock()
	defer answers.Unlock()
	if _, ok := answers.m[key]; ok {
		return
	}
	if len(answers.order) == maxAnswers {
		delete(answers.m, answers.order[0])
		answers.order = answers.order[1:]
	}
	answers.order = append(answers.order, key)
	answers.m[key] = &host.Response{Status: r.Status, Headers: maps.Clone(r.Headers), Body: r.Body}
}

// hasErrors reports whether a GraphQL answer carries errors (a partial
// answer is not kept).
func hasErrors(r *host.Response) bool { return strings.Contains(r.Body, `"errors":`) }
