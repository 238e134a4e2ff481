package metadata_test

import (
	"strings"
	"testing"
)

// TestCyclicSchemaWalkIsRefused: issue 9's 147-byte /metadata document
// walks the schema's cycle (object → fields → object → ...) to an
// exponential size; the cost model refuses it before execution, while the
// front end's shapes pass.
func TestCyclicSchemaWalkIsRefused(t *testing.T) {
	c := newClient(t)
	cyclic := `{objects{edges{node{fields{edges{node{object{fields{edges{node{object{fields{edges{node{object{fields{edges{node{id}}}}}}}}}}}}}}}}}}}`
	if len(cyclic) > 147 {
		t.Fatalf("payload is %d bytes", len(cyclic))
	}
	status, m := c.gql("/metadata", cyclic, nil)
	errs, _ := m["errors"].([]any)
	if status != 400 || len(errs) == 0 || m["data"] != nil {
		t.Fatalf("got %d %v", status, m)
	}
	e := errs[0].(map[string]any)
	if e["extensions"].(map[string]any)["code"] != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(e["message"].(string), "costs") {
		t.Fatalf("error %v", e)
	}
	front := `{ objects(paging: {first: 1000}) { edges { node { id nameSingular namePlural labelSingular isCustom
	  fieldsList { id type name label isNullable defaultValue options settings
	    relation { type sourceObjectMetadata { id nameSingular } targetObjectMetadata { id nameSingular }
	      sourceFieldMetadata { id name } targetFieldMetadata { id name } }
	    morphRelations { type } }
	  indexMetadataList { id } } } pageInfo { hasNextPage } } }`
	c.meta(front, nil)
}
