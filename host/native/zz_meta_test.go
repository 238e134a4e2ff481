package native_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"edgecrm/host"
	"edgecrm/host/native"
)

func TestZZMeta(t *testing.T) {
	h := native.MustNew(t)
	s, _ := os.ReadFile("../../tests/js/twenty-front/object-metadata/ObjectMetadataItems.graphql")
	f, _ := os.ReadFile("../../tests/js/twenty-front/fragments/ObjectMetadataFields.graphql")
	body, _ := json.Marshal(map[string]any{"query": string(s) + string(f)})
	n := 200
	var size int
	t0 := time.Now()
	for i := 0; i < n; i++ {
		resp, err := h.Fetch(ws, host.Request{Method: "POST", Path: "/metadata", Body: string(body), Headers: map[string]string{"content-type": "application/json"}})
		if err != nil || resp.Status != 200 {
			t.Fatal(resp.Body)
		}
		size = len(resp.Body)
	}
	t.Logf("objects: %v per query, %d bytes", time.Since(t0)/time.Duration(n), size)
}
