// Command crmctl is the operator's CLI: it drives a deployment's admin
// endpoints (replay, verify, state), signs in (login, seed), and makes
// development keys (devkey).
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

const usage = `usage: crmctl <command> [flags]

commands:
  replay   -workspace WS   rebuild the workspace's projections (inline and D1) from its log
  verify   -workspace WS   compare the D1 projection with the inline one
  state    -workspace WS   show the log head and the outbox checkpoints
  dead-letters -workspace WS   list the workspace's dead-lettered events (attempts, error)
  redrive  -workspace WS [-id MESSAGE]   send its dead letters (or one) to the EVENTS queue again
  seed                     wait for the server, sign up (or log in) the demo user, fill its
                           workspace with a few records if it is empty, and print how to log in
  login                    log in with -email/-password and print an access token
  devkey                   print a fresh RSA key as a JWT_PRIVATE_KEY="..." line (for .dev.vars)

flags: -url URL (default http://127.0.0.1:8787), -token TOKEN (admin token, or
$EDGECRM_ADMIN_TOKEN), -email, -password (seed, login).
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd := os.Args[1]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	baseURL := fs.String("url", "http://127.0.0.1:8787", "base URL of the deployment")
	ws := fs.String("workspace", "", "workspace id")
	token := fs.String("token", os.Getenv("EDGECRM_ADMIN_TOKEN"), "admin token")
	email := fs.String("email", demoEmail, "user email (seed, login)")
	password := fs.String("password", demoPassword, "user password (seed, login)")
	id := fs.String("id", "", "dead letter message id (redrive)")
	fs.Parse(os.Args[2:])
	base := strings.TrimRight(*baseURL, "/")
	switch cmd {
	case "devkey":
		if err := devkey(os.Stdout); err != nil {
			fail(err)
		}
		return
	case "seed":
		if err := seed(base, *email, *password); err != nil {
			fail(err)
		}
		return
	case "login":
		if err := login(base, *email, *password); err != nil {
			fail(err)
		}
		return
	}
	if *ws == "" {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	method, path, ok := adminRoute(cmd, *ws, *id)
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err := adminCall(&http.Client{Timeout: 5 * time.Minute}, base, *token, method, path, os.Stdout); err != nil {
		fail(fmt.Errorf("%s: %w", cmd, err))
	}
}

// adminRoute is the admin endpoint of a workspace command.
func adminRoute(cmd, ws, id string) (method, path string, ok bool) {
	routes := map[string][2]string{"replay": {"POST", "/replay"}, "verify": {"GET", "/verify"}, "state": {"GET", "/state"},
		"dead-letters": {"GET", "/dead-letters"}, "redrive": {"POST", "/dead-letters/redrive"}}
	r, ok := routes[cmd]
	path = "/admin/workspaces/" + ws + r[1]
	if cmd == "redrive" && id != "" {
		path += "?id=" + url.QueryEscape(id)
	}
	return r[0], path, ok
}

// adminCall sends one admin request and prints the answer; a status of
// 300 or more is an error.
func adminCall(c *http.Client, base, token, method, path string, out io.Writer) error {
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Fprintln(out, string(body))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "crmctl:", err)
	os.Exit(1)
}
