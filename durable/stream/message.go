package stream

import (
	"encoding/json"
	"strconv"

	"edgecrm/events"
	"edgecrm/host"
)

// Message is the body of an EVENTS message: one event, JSON. An event
// whose message would exceed MaxMessageBytes (a 200 KB note) travels as a
// reference instead: Ref set and Payload left out. Everything the consumer
// records (workspace, seq, id, type) is still there; a consumer that needs
// the payload reads the event from its workspace (GET /admin/events?after=
// seq-1&limit=1), so the message fits and the stream behind it moves on.
type Message struct {
	Workspace string         `json:"workspace"`
	Seq       int64          `json:"seq"`
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Version   int            `json:"schemaVersion"`
	Time      string         `json:"time"`
	Actor     string         `json:"actor"`
	CommandID string         `json:"commandId"`
	Payload   map[string]any `json:"payload,omitempty"`
	Ref       bool           `json:"ref,omitempty"`
	// Notify: the consumer tells the stream's object it consumed this
	// event (the object has webhooks or database-event workflow triggers).
	Notify bool `json:"notify,omitempty"`
}

// Render returns ev's EVENTS message for the stream id, as a reference when
// the whole event would not fit in one message.
func Render(id string, ev events.Event, notify bool) (json.RawMessage, error) {
	payload, err := ev.Fields()
	if err != nil {
		return nil, err
	}
	m := Message{Workspace: id, Seq: ev.Seq, ID: ev.ID, Type: ev.Type, Version: ev.SchemaVersion,
		Time: ev.Time.UTC().Format(events.TimeLayout), Actor: ev.Actor, CommandID: ev.CommandID, Payload: payload, Notify: notify}
	b, err := m.appendJSON(nil)
	if err != nil || len(b) <= MaxMessageBytes {
		return b, err
	}
	m.Payload, m.Ref = nil, true
	return json.Marshal(m)
}

// appendJSON appends m as json.Marshal encodes it (the same bytes, in the
// struct's order), without reflection: the flush renders every event.
func (m *Message) appendJSON(b []byte) ([]byte, error) {
	str := func(b []byte, key, v string) []byte {
		return host.AppendString(append(b, key...), v)
	}
	b = str(b, `{"workspace":`, m.Workspace)
	b = strconv.AppendInt(append(b, `,"seq":`...), m.Seq, 10)
	b = str(b, `,"id":`, m.ID)
	b = str(b, `,"type":`, m.Type)
	b = strconv.AppendInt(append(b, `,"schemaVersion":`...), int64(m.Version), 10)
	b = str(b, `,"time":`, m.Time)
	b = str(b, `,"actor":`, m.Actor)
	b = str(b, `,"commandId":`, m.CommandID)
	if len(m.Payload) > 0 {
		var err error
		if b, err = host.AppendJSON(append(b, `,"payload":`...), m.Payload); err != nil {
			return nil, err
		}
	}
	if m.Ref {
		b = append(b, `,"ref":true`...)
	}
	if m.Notify {
		b = append(b, `,"notify":true`...)
	}
	return append(b, '}'), nil
}
