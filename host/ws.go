package host

// WebSocket effects (DO only). Sockets are named by the id the shell gave
// them at accept time; the shell tags each socket "c:<id>" and finds it by
// id in a map it builds from the tags once per object instance.
const (
	EffectWSSend   = "ws.send"   // Socket, Frames: send the text frames in order
	EffectWSClose  = "ws.close"  // Socket, Code, Reason: close the socket
	EffectWSAttach = "ws.attach" // Socket, Attachment: serializeAttachment (as UTF-8 bytes)
	// EffectWSBroadcast sends each group's frame to each of its targets,
	// groups in order, on a per-object chain
	// that keeps commit order across calls. Resume, when set, computes the
	// next chunk and receives BroadcastResult; without it, sockets found
	// gone are reported to EntryWSGone.
	EffectWSBroadcast = "ws.broadcast"
	// EffectWSTimer: after DelayMs, call EntryWSTimeout for Socket (with its
	// attachment) if it is still open. Go decides every delay.
	EffectWSTimer = "ws.timer"
	// EffectAlarm: have the object's alarm (EntryWSAlarm, then the outbox
	// flush) run within DelayMs; an earlier alarm already set is kept.
	// Unlike a timer it lets the object hibernate.
	EffectAlarm = "alarm"
	// EffectWSRead: the attachments of Sockets (those still open) →
	// SocketsResult for Resume.
	EffectWSRead = "ws.read"
)

// WebSocket entry points.
const (
	EntryWSOpen    = "ws.open"    // a socket was accepted (Socket.Protocol offered)
	EntryWSMessage = "ws.message" // a client frame (Socket.Frame, Socket.Attachment)
	EntryWSClose   = "ws.close"   // the client closed or the socket errored
	EntryWSTimeout = "ws.timeout" // the connection_init wait elapsed
	EntryWSGone    = "ws.gone"    // Socket.Gone: sockets a broadcast could not reach
	EntryWSFanout  = "ws.fanout"  // continuation of a ws.broadcast
	EntryWSRecheck = "ws.recheck" // continuation of a ws.read: re-authorize the sockets
	EntryWSAlarm   = "ws.alarm"   // the object's alarm fired: re-check the sockets (token expiry)
)

// SocketsResult is what a ws.read continuation receives.
type SocketsResult struct {
	Sockets []SocketInput `json:"sockets"`
}

// BroadcastGroup is one frame body for many subscriptions: To is pairs of
// words separated by spaces, a socket id then that subscription's
// operation id as it stands in the frame (gqlws.IDInFrame: escaped, no
// spaces), and the shell sends Head + id + Tail to each socket. Sockets
// whose operation ids differ share one group, nothing is encoded per
// socket, and one string is cheap to pass to the shell.
type BroadcastGroup struct {
	Head string `json:"head"`
	Tail string `json:"tail"`
	To   string `json:"to"`
}

// BroadcastResult is what a ws.broadcast continuation receives: the sockets
// the shell could not find or send to.
type BroadcastResult struct {
	Gone []string `json:"gone"`
}

// SocketInput is what the shell passes to the ws.* entries.
type SocketInput struct {
	ID         string   `json:"id"`
	Attachment string   `json:"attachment,omitempty"` // the socket's attachment bytes as text ("" when none)
	Frame      string   `json:"frame,omitempty"`      // ws.message: the client's text frame
	Protocol   string   `json:"protocol,omitempty"`   // ws.open: the Sec-WebSocket-Protocol header offered
	Principal  string   `json:"principal,omitempty"`  // ws.open: the upgrade's x-edgecrm-principal (set by the edge only)
	Code       int      `json:"code,omitempty"`       // ws.close
	Gone       []string `json:"gone,omitempty"`       // ws.gone
}
