package dispatch

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"edgecrm/host"
)

// decodeInput decodes the shell's input. Every request, continuation and
// socket event (the hot path) is scanned without reflection; anything the
// scanner does not expect (queue messages, configure, a key spelt
// otherwise, bad syntax) goes through encoding/json, which also words the
// errors. encoding/json cost about a millisecond a request inside wasm.
func decodeInput(raw []byte, in *Input) error {
	s := inputScanner{b: raw}
	if s.input(in) {
		return nil
	}
	*in = Input{}
	return json.Unmarshal(raw, in)
}

// inputScanner reads the JSON.stringify output the shell sends; ok turns
// false at the first thing it does not handle.
type inputScanner struct {
	b  []byte
	i  int
	ok bool
}

func (s *inputScanner) input(in *Input) bool {
	s.ok = true
	s.object(func(k string) {
		switch k {
		case "workspace":
			in.Workspace = s.str()
		case "account":
			in.Account = s.str()
		case "token":
			in.Token = s.str()
		case "instance":
			in.Instance = s.str()
		case "env":
			s.object(func(k string) {
				if k == "testHooks" {
					in.Env.TestHooks = s.boolean()
				} else {
					s.ok = false
				}
			})
		case "request":
			if s.null() {
				return
			}
			r := &host.Request{}
			in.Request = r
			s.object(func(k string) {
				switch k {
				case "method":
					r.Method = s.str()
				case "path":
					r.Path = s.str()
				case "query":
					r.Query = s.str()
				case "body":
					r.Body = s.str()
				case "workspace":
					r.Workspace = s.str()
				case "headers":
					if s.null() {
						return
					}
					r.Headers = make(map[string]string, 16)
					s.object(func(k string) { r.Headers[k] = s.str() })
				default:
					s.ok = false
				}
			})
		case "resume":
			if s.null() {
				return
			}
			r := &host.ResumeInput{}
			in.Resume = r
			s.object(func(k string) {
				switch k {
				case "workspace":
					r.Workspace = s.str()
				case "error":
					r.Error = s.str()
				case "ctx":
					r.Ctx = s.raw()
				case "result":
					r.Result = s.raw()
				default:
					s.ok = false
				}
			})
		case "socket":
			if s.null() {
				return
			}
			so := &host.SocketInput{}
			in.Socket = so
			s.object(func(k string) {
				switch k {
				case "id":
					so.ID = s.str()
				case "attachment":
					so.Attachment = s.str()
				case "frame":
					so.Frame = s.str()
				case "protocol":
					so.Protocol = s.str()
				case "principal":
					so.Principal = s.str()
				case "code":
					so.Code = s.integer()
				default:
					s.ok = false
				}
			})
		default:
			s.ok = false
		}
	})
	s.space()
	return s.ok && s.i == len(s.b)
}

func (s *inputScanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\n' || s.b[s.i] == '\t' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *inputScanner) peek() byte {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *inputScanner) lit(word string) bool {
	if s.peek() == word[0] && len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// null consumes a null (as encoding/json, it leaves the field as it was).
func (s *inputScanner) null() bool { return s.ok && s.lit("null") }

// object calls member for each key, with the scanner at its value.
func (s *inputScanner) object(member func(k string)) {
	if !s.ok || s.peek() != '{' {
		s.ok = false
		return
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return
	}
	for s.ok {
		if s.peek() != '"' {
			s.ok = false
			return
		}
		k := s.str()
		if !s.ok || s.peek() != ':' {
			s.ok = false
			return
		}
		s.i++
		member(k)
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return
		default:
			s.ok = false
		}
	}
}

func (s *inputScanner) str() string {
	if !s.ok {
		return ""
	}
	if s.null() {
		return ""
	}
	if s.peek() != '"' {
		s.ok = false
		return ""
	}
	s.i++
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			v := string(s.b[start:s.i])
			s.i++
			return v
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			s.ok = false
			return ""
		case c >= utf8.RuneSelf: // JSON.stringify leaves non-ASCII as UTF-8
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				s.ok = false // encoding/json would replace it: let it
				return ""
			}
			s.i += n
		default:
			s.i++
		}
	}
	s.ok = false
	return ""
}

// escaped finishes a string that has an escape, from its start.
func (s *inputScanner) escaped(start int) string {
	out := append(make([]byte, 0, s.i-start+16), s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(out)
		case c < 0x20 || c >= utf8.RuneSelf && !utf8.FullRune(s.b[s.i:]):
			s.ok = false
			return ""
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			s.ok = false
			return ""
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := s.hex4()
			if utf16.IsSurrogate(r) {
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					s.i += 2
					r = utf16.DecodeRune(r, s.hex4())
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			s.ok = false
		}
		if !s.ok {
			return ""
		}
	}
	s.ok = false
	return ""
}

func (s *inputScanner) hex4() rune {
	if s.i+4 > len(s.b) {
		s.ok = false
		return 0
	}
	v, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
	if err != nil {
		s.ok = false
		return 0
	}
	s.i += 4
	return rune(v)
}

func (s *inputScanner) boolean() bool {
	switch {
	case s.lit("true"):
		return true
	case s.lit("false"), s.lit("null"):
		return false
	}
	s.ok = false
	return false
}

func (s *inputScanner) integer() int {
	if s.null() {
		return 0
	}
	s.space()
	start := s.i
	for s.i < len(s.b) && (s.b[s.i] == '-' || s.b[s.i] >= '0' && s.b[s.i] <= '9') {
		s.i++
	}
	n, err := strconv.Atoi(string(s.b[start:s.i]))
	if err != nil {
		s.ok = false
	}
	return n
}

// raw returns one value's bytes as they are (a json.RawMessage).
func (s *inputScanner) raw() json.RawMessage {
	if !s.ok {
		return nil
	}
	s.space()
	start := s.i
	s.skip(0)
	if !s.ok {
		return nil
	}
	return append(json.RawMessage(nil), s.b[start:s.i]...)
}

func (s *inputScanner) skip(depth int) {
	if depth > 200 {
		s.ok = false
		return
	}
	switch c := s.peek(); {
	case c == '"':
		s.str()
	case c == '{':
		s.object(func(string) { s.skip(depth + 1) })
	case c == '[':
		s.i++
		if s.peek() == ']' {
			s.i++
			return
		}
		for s.ok {
			s.skip(depth + 1)
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return
			default:
				s.ok = false
			}
		}
	case c == 't' || c == 'f' || c == 'n':
		if !s.lit("true") && !s.lit("false") && !s.lit("null") {
			s.ok = false
		}
	case c == '-' || c >= '0' && c <= '9':
		start := s.i
		for s.i < len(s.b) && (s.b[s.i] == '-' || s.b[s.i] == '+' || s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E' || s.b[s.i] >= '0' && s.b[s.i] <= '9') {
			s.i++
		}
		if !json.Valid(s.b[start:s.i]) {
			s.ok = false
		}
	default:
		s.ok = false
	}
}
