package host

import (
	"strconv"
)

// AppendJSON appends o as json.Marshal encodes it, without reflection for
// the response, the effects (effectenc.go) and the log line; withBody false leaves the response's
// body out (the shell takes it beside the JSON, unescaped: a batch's
// answer is tens of kilobytes that would be escaped and parsed again).
func (o *Output) AppendJSON(b []byte, withBody bool) ([]byte, error) {
	b = append(b, '{')
	comma := false
	sep := func() {
		if comma {
			b = append(b, ',')
		}
		comma = true
	}
	var err error
	if r := o.Response; r != nil {
		sep()
		b = strconv.AppendInt(append(b, `"response":{"status":`...), int64(r.Status), 10)
		if len(r.Headers) > 0 {
			b = append(b, `,"headers":`...)
			b, _ = appendMap(b, r.Headers, appendString) // a string always encodes
		}
		if withBody {
			b = AppendString(append(b, `,"body":`...), r.Body)
		}
		b = append(b, '}')
	}
	if len(o.Effects) > 0 {
		sep()
		if b, err = appendEffects(append(b, `"effects":`...), o.Effects); err != nil {
			return nil, err
		}
	}
	if o.Rollback {
		sep()
		b = append(b, `"rollback":true`...)
	}
	if len(o.Log) > 0 {
		sep()
		if b, err = AppendJSON(append(b, `"log":`...), o.Log); err != nil {
			return nil, err
		}
	}
	if r := o.Reuse; r != nil {
		sep()
		b = strconv.AppendInt(append(b, `"reuse":{"ms":`...), r.Ms, 10)
		b = strconv.AppendInt(append(b, `,"epoch":`...), r.Epoch, 10)
		if len(r.UnlessBody) > 0 {
			b = append(b, `,"unlessBody":[`...)
			for i, n := range r.UnlessBody {
				if i > 0 {
					b = append(b, ',')
				}
				b = AppendString(b, n)
			}
			b = append(b, ']')
		}
		if r.Prefix != "" {
			b = AppendString(append(b, `,"prefix":`...), r.Prefix)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}
