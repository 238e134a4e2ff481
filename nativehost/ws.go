package nativehost

import (
	"encoding/json"
	"fmt"

	"edgecrm/accounts"
	"edgecrm/core"
	"edgecrm/durable"
	"edgecrm/sqldb/sqlitedb"
	"edgecrm/subscriptions"
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
	gone        bool // vanished without a close event (object reset)
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
func (h *Host) WSOpen(ws, protocol string) (*Socket, *durable.Response, error) {
	return h.WSOpenAs(ws, protocol, accounts.Principal{Kind: accounts.KindAdmin}.Header())
}

// WSOpenAs is WSOpen for an upgrade the edge authenticated: principal is
// its x-edgecrm-principal header (accounts.Principal.Header()).
func (h *Host) WSOpenAs(ws, protocol, principal string) (*Socket, *durable.Response, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextSocket++
	s := &Socket{ID: fmt.Sprintf("s%04d", h.nextSocket), Workspace: ws}
	h.sockets[s.ID] = s
	resp, err := h.wsCall(s, durable.EntryWSOpen, &durable.SocketInput{ID: s.ID, Protocol: protocol, Principal: principal})
	return s, resp, err
}

// WSSend delivers a client frame to the object (webSocketMessage).
func (h *Host) WSSend(s *Socket, frame string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.Closed || s.gone {
		return fmt.Errorf("socket %s is closed", s.ID)
	}
	_, err := h.wsCall(s, durable.EntryWSMessage, &durable.SocketInput{ID: s.ID, Attachment: s.Attachment, Frame: frame})
	return err
}

// WSClientClose closes s from the client side (webSocketClose).
func (h *Host) WSClientClose(s *Socket, code int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	s.Closed, s.CloseCode = true, code
	delete(h.sockets, s.ID)
	_, err := h.wsCall(s, durable.EntryWSClose, &durable.SocketInput{ID: s.ID, Attachment: s.Attachment, Code: code})
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

// WSInitTimeout fires the connection_init timer of s.
func (h *Host) WSInitTimeout(s *Socket) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.wsCall(s, durable.EntryWSTimeout, &durable.SocketInput{ID: s.ID, Attachment: s.Attachment})
	return err
}

func (h *Host) wsCall(s *Socket, entry string, in *durable.SocketInput) (*durable.Response, error) {
	db, err := h.Object(s.Workspace)
	if err != nil {
		return nil, err
	}
	out := h.call(db, entry, core.Input{Workspace: s.Workspace, Socket: in})
	if out.Response != nil && out.Response.Status >= 400 {
		return out.Response, fmt.Errorf("%s: %d %s", entry, out.Response.Status, out.Response.Body)
	}
	resp, _, err := h.run(s.Workspace, db, out)
	return resp, err
}

// wsEffect runs one ws.* effect like the shell (sockets.mjs) does.
func (h *Host) wsEffect(ws string, db *sqlitedb.DB, e durable.Effect) error {
	switch e.Kind {
	case durable.EffectWSAttach:
		if len(e.Attachment) > subscriptions.MaxAttachmentBytes {
			return fmt.Errorf("serializeAttachment: %d bytes is over the 16 KiB limit", len(e.Attachment))
		}
		if s := h.sockets[e.Socket]; s != nil {
			s.Attachment = e.Attachment
		}
	case durable.EffectWSSend:
		if s := h.sockets[e.Socket]; s != nil && !s.Closed {
			s.Sent = append(s.Sent, e.Frames...)
		}
	case durable.EffectWSClose:
		if s := h.sockets[e.Socket]; s != nil && !s.Closed {
			s.Closed, s.CloseCode, s.CloseReason = true, e.Code, e.Reason
			delete(h.sockets, s.ID)
			// workerd then delivers webSocketClose to the object.
			if _, err := h.wsCall(s, durable.EntryWSClose, &durable.SocketInput{ID: s.ID, Attachment: s.Attachment, Code: e.Code}); err != nil {
				return err
			}
		}
	case durable.EffectWSBroadcast:
		var gone []string
		seen := map[string]bool{}
		for _, g := range e.Groups {
			for _, t := range g.To {
				s := h.sockets[t[0]]
				if s == nil || s.Closed {
					if !seen[t[0]] {
						seen[t[0]] = true
						gone = append(gone, t[0])
					}
					continue
				}
				s.Sent = append(s.Sent, string(subscriptions.NextFrameRaw(t[1], []byte(g.Payload))))
			}
		}
		if e.Resume != nil {
			result, _ := json.Marshal(durable.BroadcastResult{Gone: gone})
			next := h.call(db, e.Resume.Entry, core.Input{Workspace: ws, Resume: &durable.ResumeInput{Workspace: ws, Ctx: e.Resume.Ctx, Result: result}})
			if next.Response != nil && next.Response.Status >= 400 {
				return fmt.Errorf("%s: %s", e.Resume.Entry, next.Response.Body)
			}
			_, _, err := h.run(ws, db, next)
			return err
		}
		if len(gone) > 0 {
			out := h.call(db, durable.EntryWSGone, core.Input{Workspace: ws, Socket: &durable.SocketInput{Gone: gone}})
			if out.Response != nil && out.Response.Status >= 400 {
				return fmt.Errorf("ws.gone: %s", out.Response.Body)
			}
		}
	default:
		return fmt.Errorf("unknown effect %q", e.Kind)
	}
	return nil
}
