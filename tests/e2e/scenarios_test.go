package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"edgecrm/tests/harness"
	"edgecrm/tests/scenarios"
	"edgecrm/tests/wsload"
)

type socket struct{ c *wsload.Conn }

func (s socket) Send(frame string) error { return s.c.WriteText(frame) }

func (s socket) Read() (string, error) {
	f, err := s.c.ReadText(time.Now().Add(10 * time.Second))
	if err != nil && s.c.CloseCode != 0 {
		return fmt.Sprintf("close %d", s.c.CloseCode), nil
	}
	return f, err
}

// The scenario table on workerd (the native host runs it in
// tests/scenarios): both hosts must give the same answers.
func TestScenariosOnWorkerd(t *testing.T) {
	scenarios.Run(t, scenarios.Target{
		Base: srv.URL, HTTP: http.DefaultClient, AdminToken: harness.AdminToken,
		Settle: func(check func() error) error { return harness.Eventually(20*time.Second, check) },
		Socket: func(ws string) (scenarios.Socket, error) {
			url := strings.Replace(srv.URL, "http", "ws", 1) + "/graphql?workspaceId=" + ws
			c, err := wsload.Dial(url, "graphql-transport-ws", nil, 10*time.Second)
			return socket{c}, err
		},
	}, "workerd")
}
