// Package gqlexec holds what edgecrm's GraphQL endpoints (graphqlapi,
// metadataapi and the edge's auth operations) share around their own
// executors: reading a request, parsing it and choosing its operation,
// coercing its variables, collecting fields, the error shape, the response
// body, and introspection.
package gql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"edgecrm/api/rest"
	"edgecrm/domain"
	"edgecrm/host"
)

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
// (body over rest.MaxBodyBytes) or a 405 (another method; the message names
// path).
func ReadRequest(req *host.Request, path string) (*Request, *Error) {
	var r Request
	switch req.Method {
	case "POST":
		if len(req.Body) > rest.MaxBodyBytes {
			return nil, NewError(413, "", fmt.Sprintf("request body is larger than %d bytes", rest.MaxBodyBytes))
		}
		if ct := req.Header("content-type"); strings.HasPrefix(ct, "application/graphql") && !strings.HasPrefix(ct, "application/graphql-response") {
			r.Query = req.Body
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

// Parse parses r.Query, validates it against schema and picks the operation
// r.OperationName names (or the only one). A nil schema only parses (for a
// caller that has none, like the edge). Every error is a 400:
// GRAPHQL_PARSE_FAILED or GRAPHQL_VALIDATION_FAILED with locations, or
// BAD_USER_INPUT when no operation fits.
func Parse(schema *ast.Schema, r *Request) (*ast.QueryDocument, *ast.OperationDefinition, []*Error) {
	var doc *ast.QueryDocument
	var list gqlerror.List
	if schema == nil {
		var err error
		if doc, err = parser.ParseQuery(&ast.Source{Input: r.Query}); err != nil {
			list = gqlerror.List{gqlerror.WrapIfUnwrapped(err)}
		}
	} else {
		doc, list = gqlparser.LoadQueryWithRules(schema, r.Query, nil)
	}
	if len(list) > 0 {
		out := make([]*Error, 0, len(list))
		for _, ge := range list {
			code := "GRAPHQL_VALIDATION_FAILED"
			if ge.Rule == "" {
				code = "GRAPHQL_PARSE_FAILED"
			}
			e := NewError(400, code, ge.Message)
			for _, l := range ge.Locations {
				e.Locations = append(e.Locations, Location{Line: l.Line, Column: l.Column})
			}
			out = append(out, e)
		}
		return nil, nil, out
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

// Variables coerces vars (as ReadRequest leaves them) to op's variable
// definitions with validator.VariableValues: types checked, defaults
// applied. A failure is a 400 BAD_USER_INPUT naming the variable. With a
// nil schema it only adds to vars, and returns it, the defaults of the
// variables it lacks.
func Variables(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) (map[string]any, *Error) {
	if schema == nil {
		for _, d := range op.VariableDefinitions {
			if _, ok := vars[d.Variable]; !ok && d.DefaultValue != nil {
				vars[d.Variable], _ = d.DefaultValue.Value(nil)
			}
		}
		return vars, nil
	}
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
