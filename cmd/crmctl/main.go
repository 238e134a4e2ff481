// Command crmctl is the operator's CLI: it drives a deployment's admin
// endpoints (replay, verify, state).
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

const usage = `usage: crmctl <command> -url URL -workspace WS [-token TOKEN]

commands:
  replay   rebuild the workspace's projections (inline and D1) from its log
  verify   compare the D1 projection with the inline one
  state    show the log head and the outbox checkpoints
  seed     wait for the server, then create demo records in an empty workspace
           (development mode: the workspace is picked by X-Workspace-Id)

The admin token comes from -token or $EDGECRM_ADMIN_TOKEN.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd := os.Args[1]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	url := fs.String("url", "http://127.0.0.1:8787", "base URL of the deployment")
	ws := fs.String("workspace", "", "workspace id")
	token := fs.String("token", os.Getenv("EDGECRM_ADMIN_TOKEN"), "admin token")
	fs.Parse(os.Args[2:])
	if *ws == "" {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if cmd == "seed" {
		if err := seed(strings.TrimRight(*url, "/"), *ws); err != nil {
			fail(err)
		}
		return
	}
	routes := map[string][2]string{"replay": {"POST", "/replay"}, "verify": {"GET", "/verify"}, "state": {"GET", "/state"}}
	r, ok := routes[cmd]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	req, err := http.NewRequest(r[0], strings.TrimRight(*url, "/")+"/admin/workspaces/"+*ws+r[1], nil)
	if err != nil {
		fail(err)
	}
	req.Header.Set("authorization", "Bearer "+*token)
	client := &http.Client{Timeout: 5 * time.Minute}
	resp, err := client.Do(req)
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	if resp.StatusCode >= 300 {
		fail(fmt.Errorf("%s answered %s", cmd, resp.Status))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "crmctl:", err)
	os.Exit(1)
}
