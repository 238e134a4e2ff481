package wsload

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxSockets is the hard cap on sockets one run may open.
const MaxSockets = 20000

// Config bounds and parameterises a run.
type Config struct {
	URL       string        // the server, http://127.0.0.1:PORT
	Path      string        // the WebSocket path and query ("/graphql")
	Sockets   int           // how many to try to hold (≤ MaxSockets)
	Parallel  int           // handshakes in flight at once
	Mutations int           // committed events whose fan-out is measured
	Budget    time.Duration // bound on the whole run
	// Header returns the upgrade request's headers; Init the
	// connection_init payload (JSON).
	Header func() http.Header
	Init   string
	// Query is the subscription every socket runs; its payload must select
	// seq and eventDate.
	Query string
	// Mutate commits one event that every subscription receives.
	Mutate   func(i int) error
	Progress func(format string, args ...any)
}

// Result is what a run measured.
type Result struct {
	Attempted   int
	Held        int            // sockets open, acknowledged and subscribed after the open phase
	OpenErrors  map[string]int // why the others failed (first words of the error)
	OpenTime    time.Duration  // time to open and subscribe them all
	Events      int            // fan-outs measured
	Incomplete  int            // fan-outs that did not reach every held socket in time
	Lost        int            // deliveries missing in those
	CommitToAll Sample         // per event: commit (eventDate) → the last socket received it
	SendToAll   Sample         // per event: the mutation request was sent → the last socket received it
	Delivery    Sample         // per delivery: commit → this socket received it
	StillOpen   int            // sockets still open at the end
}

// Sample is a set of durations.
type Sample []time.Duration

// Pct returns the p-quantile (0..1), nearest rank.
func (s Sample) Pct(p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := append(Sample(nil), s...)
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	i := int(p*float64(len(c))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(c) {
		i = len(c) - 1
	}
	return c[i]
}

// Mean returns the arithmetic mean (0 for none).
func (s Sample) Mean() time.Duration {
	if len(s) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return sum / time.Duration(len(s))
}

type delivery struct {
	at        time.Time
	eventDate time.Time
}

// Run opens the sockets, measures the fan-outs and closes everything.
// hold, when not nil, is called once the sockets are held (to sample
// memory) before the fan-outs are measured.
func Run(cfg Config, hold func(held int)) (*Result, error) {
	if cfg.Sockets > MaxSockets {
		return nil, fmt.Errorf("wsload: %d sockets is over the cap of %d", cfg.Sockets, MaxSockets)
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 64
	}
	if cfg.Budget <= 0 {
		cfg.Budget = 5 * time.Minute
	}
	if cfg.Progress == nil {
		cfg.Progress = func(string, ...any) {}
	}
	deadline := time.Now().Add(cfg.Budget)
	wsURL := "ws" + strings.TrimPrefix(cfg.URL, "http") + cfg.Path
	res := &Result{Attempted: cfg.Sockets, OpenErrors: map[string]int{}}

	var (
		mu      sync.Mutex
		conns   []*Conn
		bySeq   = map[int64][]delivery{}
		open    atomic.Int64
		failed  atomic.Int64
		stopped atomic.Bool
	)
	subscribe := fmt.Sprintf(`{"id":"1","type":"subscribe","payload":{"query":%q}}`, cfg.Query)
	openOne := func() error {
		c, err := Dial(wsURL, "graphql-transport-ws", cfg.Header(), 30*time.Second)
		if err != nil {
			return err
		}
		fail := func(err error) error { c.c.Close(); return err }
		if err := c.WriteText(`{"type":"connection_init","payload":` + cfg.Init + `}`); err != nil {
			return fail(err)
		}
		ack, err := c.ReadText(time.Now().Add(60 * time.Second))
		if err != nil {
			if errors.Is(err, io.EOF) {
				return fail(fmt.Errorf("closed %d before ack", c.CloseCode))
			}
			return fail(err)
		}
		if !strings.Contains(ack, "connection_ack") {
			return fail(fmt.Errorf("no ack: %.80s", ack))
		}
		if err := c.WriteText(subscribe); err != nil {
			return fail(err)
		}
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		open.Add(1)
		go func() { // reader: record every next frame's receipt
			defer open.Add(-1)
			for {
				msg, err := c.ReadText(time.Time{})
				if err != nil {
					return
				}
				at := time.Now()
				var f struct {
					Type    string `json:"type"`
					Payload struct {
						Data struct {
							OnDbEvent struct {
								EventDate string `json:"eventDate"`
							} `json:"onDbEvent"`
						} `json:"data"`
						Extensions struct {
							Seq int64 `json:"seq"`
						} `json:"extensions"`
					} `json:"payload"`
				}
				if json.Unmarshal([]byte(msg), &f) != nil || f.Type != "next" {
					continue
				}
				ed, _ := time.Parse(time.RFC3339Nano, f.Payload.Data.OnDbEvent.EventDate)
				mu.Lock()
				bySeq[f.Payload.Extensions.Seq] = append(bySeq[f.Payload.Extensions.Seq], delivery{at, ed})
				mu.Unlock()
			}
		}()
		return nil
	}

	// Open phase: Parallel workers until the target, the budget, or the
	// server stops accepting (200 failures in a row).
	t0 := time.Now()
	var next atomic.Int64
	var consecutive atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < cfg.Parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stopped.Load() && time.Now().Before(deadline) {
				i := next.Add(1)
				if i > int64(cfg.Sockets) {
					return
				}
				if err := openOne(); err != nil {
					failed.Add(1)
					msg := err.Error()
					if len(msg) > 60 {
						msg = msg[:60]
					}
					mu.Lock()
					res.OpenErrors[msg]++
					mu.Unlock()
					if consecutive.Add(1) >= 200 {
						stopped.Store(true)
					}
					continue
				}
				consecutive.Store(0)
				if i%1000 == 0 {
					cfg.Progress("opened %d sockets (%d failed) in %s", open.Load(), failed.Load(), time.Since(t0).Round(time.Second))
				}
			}
		}()
	}
	wg.Wait()
	res.OpenTime = time.Since(t0)
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()

	// The server indexes a subscription when it processes the subscribe
	// frame; a first (warm-up) event shows every socket is live.
	settle := func(seqBefore map[int64]bool, want int, bound time.Duration) (int64, bool) {
		end := time.Now().Add(bound)
		for time.Now().Before(end) && time.Now().Before(deadline) {
			mu.Lock()
			var seq int64
			for s := range bySeq {
				if !seqBefore[s] && s > seq {
					seq = s
				}
			}
			n := len(bySeq[seq])
			mu.Unlock()
			if seq != 0 && n >= want {
				return seq, true
			}
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		var seq int64
		for s := range bySeq {
			if !seqBefore[s] && s > seq {
				seq = s
			}
		}
		return seq, false
	}
	known := func() map[int64]bool {
		mu.Lock()
		defer mu.Unlock()
		k := map[int64]bool{}
		for s := range bySeq {
			k[s] = true
		}
		return k
	}
	held := int(open.Load())
	cfg.Progress("holding %d sockets after %s; warming up", held, res.OpenTime.Round(time.Second))
	for try := 0; try < 3; try++ { // a probe event reaches everyone: all subscribed
		before := known()
		if err := cfg.Mutate(-1 - try); err != nil {
			return res, fmt.Errorf("warm-up mutation: %w", err)
		}
		if _, ok := settle(before, int(open.Load()), 60*time.Second); ok {
			break
		}
	}
	res.Held = int(open.Load())
	if hold != nil {
		hold(res.Held)
	}

	for i := 0; i < cfg.Mutations && time.Now().Before(deadline); i++ {
		before := known()
		live := int(open.Load())
		sent := time.Now()
		if err := cfg.Mutate(i); err != nil {
			return res, fmt.Errorf("mutation %d: %w", i, err)
		}
		seq, ok := settle(before, live, 60*time.Second)
		mu.Lock()
		ds := append([]delivery(nil), bySeq[seq]...)
		mu.Unlock()
		if len(ds) == 0 {
			res.Incomplete++
			res.Lost += live
			continue
		}
		if !ok {
			res.Incomplete++
			res.Lost += live - len(ds)
		}
		var last time.Time
		for _, d := range ds {
			if d.at.After(last) {
				last = d.at
			}
			res.Delivery = append(res.Delivery, d.at.Sub(d.eventDate))
		}
		res.Events++
		res.CommitToAll = append(res.CommitToAll, last.Sub(ds[0].eventDate))
		res.SendToAll = append(res.SendToAll, last.Sub(sent))
		if (i+1)%5 == 0 {
			cfg.Progress("fan-out %d/%d: last of %d sockets after %s", i+1, cfg.Mutations, len(ds), last.Sub(sent).Round(time.Millisecond))
		}
	}
	res.StillOpen = int(open.Load())
	return res, nil
}
