package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"edgecrm/tests/harness"
	"edgecrm/tests/wsload"
)

// floorWS measures the platform's floor for the real-time section: a bare
// JavaScript object (floorws/bare.mjs, no Go) holding the same sockets and
// sending one frame to each per POST, found with getWebSockets once
// (mode "all") or per socket id tag (mode "tag"). The real-time section
// runs mode "all" after edgecrm's; alone:
// `go run ./tests/bench -only=floor-all -sockets=10000 -fanouts=20`.
func floorWS(sockets, mutations int, mode string) (*wsload.Result, error) {
	dir, _ := os.MkdirTemp("", "edgecrm-floorws-")
	defer os.RemoveAll(dir)
	srv, err := harness.StartConfig(filepath.Join(harness.Root(), "tests", "bench", "floorws", "wrangler.toml"), filepath.Join(dir, "s"))
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	entry, _, err := runtimeEntry(srv)
	if err != nil {
		return nil, err
	}
	cfg := wsload.Config{URL: entry, Path: "/graphql", Sockets: sockets, Parallel: 32, Mutations: mutations, Budget: 10 * time.Minute,
		Header: func() http.Header { return http.Header{} }, Init: `{}`, Query: `x`,
		Mutate: func(i int) error {
			r, err := http.Post(entry+"/b?mode="+mode, "text/plain", nil)
			if err == nil {
				r.Body.Close()
			}
			return err
		},
		Progress: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }}
	return wsload.Run(cfg, nil)
}
