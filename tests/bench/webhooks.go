package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// benchWebhooks measures webhook deliveries per second in one workspace: a
// webhook on company.created pointing at a receiver on loopback, n companies
// created in REST batches of 60, and the time from the first batch until the
// receiver has verified n signed deliveries (the outbox → EVENTS → consumer
// → the object's notice → its alarm posting each through http.fetch).
func benchWebhooks(base string, n int, report *strings.Builder) error {
	const ws, secret = "webhooks", "bench-webhook-secret"
	var seen, bad atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(r.Header.Get("X-Twenty-Webhook-Timestamp") + ":" + string(body)))
		if hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(r.Header.Get("X-Twenty-Webhook-Signature"))) {
			seen.Add(1)
		} else {
			bad.Add(1)
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()

	q, _ := json.Marshal(map[string]any{
		"query":     `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id } }`,
		"variables": map[string]any{"input": map[string]any{"targetUrl": "http://" + ln.Addr().String() + "/hook", "operations": []string{"company.created"}, "secret": secret}},
	})
	if status, b, err := do(base, "POST", "/metadata", ws, string(q)); err != nil || status != 200 || strings.Contains(string(b), `"errors"`) {
		return fmt.Errorf("createWebhook: %d %s %v", status, b, err)
	}
	t0 := time.Now()
	for i := 0; i < n; i += loadBatch {
		var recs []map[string]any
		for j := i; j < min(i+loadBatch, n); j++ {
			recs = append(recs, map[string]any{"name": fmt.Sprintf("Hooked %d", j)})
		}
		body, _ := json.Marshal(recs)
		if status, b, err := do(base, "POST", "/rest/batch/companies", ws, string(body)); err != nil || status != 201 {
			return fmt.Errorf("batch at %d: %d %.300s %v", i, status, b, err)
		}
	}
	for seen.Load() < int64(n) {
		if time.Since(t0) > 5*time.Minute {
			return fmt.Errorf("%d of %d deliveries within 5 minutes (%d badly signed)", seen.Load(), n, bad.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(t0)
	fmt.Fprintf(report, "## Webhook deliveries\n\n")
	fmt.Fprintf(report, "A webhook on `company.created` with a secret, pointing at a receiver on loopback that verifies each signature; %d companies created in REST batches of %d; timed from the first batch until the receiver had verified all %d deliveries (outbox → EVENTS → consumer → the object's notice → its alarm posting through `http.fetch`).\n\n", n, loadBatch, n)
	fmt.Fprintf(report, "Webhook deliveries: **%.0f per second** (%d in %s; %d badly signed).\n\n", float64(n)/elapsed.Seconds(), n, elapsed.Round(time.Millisecond), bad.Load())
	return nil
}
