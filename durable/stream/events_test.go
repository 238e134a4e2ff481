package stream_test

import (
	"reflect"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/durable/stream"
	"edgecrm/events"
)

// TestEventsKeepDecodedPayload: a record event's Fields, kept from the
// change that built it, equal its payload decoded (and values that would
// not decode as themselves are decoded instead).
func TestEventsKeepDecodedPayload(t *testing.T) {
	data := map[string]any{"name": "Acme", "employees": float64(12), "big": int64(1 << 40), "ok": true, "none": nil,
		"address": map[string]any{"addressCity": "Paris", "addressLat": 1.5}, "tags": []any{"a", float64(2)}}
	odd := map[string]any{"n": 3, "m": map[string]any(nil), "l": []any(nil), "t": time.Unix(1, 0)}
	changes := []domain.Change{
		{Type: "company.created", Payload: domain.RecordCreated{ID: "c1", Data: data}},
		{Type: "company.updated", Payload: domain.RecordUpdated{ID: "c1", Changes: data}},
		{Type: "company.created", Payload: domain.RecordCreated{ID: "c2", Data: odd}},
		{Type: "company.created", Payload: domain.RecordCreated{ID: "c3"}},
		{Type: "company.deleted", Payload: domain.RecordRef{ID: "c1"}},
	}
	evs, err := stream.Events(changes, time.Now(), "api", "cmd")
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		got, err := ev.Fields()
		if err != nil {
			t.Fatal(err)
		}
		var want map[string]any
		if err := (events.Event{Payload: ev.Payload}).Decode(&want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Fields %#v, decoded %#v", ev.Type, got, want)
		}
	}
	if f, _ := evs[0].Fields(); reflect.ValueOf(f["data"]).Pointer() != reflect.ValueOf(data).Pointer() {
		t.Error("the created event's data was decoded again, not kept")
	}
}
