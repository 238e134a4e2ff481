// Package gql is edgecrm's one GraphQL executor: reading a request,
// parsing it, the cost model (cost.go), validation, choosing the
// operation, coercing its variables, collecting fields (fragments,
// aliases, @skip/@include), executing over resolvers (exec.go), the error
// shape (the status table of apierr) and the response body, and
// introspection. Each endpoint (/graphql, /metadata, the edge's auth
// operations, subscriptions) supplies only its schema and resolvers.
package gql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"edgecrm/api/apierr"
	"edgecrm/domain"
	"edgecrm/host"
)

// MaxBodyBytes bounds a POST body (its variables may hold a hundred records).
const MaxBodyBytes = 1 << 20

// Request is a decoded GraphQL request.
type Request struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// ReadRequest decodes req: a POST body (JSON, or the bare document as
// application/graphql) or GET's query, variables and operationName
// parameters. Numbers in the variables become int64 or float64, and
// Variables is never nil. A request that cannot be read is a 400, a 413
// (body over MaxBodyBytes) or a 405 (another method; the message names
// path).
func ReadRequest(req *host.Request, path string) (*Request, *Error) {
	var r Request
	switch req.Method {
	case "POST":
		if len(req.Body) > MaxBodyBytes {
			return nil, NewError(413, "", fmt.Sprintf("request body is larger than %d bytes", MaxBodyBytes))
		}
		if ct := req.Header("content-type"); strings.HasPrefix(ct, "application/graphql") && !strings.HasPrefix(ct, "application/graphql-response") {
			r.Query = req.Body
			break
		}
		if fast, ok := scanRequest(req.Body); ok {
			r = fast
			break
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(req.Body)))
		dec.UseNumber()
		if err := dec.Decode(&r); err != nil {
			return nil, NewError(400, "BAD_REQUEST", "malformed GraphQL request body: "+err.Error()+` (expected {"query": "...", "variables": {...}, "operationName": "..."})`)
		}
		if dec.More() {
			return nil, NewError(400, "BAD_REQUEST", "malformed GraphQL request body: trailing data after the object")
		}
	case "GET":
		q, err := url.ParseQuery(req.Query)
		if err != nil {
			return nil, NewError(400, "BAD_REQUEST", "malformed query string: "+err.Error())
		}
		r.Query, r.OperationName = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(&r.Variables); err != nil {
				return nil, NewError(400, "BAD_REQUEST", "variables must be a JSON object: "+err.Error())
			}
		}
	default:
		return nil, NewError(405, "", "use POST (or GET for queries) on "+path)
	}
	if strings.TrimSpace(r.Query) == "" {
		return nil, NewError(400, "BAD_REQUEST", "the request has no query")
	}
	r.Variables, _ = domain.NormalizeNumbers(r.Variables).(map[string]any)
	if r.Variables == nil {
		r.Variables = map[string]any{}
	}
	return &r, nil
}

// scanRequest decodes a JSON request body as the encoding/json path of
// ReadRequest does, without reflection (inside wasm that path was a fifth
// of a read's Go time). ok false: a key other than query, variables and
// operationName, a value of another type, anything host.Scanner does not
// take; ReadRequest then decodes with encoding/json, which also words
// the errors.
func scanRequest(body string) (r Request, ok bool) {
	s := host.NewScanner([]byte(body))
	s.Object(func(k string) {
		if s.Null() { // encoding/json leaves the field as it was
			return
		}
		switch k {
		case "query":
			r.Query = s.Str()
		case "operationName":
			r.OperationName = s.Str()
		case "variables":
			vars, isObject := s.Any().(map[string]any)
			if !isObject || r.Variables != nil { // encoding/json merges a repeated key's maps
				s.Fail()
			}
			r.Variables = vars
		default: // another key (encoding/json matches keys without case)
			s.Fail()
		}
	})
	return r, s.End()
}

// Parse parses r.Query, measures it against lim (every operation and
// fragment of the document, before anything is expanded or validated),
// validates it against schema and picks the operation r.OperationName
// names (or the only one). Every error is a 400 (413 for a document over
// lim.MaxDocumentBytes): GRAPHQL_PARSE_FAILED or GRAPHQL_VALIDATION_FAILED
// with locations, GRAPHQL_VALIDATION_FAILED for a document over the cost
// model, or BAD_USER_INPUT when no operation fits.
func Parse(schema *ast.Schema, lim Limits, r *Request) (*ast.QueryDocument, *ast.OperationDefinition, []*Error) {
	key := docKey{schema, r.Query}
	doc, valid := docs.get(key)
	if valid { // the measures depend on the variables: taken again
		if len(r.Query) > lim.MaxDocumentBytes {
			valid = false // ParseOnly refuses it
		} else if _, e := lim.CostOfDocument(nil, doc, r.Variables); e != nil {
			return nil, nil, []*Error{e}
		}
	}
	if !valid {
		var errs []*Error
		if doc, errs = ParseOnly(lim, r); errs != nil {
			return nil, nil, errs
		}
	}
	if _, e := lim.CostOfDocument(schema, doc, r.Variables); e != nil {
		return nil, nil, []*Error{e}
	}
	if !valid {
		if list := validator.ValidateWithRules(schema, doc, nil); len(list) > 0 {
			return nil, nil, fromGQLErrors(list)
		}
		docs.put(key, doc)
	}
	if r.OperationName != "" {
		if op := doc.Operations.ForName(r.OperationName); op != nil {
			return doc, op, nil
		}
		return nil, nil, []*Error{NewError(400, "", fmt.Sprintf("unknown operation named %q", r.OperationName))}
	}
	if len(doc.Operations) != 1 {
		return nil, nil, []*Error{NewError(400, "", "the document has several operations: name the one to run with operationName")}
	}
	return doc, doc.Operations[0], nil
}

// docs keeps the documents that parsed and validated against a schema: a
// client sends the same few queries again and again (twenty-front's
// record table queries are kilobytes), and a validated document is only
// read by the executors.
var docs docCache

type docKey struct {
	schema *ast.Schema
	query  string
}

type docCache struct {
	mu sync.Mutex
	m  map[docKey]*ast.QueryDocument
}

// maxDocs bounds the cache: past it, it starts again.
const maxDocs = 64

func (c *docCache) get(k docKey) (*ast.QueryDocument, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	doc, ok := c.m[k]
	return doc, ok
}

func (c *docCache) put(k docKey, doc *ast.QueryDocument) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxDocs {
		c.m = map[docKey]*ast.QueryDocument{}
	}
	c.m[k] = doc
}

// ParseOnly parses r.Query (at most lim.MaxDocumentBytes) and measures it
// with no schema (depth, fields, aliases; page sizes unknown): for a caller
// that must look at a document before knowing which schema it is for (the
// edge). Parse does it all and more.
func ParseOnly(lim Limits, r *Request) (*ast.QueryDocument, []*Error) {
	if len(r.Query) > lim.MaxDocumentBytes {
		return nil, []*Error{NewError(413, "", fmt.Sprintf("the GraphQL document is %d bytes; the maximum is %d", len(r.Query), lim.MaxDocumentBytes))}
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: r.Query})
	if err != nil {
		return nil, fromGQLErrors(gqlerror.List{gqlerror.WrapIfUnwrapped(err)})
	}
	if _, e := lim.CostOfDocument(nil, doc, r.Variables); e != nil {
		return nil, []*Error{e}
	}
	return doc, nil
}

func fromGQLErrors(list gqlerror.List) []*Error {
	out := make([]*Error, 0, len(list))
	for _, ge := range list {
		code := apierr.CodeValidationFailed
		if ge.Rule == "" {
			code = apierr.CodeParseFailed
		}
		e := NewError(400, code, ge.Message)
		for _, l := range ge.Locations {
			e.Locations = append(e.Locations, Location{Line: l.Line, Column: l.Column})
		}
		out = append(out, e)
	}
	return out
}

// Variables coerces vars (as ReadRequest leaves them) to op's variable
// definitions with validator.VariableValues: types checked, defaults
// applied. A failure is a 400 BAD_USER_INPUT naming the variable.
func Variables(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) (map[string]any, *Error) {
	coerced, err := validator.VariableValues(schema, op, vars)
	if err != nil {
		var ge *gqlerror.Error
		msg := err.Error()
		if errors.As(err, &ge) {
			msg = ge.Message
			if len(ge.Path) > 0 {
				msg = "variable " + strings.TrimPrefix(ge.Path.String(), "variable.") + " " + ge.Message
			}
		}
		return nil, NewError(400, "", msg)
	}
	return coerced, nil
}
