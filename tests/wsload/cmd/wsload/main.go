// Command wsload runs the real-time load driver against an edgecrm that is
// already running on loopback (make dev, or any wrangler dev):
//
//	go run ./tests/wsload/cmd/wsload -url http://127.0.0.1:8787 -sockets 10000
//
// Each socket subscribes to the workspace's company events; -fanouts
// company creations are then timed to every socket. Bounded by -sockets
// (≤ 20,000) and -budget. make bench runs the same driver on a fresh
// wrangler dev (-sockets N).
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"edgecrm/tests/wsload"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8787", "edgecrm base URL (loopback only)")
	token := flag.String("token", "", "access token (required): sent as Authorization on the upgrade (the edge verifies it) and on the mutations")
	sockets := flag.Int("sockets", 1000, "sockets to try to hold (≤ 20000)")
	parallel := flag.Int("parallel", 32, "handshakes in flight")
	fanouts := flag.Int("fanouts", 20, "mutations whose fan-out is timed")
	budget := flag.Duration("budget", 10*time.Minute, "bound on the whole run")
	hold := flag.Duration("hold", 0, "keep the sockets open this long after the warm-up (≤ 5m), e.g. to let the object hibernate")
	flag.Parse()
	header := func() http.Header {
		return http.Header{"Authorization": {"Bearer " + *token}}
	}
	init := `{}` // the upgrade is authenticated
	if *token == "" {
		fmt.Fprintln(os.Stderr, "wsload: -token is required (sign up with crmctl or the API)")
		os.Exit(2)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	mutate := func(i int) error {
		req, _ := http.NewRequest("POST", *base+"/rest/companies", strings.NewReader(fmt.Sprintf(`{"name":"wsload %d"}`, i)))
		req.Header = header()
		req.Header.Set("content-type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 201 {
			return fmt.Errorf("create: %d %s", resp.StatusCode, body)
		}
		return nil
	}
	res, err := wsload.Run(wsload.Config{
		URL: *base, Path: "/graphql", Sockets: *sockets, Parallel: *parallel, Mutations: *fanouts, Budget: *budget,
		Header: header, Init: init, Mutate: mutate,
		Query:    `subscription { onDbEvent(input: { objectNameSingular: "company" }) { seq eventDate } }`,
		Progress: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) },
	}, func(held int) {
		if *hold > 0 {
			fmt.Fprintf(os.Stderr, "holding %d sockets for %s\n", held, min(*hold, 5*time.Minute))
			time.Sleep(min(*hold, 5*time.Minute))
		}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsload:", err)
		if res == nil {
			os.Exit(1)
		}
	}
	fmt.Printf("held %d of %d sockets (open %s, errors %v)\n", res.Held, res.Attempted, res.OpenTime.Round(time.Millisecond), res.OpenErrors)
	fmt.Printf("fan-outs %d (incomplete %d, lost %d): commit→last p50 %s p99 %s; sent→last p50 %s p99 %s; per delivery p50 %s p99 %s; still open %d\n",
		res.Events, res.Incomplete, res.Lost, res.CommitToAll.Pct(0.5), res.CommitToAll.Pct(0.99), res.SendToAll.Pct(0.5), res.SendToAll.Pct(0.99),
		res.Delivery.Pct(0.5), res.Delivery.Pct(0.99), res.StillOpen)
}
