package native

import (
	"encoding/json"
	"fmt"
	"strings"

	"edgecrm/auth"
	"edgecrm/host"
	"edgecrm/host/dispatch"
	"edgecrm/sqldb/sqlitedb"
)

// Socket is a WebSocket the native host accepted for a workspace object,
// seen from the server side: what the core attached to it, the frames it
// sent, and whether it closed it. The host keeps no other socket state, so
// every call starts from the attachment as after a hibernation.
type Socket struct {
	ID          string
	Workspace   string
	Attachment  string
	Sent        []string // frames the server sent, in order
	Closed      bool
	CloseCode   int
	CloseReason string
	// Timers are the delays (ms) of the ws.timer effects not yet fired,
	// in order; FireTimer fires the first.
	Timers []int64
	gone   bool // vanished without a close event (object reset)
}

// Frames returns the sent frames decoded, from index from on.
func (s *Socket) Frames(from int) []map[string]any {
	var out []map[string]any
	for _, f := range s.Sent[from:] {
		var m map[string]any
		_ = json.Unmarshal([]byte(f), &m)
		out = append(out, m)
	}
	return out
}

// WSOpen accepts a socket for workspace ws offering protocol (the
// Sec-WebSocket-Protocol header), as the shell's upgrade branch does, for
// an upgrade the edge authenticated as the in-process admin (so
// connection_init needs no token; WSOpenAs chooses).
func (h *Host) WSOpen(ws, protocol string) (*Socket, *host.Response, error) {
	return h.WSOpenAs(ws, protocol, auth.Principal{Kind: auth.KindAdmin}.Header())
}

// WSOpenAs is WSOpen for an upgrade the edge authenticated: principal is
// its x-edgecrm-principal header (auth.Principal.Header()).
func (h *Host) WSOpenAs(ws, protocol, principal string) (*Socket, *host.Response, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextSocket++
	s := &Socket{ID: fmt.Sprintf("s%04d", h.nextSocket), Workspace: ws}
	h.sockets[s.ID] = s
	resp, err := h.wsCall(s, host.EntryWSOpen, &host.SocketInput{ID: s.ID, Protocol: protocol, Principal: principal})
	return s, resp, err
}

// WSSend delivers a client frame to the object (webSocketMessage).
func (h *Host) WSSend(s *Socket, frame string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.Closed || s.gone {
		return fmt.Errorf("socket %s is closed", s.ID)
	}
	if err := checkWSMessage(frame); err != nil {
		return err
	}
	_, err := h.wsCall(s, host.EntryWSMessage, &host.SocketInput{ID: s.ID, Attachment: s.Attachment, Frame: frame})
	return err
}

// WSClientClose closes s from the client side (webSocketClose).
func (h *Host) WSClientClose(s *Socket, code int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	s.Closed, s.CloseCode = true, code
	delete(h.sockets, s.ID)
	_, err := h.wsCall(s, host.EntryWSClose, &host.SocketInput{ID: s.ID, Attachment: s.Attachment, Code: code})
	return err
}

// WSVanish makes s disappear without a close event, as when an object is
// reset: later broadcasts find it gone.
func (h *Host) WSVanish(s *Socket) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s.gone = true
	delete(h.sockets, s.ID)
}

// WSInitTimeout fires the connection_init timer of s (whether or not one
// is pending).
func (h *Host) WSInitTimeout(s *Socket) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.wsCall(s, host.EntryWSTimeout, &host.SocketInput{ID: s.ID, Attachment: s.Attachment})
	return err
}

// Alarm returns the delay (ms) of workspace ws's pending alarm, if any.
func (h *Host) Alarm(ws string) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d, ok := h.alarms[ws]
	return d, ok
}

// FireAlarm runs workspace ws's pending alarm as the shell's alarm handler
// does (ws.alarm, then the outbox flush); false when none is pending.
func (h *Host) FireAlarm(ws string) (bool, error) {
	h.mu.Lock()
	if _, ok := h.alarms[ws]; !ok {
		h.mu.Unlock()
		return false, nil
	}
	delete(h.alarms, ws)
	db, err := h.Object(ws)
	if err == nil {
		_, err = h.run(h.call(db, host.EntryWSAlarm, dispatch.Input{Workspace: ws}), h.objectCx(ws, db, false))
	}
	h.mu.Unlock()
	if err != nil {
		return true, err
	}
	return true, h.Flush(ws)
}

// FireTimer fires the first pending ws.timer of s, as the shell does when
// its delay elapsed; it reports false when none is pending.
func (h *Host) FireTimer(s *Socket) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(s.Timers) == 0 {
		return false, nil
	}
	s.Timers = s.Timers[1:]
	if s.Closed || s.gone {
		return true, nil
	}
	_, err := h.wsCall(s, host.EntryWSTimeout, &host.SocketInput{ID: s.ID, Attachment: s.Attachment})
	return true, err
}

func (h *Host) wsCall(s *Socket, entry string, in *host.SocketInput) (*host.Response, error) {
	db, err := h.Object(s.Workspace)
	if err != nil {
		return nil, err
	}
	out := h.call(db, entry, dispatch.Input{Workspace: s.Workspace, Socket: in})
	if out.Response != nil && out.Response.Status >= 400 {
		return out.Response, fmt.Errorf("%s: %d %s", entry, out.Response.Status, out.Response.Body)
	}
	return h.run(out, h.objectCx(s.Workspace, db, false))
}

// wsEffect runs one ws.* (or alarm) effect like the shell does; its
// result goes to the effect's continuation.
func (h *Host) wsEffect(ws string, db *sqlitedb.DB, e host.Effect) (json.RawMessage, error) {
	switch e.Kind {
	case host.EffectWSTimer:
		if s := h.sockets[e.Socket]; s != nil {
			s.Timers = append(s.Timers, e.DelayMs)
		}
	case host.EffectAlarm:
		if d, ok := h.alarms[ws]; !ok || e.DelayMs < d {
			h.alarms[ws] = e.DelayMs
		}
	case host.EffectWSRead:
		var res host.SocketsResult
		for _, id := range e.Sockets {
			if s := h.sockets[id]; s != nil && !s.Closed {
				res.Sockets = append(res.Sockets, host.SocketInput{ID: id, Attachment: s.Attachment})
			}
		}
		return json.Marshal(res)
	case host.EffectWSAttach:
		if len(e.Attachment) > MaxAttachment {
			return nil, fmt.Errorf("serializeAttachment: %d bytes is over the 16 KiB limit", len(e.Attachment))
		}
		if s := h.sockets[e.Socket]; s != nil {
			s.Attachment = e.Attachment
		}
	case host.EffectWSSend:
		if s := h.sockets[e.Socket]; s != nil && !s.Closed {
			for _, f := range e.Frames {
				if err := checkWSMessage(f); err != nil {
					return nil, err
				}
			}
			s.Sent = append(s.Sent, e.Frames...)
		}
	case host.EffectWSClose:
		if s := h.sockets[e.Socket]; s != nil && !s.Closed {
			s.Closed, s.CloseCode, s.CloseReason = true, e.Code, e.Reason
			delete(h.sockets, s.ID)
			// workerd then delivers webSocketClose to the object.
			if _, err := h.wsCall(s, host.EntryWSClose, &host.SocketInput{ID: s.ID, Attachment: s.Attachment, Code: e.Code}); err != nil {
				return nil, err
			}
		}
	case host.EffectWSBroadcast:
		var gone []string
		seen := map[string]bool{}
		for _, g := range e.Groups {
			to := strings.Split(g.To, " ")
			for i := 0; i+1 < len(to); i += 2 {
				id := to[i]
				s := h.sockets[id]
				if s == nil || s.Closed {
					if !seen[id] {
						seen[id] = true
						gone = append(gone, id)
					}
					continue
				}
				frame := g.Head + to[i+1] + g.Tail
				if err := checkWSMessage(frame); err != nil {
					return nil, err
				}
				s.Sent = append(s.Sent, frame)
			}
		}
		return json.Marshal(host.BroadcastResult{Gone: gone})
	default:
		return nil, fmt.Errorf("unknown effect %q", e.Kind)
	}
	return nil, nil
}
