package scenarios_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"edgecrm/host/native"
	"edgecrm/tests/scenarios"
)

// socket is a native socket read frame by frame (the native host runs
// every call to completion, so a frame is there or never comes).
type socket struct {
	h    *native.Host
	s    *native.Socket
	read int
}

func (s *socket) Send(frame string) error { return s.h.WSSend(s.s, frame) }

func (s *socket) Read() (string, error) {
	if s.read < len(s.s.Sent) {
		s.read++
		return s.s.Sent[s.read-1], nil
	}
	if s.s.Closed {
		return fmt.Sprintf("close %d", s.s.CloseCode), nil
	}
	return "", errors.New("no frame")
}

// The scenario table on the native host (tests/e2e runs it on workerd).
func TestScenariosNative(t *testing.T) {
	h := native.MustNew(t)
	if err := h.ConfigureAuth(nil); err != nil {
		t.Fatal(err)
	}
	scenarios.Run(t, scenarios.Target{
		Base: "http://native", HTTP: &http.Client{Transport: h.RoundTripper()}, AdminToken: native.AdminToken,
		Settle: func(check func() error) error { return check() }, // the native host flushes synchronously
		Socket: func(ws string) (scenarios.Socket, error) {
			s, _, err := h.WSOpenAs(ws, "graphql-transport-ws", "")
			return &socket{h: h, s: s}, err
		},
	}, "native")
}
