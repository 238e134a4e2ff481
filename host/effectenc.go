package host

import (
	"encoding/json"
	"strconv"
)

// appendEffects appends effects as json.Marshal encodes them, field by
// field without reflection: every call's output carries effects (a
// forward, a flush, an outbox step's D1 statements and queue messages),
// and encoding/json's reflection cost a few percent of the isolate.
// Raw JSON (messages, continuation contexts) is appended as it is, not
// compacted: the core renders it compact. TestAppendEffectsMatchesMarshal
// holds the bytes to encoding/json's.
func appendEffects(b []byte, effects []Effect) ([]byte, error) {
	if effects == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range effects {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendEffect(b, &effects[i]); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// effectWriter writes one object's fields, a comma before all but the first.
type effectWriter struct {
	b     []byte
	comma bool
	err   error
}

func (w *effectWriter) key(k string) {
	if w.comma {
		w.b = append(w.b, ',')
	}
	w.comma = true
	w.b = append(append(append(w.b, '"'), k...), `":`...)
}

func (w *effectWriter) str(k, v string) {
	if v != "" {
		w.key(k)
		w.b = AppendString(w.b, v)
	}
}

func (w *effectWriter) int(k string, v int64) {
	if v != 0 {
		w.key(k)
		w.b = strconv.AppendInt(w.b, v, 10)
	}
}

func (w *effectWriter) flag(k string, v bool) {
	if v {
		w.key(k)
		w.b = append(w.b, "true"...)
	}
}

func (w *effectWriter) strs(k string, v []string) {
	list(w, k, v, func(s string) { w.b = AppendString(w.b, s) })
}

// list writes key k and v's elements with each, as a JSON array (nothing
// when v is empty: omitempty).
func list[T any](w *effectWriter, k string, v []T, each func(T)) {
	if len(v) == 0 {
		return
	}
	w.key(k)
	w.b = append(w.b, '[')
	for i, x := range v {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		each(x)
	}
	w.b = append(w.b, ']')
}

func (w *effectWriter) raw(v json.RawMessage) {
	if len(v) == 0 {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, v...)
}

// value appends v with AppendJSON (a statement's parameter, a D1 param).
func (w *effectWriter) value(v any) {
	if w.err == nil {
		w.b, w.err = AppendJSON(w.b, v)
	}
}

func (w *effectWriter) values(k string, v []any, omitEmpty bool) {
	if len(v) > 0 {
		list(w, k, v, w.value)
	} else if !omitEmpty {
		w.key(k)
		if v == nil {
			w.b = append(w.b, "null"...)
		} else {
			w.b = append(w.b, "[]"...)
		}
	}
}

func appendEffect(b []byte, e *Effect) ([]byte, error) {
	w := &effectWriter{b: append(b, '{')}
	w.key("kind")
	w.b = AppendString(w.b, e.Kind)
	w.str("sql", e.SQL)
	w.values("params", e.Params, true)
	list(w, "statements", e.Statements, func(s Statement) {
		w.b = AppendString(append(w.b, `{"sql":`...), s.SQL)
		w.comma = true
		w.values("params", s.Args, false)
		w.b = append(w.b, '}')
	})
	list(w, "messages", e.Messages, w.raw)
	w.strs("ids", e.IDs)
	w.int("delaySeconds", int64(e.DelaySeconds))
	if r := e.Resume; r != nil {
		w.key("resume")
		w.b = AppendString(append(w.b, `{"entry":`...), r.Entry)
		if len(r.Ctx) > 0 {
			w.b = append(w.b, `,"ctx":`...)
			w.raw(r.Ctx)
		}
		w.b = append(w.b, '}')
	}
	w.str("socket", e.Socket)
	w.strs("frames", e.Frames)
	w.int("code", int64(e.Code))
	w.str("reason", e.Reason)
	w.str("attachment", e.Attachment)
	list(w, "groups", e.Groups, func(g BroadcastGroup) {
		w.b = AppendString(append(w.b, `{"head":`...), g.Head)
		w.b = AppendString(append(w.b, `,"tail":`...), g.Tail)
		w.b = append(AppendString(append(w.b, `,"to":`...), g.To), '}')
	})
	w.int("delayMs", e.DelayMs)
	w.strs("sockets", e.Sockets)
	w.flag("background", e.Background)
	w.flag("serial", e.Serial)
	w.flag("yield", e.Yield)
	w.strs("keys", e.Keys)
	w.str("key", e.Key)
	w.str("value", e.Value)
	w.int("ttl", int64(e.TTL))
	w.str("binding", e.Binding)
	w.int("limit", int64(e.Limit))
	w.int("period", int64(e.Period))
	w.str("namespace", e.Namespace)
	w.str("name", e.Name)
	w.str("objectId", e.ObjectID)
	w.str("path", e.Path)
	if len(e.Headers) > 0 {
		w.key("headers")
		w.b, _ = appendMap(w.b, e.Headers, appendString)
	}
	w.str("body", e.Body)
	if len(e.Effects) > 0 {
		w.key("effects")
		if w.err == nil {
			w.b, w.err = appendEffects(w.b, e.Effects)
		}
	}
	w.strs("drop", e.Drop)
	if e.Guard != nil {
		w.key("guard")
		if w.err == nil {
			w.b, w.err = appendEffect(w.b, e.Guard)
		}
	}
	if r := e.Refused; r != nil {
		w.key("refused")
		w.b = strconv.AppendInt(append(w.b, `{"status":`...), int64(r.Status), 10)
		if len(r.Headers) > 0 {
			w.b, _ = appendMap(append(w.b, `,"headers":`...), r.Headers, appendString)
		}
		w.b = append(AppendString(append(w.b, `,"body":`...), r.Body), '}')
	}
	w.str("url", e.URL)
	w.str("method", e.Method)
	w.int("timeoutMs", e.TimeoutMs)
	if e.Email != nil {
		w.key("email")
		w.value(e.Email) // rare: encoding/json
	}
	if w.err != nil {
		return nil, w.err
	}
	return append(w.b, '}'), nil
}
