// Package events holds the event envelope and the append-only event store.
package events

import (
	"strconv"
	"time"
)

// Event is one fact in a workspace's log. Seq is gap-free per workspace and
// assigned by the store on append; Payload is msgpack.
type Event struct {
	ID            string    `json:"id"`            // ULID
	Seq           int64     `json:"seq"`           // 1, 2, 3, ... per workspace
	Type          string    `json:"type"`          // "company.created", "object.created"
	SchemaVersion int       `json:"schemaVersion"` // payload schema version of Type
	Time          time.Time `json:"time"`
	Actor         string    `json:"actor"`     // who caused it ("api", a workspace member id, "system")
	CommandID     string    `json:"commandId"` // the command that produced it
	Payload       []byte    `json:"-"`
	// memo keeps the payload Fields decoded; copies of the event share it
	// (New and ReadFrom set it), so the projector, the real-time observer
	// and the outbox decode an event once.
	memo *fieldsMemo
}

type fieldsMemo struct {
	payload []byte // what fields was decoded from
	fields  map[string]any
	derived any // SetDerived
}

// Derived is what SetDerived kept with the event (nil when nothing).
func (e Event) Derived() any {
	if e.memo == nil {
		return nil
	}
	return e.memo.derived
}

// SetDerived keeps v, something computed from the event alone, with it
// and its copies, for a later reader in the same isolate (the D1
// projection reuses the inline projection's row of a created record).
// An event read from the log again has none.
func (e Event) SetDerived(v any) {
	if e.memo != nil {
		e.memo.derived = v
	}
}

// Fields returns the payload decoded as a map (at most once per event
// built or read). Callers must not modify it: copies of the event share it.
func (e Event) Fields() (map[string]any, error) {
	if f, ok := e.Decoded(); ok {
		return f, nil
	}
	var f map[string]any
	if err := unmarshalMsgpack(e.Payload, &f); err != nil {
		return nil, err
	}
	if m := e.memo; m != nil {
		m.payload, m.fields = e.Payload, f
	}
	return f, nil
}

// Decoded returns the payload's fields when Fields has them already (an
// event built with them, or decoded before), without decoding.
func (e Event) Decoded() (map[string]any, bool) {
	m := e.memo
	if m != nil && m.fields != nil && len(m.payload) == len(e.Payload) && (len(e.Payload) == 0 || &m.payload[0] == &e.Payload[0]) {
		return m.fields, true
	}
	return nil, false
}

// New builds an unsequenced event with a fresh ULID and a msgpack payload.
func New(typ string, version int, at time.Time, actor, commandID string, payload any) (Event, error) {
	b, err := marshalMsgpack(payload)
	if err != nil {
		return Event{}, err
	}
	id, err := NewULID(at)
	if err != nil {
		return Event{}, err
	}
	return Event{ID: ULIDString(id), Type: typ, SchemaVersion: version, Time: at.UTC(), Actor: actor, CommandID: commandID, Payload: b, memo: &fieldsMemo{}}, nil
}

// NewDecoded is New for a payload whose decoded form the caller holds:
// fields (the payload as a map, as Fields returns it) becomes the event's
// decoded payload when decoding would give exactly it (plain values:
// strings, bools, float64, int64, int8, nil, maps and lists of them), so
// the projector does not decode what was just encoded. Otherwise Fields
// decodes as usual.
func NewDecoded(typ string, version int, at time.Time, actor, commandID string, payload any, fields map[string]any) (Event, error) {
	e, err := New(typ, version, at, actor, commandID, payload)
	if err == nil && decodesAs(fields) {
		e.memo.payload, e.memo.fields = e.Payload, fields
	}
	return e, err
}

// decodesAs reports whether v decodes from its msgpack encoding as itself
// (an int becomes an int8, a typed nil map a nil interface, and so on).
func decodesAs(v any) bool {
	switch x := v.(type) {
	case nil, bool, string, float64, int64, int8:
		return true
	case map[string]any:
		if x == nil {
			return false
		}
		for _, e := range x {
			if !decodesAs(e) {
				return false
			}
		}
		return true
	case []any:
		if x == nil {
			return false
		}
		for _, e := range x {
			if !decodesAs(e) {
				return false
			}
		}
		return true
	}
	return false
}

// Decode unmarshals the payload into v.
func (e Event) Decode(v any) error { return unmarshalMsgpack(e.Payload, v) }

// Upcaster rewrites an event of an older schema version to the current one.
type Upcaster func(Event) (Event, error)

var upcasters = map[string]Upcaster{}

// RegisterUpcaster installs fn for events of typ at version from; fn must
// return the event at a higher version. Called at init time only.
func RegisterUpcaster(typ string, from int, fn Upcaster) {
	upcasters[upcastKey(typ, from)] = fn
}

func upcastKey(typ string, v int) string { return typ + "@" + strconv.Itoa(v) }

// Upcast brings e to the newest registered schema version of its type.
func Upcast(e Event) (Event, error) {
	for {
		fn, ok := upcasters[upcastKey(e.Type, e.SchemaVersion)]
		if !ok {
			return e, nil
		}
		next, err := fn(e)
		if err != nil {
			return e, err
		}
		e = next
	}
}
