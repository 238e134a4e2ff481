// Package subscriptions implements the server side of the
// graphql-transport-ws protocol (the protocol of the graphql-ws npm library,
// https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md) as a pure
// state machine for a Durable Object using the WebSocket hibernation API.
//
// The package does no I/O and keeps no timers: the caller feeds it frames,
// sends the frames it returns, closes the socket when told to, and stores
// [Conn.Marshal] with serializeAttachment after every change
// ([Output.Changed]).
package gqlws

import (
	"errors"

	"edgecrm/api/apierr"
)

const (
	// Subprotocol is the Sec-WebSocket-Protocol value of this protocol.
	Subprotocol = "graphql-transport-ws"
	// MaxAttachmentBytes is the serializeAttachment size limit.
	MaxAttachmentBytes = 16 * 1024
	// MaxSubscriptions is the number of active subscriptions one socket may hold.
	MaxSubscriptions = 100
	// attachmentHeadroom is kept free when accepting a subscription, for the
	// structured-clone envelope around the marshalled bytes.
	attachmentHeadroom = 256
	// MaxPreInitFrames is how many frames (pings, pongs) a socket may send
	// before connection_init; one more closes it with 4429. (Bare pings
	// the runtime answers itself never reach the object.)
	MaxPreInitFrames = 8
	// maxReasonBytes is the WebSocket limit on a close reason (RFC 6455 5.5).
	maxReasonBytes = 123
)

// Close codes used by the protocol: the status table's (apierr.CloseCode).
var (
	CodeBadRequest             = apierr.CloseCode(400)
	CodeUnauthorized           = apierr.CloseCode(401)
	CodeForbidden              = apierr.CloseCode(403)
	CodeSubprotocolNotAccepted = apierr.CloseCode(406)
	CodeInitTimeout            = apierr.CloseCode(408)
	CodeSubscriberExists       = apierr.CloseCode(409)
	CodeTooManyInitRequests    = apierr.CloseCode(429)
)

var (
	// ErrAttachmentTooLarge is returned by [Conn.Marshal] when the state
	// exceeds [MaxAttachmentBytes].
	ErrAttachmentTooLarge = errors.New("subscriptions: attachment larger than 16 KiB")
	// ErrForbidden, returned (possibly wrapped) by an [Authenticator], closes
	// the socket with 4403; any other error closes it with 4401.
	ErrForbidden = errors.New("subscriptions: forbidden")
)

// Principal is the authenticated identity of a socket. It is opaque here.
type Principal struct {
	WorkspaceID string `json:"w,omitempty"`
	UserID      string `json:"u,omitempty"`
	MemberID    string `json:"m,omitempty"`
	// Access is what the caller re-checks the principal's rights with
	// (the workspace's access principal, as JSON).
	Access string `json:"x,omitempty"`
	// Exp is when the token that proved the principal expires, in Unix
	// milliseconds (0: unknown or never).
	Exp int64 `json:"e,omitempty"`
}

// Authenticator checks the connection_init payload (nil when absent).
type Authenticator interface {
	Authenticate(payload map[string]any) (Principal, error)
}

// AuthenticatorFunc adapts a function to [Authenticator].
type AuthenticatorFunc func(payload map[string]any) (Principal, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(payload map[string]any) (Principal, error) {
	return f(payload)
}

// Subscription is one active operation of a socket.
type Subscription struct {
	ID            string         `json:"-"` // key in Conn.Subs
	Query         string         `json:"q"`
	Variables     map[string]any `json:"v,omitempty"`
	OperationName string         `json:"n,omitempty"`
	// LastSeq is the sequence number of the last event the client already
	// has; it is meaningful only when Resume is true.
	LastSeq int64 `json:"l,omitempty"`
	// Resume is true when the client sent extensions.lastSeq (or the
	// variable lastSeq): replay events with seq > LastSeq, then go live.
	Resume bool `json:"r,omitempty"`
}

// Conn is the protocol state of one socket. The zero value is a freshly
// opened socket. Fields are exported for reading; change them only through
// the methods, except OpenedAt.
type Conn struct {
	// OpenedAt is the time the socket was accepted, in Unix milliseconds.
	// It is set and read by the caller (see InitTimedOut); HandleFrame
	// ignores it.
	OpenedAt     int64 `json:"t,omitempty"`
	InitReceived bool  `json:"i,omitempty"`
	Acked        bool  `json:"a,omitempty"`
	// AckedAt is the time of connection_ack, in Unix milliseconds.
	AckedAt int64 `json:"at,omitempty"`
	// PreInit counts the frames received before connection_init.
	PreInit   int       `json:"pi,omitempty"`
	Principal Principal `json:"p,omitzero"`
	// Preauth is the principal the upgrade request already proved (a
	// verified Authorization header), set by the caller when it accepts
	// the socket; an Authenticator may accept a connection_init without
	// a token on its strength.
	Preauth *Principal              `json:"pa,omitempty"`
	Subs    map[string]Subscription `json:"s,omitempty"`
}

// Close tells the caller to close the socket with Code and Reason.
type Close struct {
	Code   int
	Reason string
}

// Output is what the caller must do after [Conn.HandleFrame]: send Frames in
// order, then close the socket if Close is set.
type Output struct {
	Frames [][]byte
	Close  *Close
	// Subscribed is a subscription just added to the Conn: the caller
	// validates and starts it (replaying from LastSeq when Resume). To
	// refuse it, send ErrorFrame and call Conn.Remove.
	Subscribed *Subscription
	// Completed lists ids of active subscriptions the client completed; they
	// are already removed from the Conn and the caller must stop them.
	Completed []string
	// Changed reports that the Conn changed and must be re-serialized.
	Changed bool
}

// GraphQLError is a GraphQL error as sent in an error frame or a result.
type GraphQLError struct {
	Message    string         `json:"message"`
	Locations  []Location     `json:"locations,omitempty"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// Location is a position in a GraphQL document.
type Location struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}
