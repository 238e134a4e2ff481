package realtime_test

import (
	"fmt"
	"testing"

	"edgecrm/host/native"
)

// BenchmarkFanout commits one company creation with 10,000 subscribed
// sockets, natively (the wasm core in workerd is a few times slower; make
// bench measures that end to end).
func BenchmarkFanout(b *testing.B) {
	h, err := native.New()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 10000; i++ {
		s, _, err := h.WSOpen(ws, "graphql-transport-ws")
		if err != nil {
			b.Fatal(err)
		}
		h.WSSend(s, `{"type":"connection_init","payload":{}}`)
		h.WSSend(s, `{"id":"1","type":"subscribe","payload":{"query":"subscription { onDbEvent(input: {objectNameSingular: \"company\"}) { seq eventDate } }"}}`)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := h.Fetch(ws, restReq("POST", "/rest/companies", fmt.Sprintf(`{"name":"c%d"}`, i)))
		if err != nil || resp.Status != 201 {
			b.Fatal(err, resp)
		}
	}
}
