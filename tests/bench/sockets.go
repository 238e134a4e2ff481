package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	crm "edgecrm/api/client"
	"edgecrm/tests/harness"
	"edgecrm/tests/wsload"
)

// benchSockets is the real-time section (make bench with -sockets N): one
// fresh `wrangler dev`, N graphql-transport-ws sockets on one workspace,
// each subscribed to company events, then mutations over HTTP whose
// fan-out to every socket is timed. It appends its section to outPath.
func benchSockets(outPath string, sockets, mutations int, budget time.Duration) (err error) {
	dir, err := os.MkdirTemp("", "edgecrm-bench-ws-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	persist := filepath.Join(dir, "state")
	if err := harness.MigrateD1(persist); err != nil {
		return err
	}
	srv, err := harness.Start(persist)
	if err != nil {
		return err
	}
	defer srv.Stop()
	defer func() {
		if err != nil { // what the runtime said last, to see why
			logs := srv.Logs()
			err = fmt.Errorf("%w\nwrangler's last output:\n%s", err, logs[max(0, len(logs)-4000):])
		}
	}()
	entry, runtimePID, err := runtimeEntry(srv)
	if err != nil {
		return err
	}
	// One user and workspace; every socket and mutation uses its token (the
	// edge verifies it once per isolate, then from its cache).
	api := crm.New(entry)
	sess, err := api.SignUp("realtime-bench@example.com", "bench-Password-1", "")
	if err != nil {
		return fmt.Errorf("sign up: %w", err)
	}
	auth := http.Header{"Authorization": {"Bearer " + sess.AccessToken}}
	create := func(name string) error {
		status, body, err := api.Do("POST", "/rest/companies", sess.AccessToken, fmt.Sprintf(`{"name":%q}`, name))
		if err != nil || status != 201 {
			return fmt.Errorf("create: %d %s %v", status, body, err)
		}
		return nil
	}
	if err := create("first"); err != nil {
		return err
	}
	idle := processMemory(runtimePID)
	progress := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "sockets: "+format+"\n", args...) }
	var heldMem memory
	cfg := wsload.Config{
		URL: entry, Path: "/graphql", Sockets: sockets, Parallel: 32, Mutations: mutations, Budget: budget,
		Header:   func() http.Header { return auth.Clone() }, // the edge authenticates the upgrade
		Init:     `{}`,
		Query:    `subscription { onDbEvent(input: { objectNameSingular: "company" }) { seq eventDate } }`,
		Mutate:   func(i int) error { return create(fmt.Sprintf("fan-out %d", i)) },
		Progress: progress,
	}
	res, err := wsload.Run(cfg, func(held int) {
		heldMem = processMemory(runtimePID)
		progress("holding %d sockets: runtime workerd %.0f MB, proxy workerd %.0f MB, wrangler (node) %.0f MB", held, heldMem.runtime, heldMem.proxy, heldMem.node)
	})
	if err != nil {
		return err
	}
	// The platform's floor on the same machine: a bare JS object holding as
	// many sockets, one frame each per POST (edgecrm's sockets closed and its
	// runtime stopped first: both would not fit the descriptor limit).
	srv.Stop()
	floor, err := floorWS(sockets, mutations, "all")
	if err != nil {
		return fmt.Errorf("the bare JS object's fan-out: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Real-time subscriptions (`make bench BENCH_FLAGS=-sockets=%d`)\n\n", sockets)
	fmt.Fprintf(&b, "One `wrangler dev`, one workspace object, graphql-transport-ws sockets opened %d at a time over loopback by `tests/wsload` (each: upgrade, `connection_init`, one `onDbEvent` subscription on company), then %d company creations over HTTP, one at a time, each delivered to every socket. Latency is measured from the event's commit time (`eventDate`) to the socket's receipt, on the same clock. ", cfg.Parallel, mutations)
	fmt.Fprintf(&b, "Sockets and mutations go to the runtime workerd's own entry socket, not through wrangler's dev proxy (its `Ready on` URL): the proxy holds about six file descriptors per WebSocket and workerd aborts (`accept: Too many open files`) near 3,000 sockets under this machine's 20,000-descriptor limit, which cannot be raised here; the runtime holds about one per socket.\n\n")
	fmt.Fprintf(&b, "| what | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| sockets attempted | %d |\n| sockets held (acknowledged, subscribed, live) | **%d** |\n| time to open and subscribe them | %s (%.0f/s) |\n",
		res.Attempted, res.Held, res.OpenTime.Round(time.Second), float64(res.Held)/res.OpenTime.Seconds())
	if len(res.OpenErrors) > 0 {
		var es []string
		for k, v := range res.OpenErrors {
			es = append(es, fmt.Sprintf("%d× %s", v, strings.ReplaceAll(k, "|", "/")))
		}
		fmt.Fprintf(&b, "| open failures | %s |\n", strings.Join(es, "; "))
	}
	fmt.Fprintf(&b, "| resident memory idle: runtime workerd / proxy workerd / wrangler (node) | %.0f MB / %.0f MB / %.0f MB |\n", idle.runtime, idle.proxy, idle.node)
	fmt.Fprintf(&b, "| resident memory holding the sockets: runtime workerd / proxy workerd / wrangler (node) | %.0f MB / %.0f MB / %.0f MB (runtime: %.0f KB per socket) |\n",
		heldMem.runtime, heldMem.proxy, heldMem.node, (heldMem.runtime-idle.runtime)*1024/float64(max(res.Held, 1)))
	fmt.Fprintf(&b, "| fan-outs measured | %d (incomplete: %d, deliveries lost: %d) |\n", res.Events, res.Incomplete, res.Lost)
	fmt.Fprintf(&b, "| commit → last socket, p50 / p99 | %s / %s |\n", ms(res.CommitToAll.Pct(0.5)), ms(res.CommitToAll.Pct(0.99)))
	fmt.Fprintf(&b, "| request sent → last socket, p50 / p99 | %s / %s |\n", ms(res.SendToAll.Pct(0.5)), ms(res.SendToAll.Pct(0.99)))
	fmt.Fprintf(&b, "| commit → each socket (all deliveries), p50 / p99 | %s / %s |\n", ms(res.Delivery.Pct(0.5)), ms(res.Delivery.Pct(0.99)))
	fmt.Fprintf(&b, "| sockets still open at the end | %d |\n\n", res.StillOpen)
	fmt.Fprintf(&b, "The floor: `tests/bench/floorws/bare.mjs`, a bare JavaScript Durable Object on its own `wrangler dev` afterwards, holding %d sockets opened the same way, sends one frame to each (found with `getWebSockets` once) per POST; %d fan-outs (incomplete: %d, lost: %d). Its clock starts where the POST's handler starts.\n\n", floor.Held, floor.Events, floor.Incomplete, floor.Lost)
	fmt.Fprintf(&b, "| commit → last socket | edgecrm | bare JS object | ratio |\n|---|---|---|---|\n")
	for _, q := range []float64{0.5, 0.99} {
		e, f := res.CommitToAll.Pct(q), floor.CommitToAll.Pct(q)
		fmt.Fprintf(&b, "| p%.0f | %s | %s | %.2f× |\n", q*100, ms(e), ms(f), float64(e)/float64(max(f, 1)))
	}
	b.WriteString("\n")
	report := b.String()
	fmt.Print(report)
	// Replace an earlier real-time section (a -sockets-only run), else append.
	old, _ := os.ReadFile(outPath)
	text := string(old)
	if i := strings.Index(text, "## Real-time subscriptions"); i >= 0 {
		end := len(text)
		if j := strings.Index(text[i+3:], "\n## "); j >= 0 {
			end = i + 3 + j + 1
		}
		text = text[:i] + text[end:]
	}
	return os.WriteFile(outPath, []byte(text+report), 0o644)
}

type memory struct{ runtime, proxy, node float64 } // MB

// processMemory sums the resident memory of this process's descendants
// (wrangler's node, the proxy workerd and the runtime workerd runtimePID),
// in MB.
func processMemory(runtimePID int) memory {
	children := processTree()
	var m memory
	var walk func(int)
	walk = func(pid int) {
		for _, c := range children[pid] {
			status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", c))
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", c))
			for _, line := range strings.Split(string(status), "\n") {
				if strings.HasPrefix(line, "VmRSS:") {
					kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
					switch {
					case c == runtimePID:
						m.runtime += kb / 1024
					case strings.Contains(string(comm), "workerd"):
						m.proxy += kb / 1024
					default:
						m.node += kb / 1024
					}
				}
			}
			walk(c)
		}
	}
	walk(os.Getpid())
	return m
}

// runtimeEntry finds the entry socket of the workerd that runs w's Worker,
// behind wrangler dev's proxy: a loopback port one of w's workerd
// processes listens on, other than the proxy's (w.URL), that answers
// /healthz with 200 and "ok". Production has no such proxy: it costs each
// request 2-3 ms and its CPU on this machine, and it spends about six file
// descriptors per proxied WebSocket, aborting at the 20,000 descriptor
// limit (about 3,000 sockets); the runtime spends about one.
func runtimeEntry(w *harness.Wrangler) (string, int, error) {
	readyURL := w.URL
	pids := map[int]bool{}
	children := processTree()
	var walk func(int)
	walk = func(p int) {
		for _, c := range children[p] {
			if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", c)); strings.Contains(string(comm), "workerd") {
				pids[c] = true
			}
			walk(c)
		}
	}
	walk(w.Pid())
	inodes := map[string]int{} // socket inode → workerd pid
	for pid := range pids {
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, fd := range fds {
			if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && strings.HasPrefix(l, "socket:[") {
				inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = pid
			}
		}
	}
	tcp, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return "", 0, err
	}
	client := &http.Client{Timeout: 2 * time.Second}
	for _, line := range strings.Split(string(tcp), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" || inodes[f[9]] == 0 { // 0A: LISTEN
			continue
		}
		addr := strings.Split(f[1], ":")
		port, _ := strconv.ParseUint(addr[1], 16, 32)
		url := fmt.Sprintf("http://127.0.0.1:%d", port)
		if addr[0] != "0100007F" || url == readyURL {
			continue
		}
		resp, err := client.Get(url + "/healthz")
		if err != nil {
			continue
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 && strings.Contains(b.String(), "ok") {
			return url, inodes[f[9]], nil
		}
	}
	return "", 0, fmt.Errorf("no workerd entry socket found behind %s", readyURL)
}

// processTree maps each process id to its children's, read from /proc.
func processTree() map[int][]int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		i := bytes.LastIndexByte(stat, ')')
		if f := strings.Fields(string(stat[i+1:])); i >= 0 && len(f) > 1 {
			ppid, _ := strconv.Atoi(f[1])
			children[ppid] = append(children[ppid], pid)
		}
	}
	return children
}
