package realtime_test

import (
	"fmt"
	"testing"
)

// BenchmarkFanout commits one company creation with 10,000 subscribed
// sockets, natively (the wasm core in workerd is a few times slower; make
// bench measures that end to end), and reports the time per socket.
func BenchmarkFanout(b *testing.B) {
	const sockets = 10000
	h := newHost(b)
	for i := 0; i < sockets; i++ {
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
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*sockets), "ns/socket")
}
