package dispatch

import (
	"encoding/json"

	"edgecrm/edge/consumer"
	"edgecrm/host"
)

// decodeInput decodes the shell's input. Every request, continuation,
// socket event and queue batch (the hot path) is scanned without
// reflection; anything the scanner does not expect (configure, a key spelt
// otherwise, bad syntax) goes through encoding/json, which also words the
// errors. encoding/json cost about a millisecond a request inside wasm,
// and most of a queue batch's time in Go.
func decodeInput(raw []byte, in *Input) error {
	if scanInput(host.NewScanner(raw), in) {
		return nil
	}
	*in = Input{}
	return json.Unmarshal(raw, in)
}

// scanInput reads the JSON.stringify output the shell sends; false when it
// met something it does not handle.
func scanInput(s *host.Scanner, in *Input) bool {
	s.Object(func(k string) {
		switch k {
		case "workspace":
			in.Workspace = s.Str()
		case "account":
			in.Account = s.Str()
		case "token":
			in.Token = s.Str()
		case "instance":
			in.Instance = s.Str()
		case "env":
			s.Object(func(k string) {
				if k == "testHooks" {
					in.Env.TestHooks = s.Bool()
				} else {
					s.Fail()
				}
			})
		case "request":
			if s.Null() {
				return
			}
			r := &host.Request{}
			in.Request = r
			s.Object(func(k string) {
				switch k {
				case "method":
					r.Method = s.Str()
				case "path":
					r.Path = s.Str()
				case "query":
					r.Query = s.Str()
				case "body":
					r.Body = s.Str()
				case "workspace":
					r.Workspace = s.Str()
				case "headers":
					if s.Null() {
						return
					}
					r.Headers = make(map[string]string, 16)
					s.Object(func(k string) { r.Headers[k] = s.Str() })
				default:
					s.Fail()
				}
			})
		case "resume":
			if s.Null() {
				return
			}
			r := &host.ResumeInput{}
			in.Resume = r
			s.Object(func(k string) {
				switch k {
				case "workspace":
					r.Workspace = s.Str()
				case "error":
					r.Error = s.Str()
				case "ctx":
					r.Ctx = s.Raw()
				case "result":
					r.Result = s.Raw()
				default:
					s.Fail()
				}
			})
		case "socket":
			if s.Null() {
				return
			}
			so := &host.SocketInput{}
			in.Socket = so
			s.Object(func(k string) {
				switch k {
				case "id":
					so.ID = s.Str()
				case "attachment":
					so.Attachment = s.Str()
				case "frame":
					so.Frame = s.Str()
				case "protocol":
					so.Protocol = s.Str()
				case "principal":
					so.Principal = s.Str()
				case "code":
					so.Code = int(s.Int())
				default:
					s.Fail()
				}
			})
		case "messages": // a queue batch: each body as it is (the consumer reads what it needs)
			if s.Null() {
				return
			}
			in.Messages = []consumer.Message{}
			s.Array(func() {
				var m consumer.Message
				s.Object(func(k string) {
					switch k {
					case "id":
						m.ID = s.Str()
					case "attempts":
						m.Attempts = int(s.Int())
					case "body":
						m.Body = s.Raw()
					default:
						s.Fail()
					}
				})
				in.Messages = append(in.Messages, m)
			})
		default:
			s.Fail()
		}
	})
	return s.End()
}
