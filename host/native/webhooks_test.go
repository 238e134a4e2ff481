package native_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"edgecrm/durable/webhooks"
	"edgecrm/host/dispatch"
	"edgecrm/host/native"
)

// receiver records the webhook POSTs it gets; fail[n] answers the n-th
// one (1-based) with 500.
type receiver struct {
	mu   sync.Mutex
	got  []*http.Request
	body []string
	fail map[int]bool
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got, rc.body = append(rc.got, r), append(rc.body, string(b))
	if rc.fail[len(rc.got)] {
		w.WriteHeader(500)
		return
	}
	w.WriteHeader(200)
}

func TestMatches(t *testing.T) {
	for _, c := range []struct {
		ops  []string
		typ  string
		want bool
	}{
		{[]string{"company.created"}, "company.created", true},
		{[]string{"company.created"}, "company.updated", false},
		{[]string{"*.created"}, "person.created", true},
		{[]string{"company.*"}, "company.deleted", true},
		{[]string{"company.*"}, "person.deleted", false},
		{[]string{"*.*"}, "note.destroyed", true},
		{[]string{"person.updated", "note.*"}, "note.created", true},
		{nil, "company.created", false},
	} {
		if got := webhooks.Matches(c.ops, c.typ); got != c.want {
			t.Errorf("Matches(%v, %s) = %v", c.ops, c.typ, got)
		}
	}
}

func TestSignMatchesHMAC(t *testing.T) {
	m := hmac.New(sha256.New, []byte("s3cret"))
	m.Write([]byte(`1700000000000:{"a":1}`))
	if got, want := webhooks.Sign("s3cret", "1700000000000", `{"a":1}`), hex.EncodeToString(m.Sum(nil)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if h := webhooks.Headers("", "{}", time.Now()); h["X-Twenty-Webhook-Signature"] != "" {
		t.Fatalf("no secret, yet signed: %v", h)
	}
}

func TestBackoffGrows(t *testing.T) {
	if a, b, c := webhooks.Backoff(time.Second, 1), webhooks.Backoff(time.Second, 2), webhooks.Backoff(time.Second, 3); a != time.Second || b != 4*time.Second || c != 16*time.Second {
		t.Fatalf("backoff %v %v %v", a, b, c)
	}
}

// Webhooks end to end on the native host: created through /metadata,
// fed by the queue consumer, filtered by operations, signed, retried with
// back-off after a failure, logged, and never delivered twice for a
// redelivered event.
func TestWebhookDeliveries(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old := dispatch.Now
	dispatch.Now = func() time.Time { return clock }
	t.Cleanup(func() { dispatch.Now = old })

	rc := &receiver{fail: map[int]bool{1: true}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := native.MustNew(t)

	q := fmt.Sprintf(`mutation { createWebhook(input: {targetUrl: %q, operations: ["company.created", "*.updated"], description: "crm", secret: "s3cret"}) { id operations secret } }`, srv.URL+"/hook")
	status, m := do(t, h, "POST", "/metadata", mustJSON(map[string]any{"query": q}))
	if status != 200 {
		t.Fatalf("createWebhook: %d %v", status, m)
	}
	hook := m["data"].(map[string]any)["createWebhook"].(map[string]any)
	_, m = do(t, h, "POST", "/rest/companies", `{"name":"Acme"}`)
	company := m["data"].(map[string]any)["createCompany"].(map[string]any)
	do(t, h, "PATCH", "/rest/companies/"+company["id"].(string), `{"employees":12}`)
	do(t, h, "POST", "/rest/notes", `{"title":"not watched"}`)
	if err := h.DrainQueue(100, 5); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.Alarm(ws); !ok {
		t.Fatal("no alarm set for the deliveries")
	}
	fire := func() {
		t.Helper()
		if _, err := h.FireAlarm(ws); err != nil {
			t.Fatal(err)
		}
	}
	fire()
	if len(rc.got) != 2 {
		t.Fatalf("%d posts, want 2 (company.created, company.updated)", len(rc.got))
	}
	// The first answer was a 500: it is retried after the back-off.
	clock = clock.Add(webhooks.Backoff(10*time.Second, 1))
	fire()
	if len(rc.got) != 3 {
		t.Fatalf("%d posts after the back-off, want 3", len(rc.got))
	}
	events := map[string]map[string]any{}
	for i, r := range rc.got {
		ts, sig := r.Header.Get("X-Twenty-Webhook-Timestamp"), r.Header.Get("X-Twenty-Webhook-Signature")
		mac := hmac.New(sha256.New, []byte("s3cret"))
		mac.Write([]byte(ts + ":" + rc.body[i]))
		if ts == "" || !hmac.Equal([]byte(sig), []byte(hex.EncodeToString(mac.Sum(nil)))) || len(r.Header.Get("X-Twenty-Webhook-Nonce")) != 32 {
			t.Fatalf("post %d: bad signature headers %v", i, r.Header)
		}
		var b map[string]any
		if err := json.Unmarshal([]byte(rc.body[i]), &b); err != nil {
			t.Fatal(err)
		}
		events[b["eventName"].(string)] = b
	}
	created, updated := events["company.created"], events["company.updated"]
	if created == nil || updated == nil {
		t.Fatalf("events posted: %v", events)
	}
	rec := created["record"].(map[string]any)
	if created["webhookId"] != hook["id"] || created["workspaceId"] != ws || created["targetUrl"] != srv.URL+"/hook" ||
		created["objectMetadata"].(map[string]any)["nameSingular"] != "company" || rec["name"] != "Acme" || rec["id"] != company["id"] || created["eventDate"] == "" {
		t.Fatalf("created body: %v", created)
	}
	if fmt.Sprint(updated["updatedFields"]) != "[employees]" || updated["record"].(map[string]any)["employees"] != float64(12) {
		t.Fatalf("updated body: %v", updated)
	}
	// A redelivered event enqueues nothing new.
	do(t, h, "POST", "/admin/requeue?seq=1", "")
	seq := int(created["record"].(map[string]any)["position"].(float64))
	do(t, h, "POST", fmt.Sprintf("/admin/requeue?seq=%d", seq), "")
	if err := h.DrainQueue(100, 5); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Hour)
	fire()
	if len(rc.got) != 3 {
		t.Fatalf("%d posts after a redelivery, want still 3", len(rc.got))
	}
	// The log: three attempts, the first retried.
	status, lg := do(t, h, "GET", "/admin/webhooks/"+hook["id"].(string)+"/deliveries", "")
	log := lg["log"].([]any)
	if status != 200 || len(log) != 3 || len(lg["deliveries"].([]any)) != 2 {
		t.Fatalf("log: %d %v", status, lg)
	}
	first := log[2].(map[string]any)
	if first["outcome"] != "retrying" || first["status"] != float64(500) || first["attempt"] != float64(1) || first["latencyMs"] == nil {
		t.Fatalf("first attempt logged as %v", first)
	}
	for _, d := range lg["deliveries"].([]any) {
		if d.(map[string]any)["status"] != "delivered" {
			t.Fatalf("deliveries: %v", lg["deliveries"])
		}
	}
}

// A receiver that always fails gets MaxAttempts attempts, then the
// delivery is failed and the admin list shows it.
func TestWebhookDeliveryFailsAfterMaxAttempts(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old := dispatch.Now
	dispatch.Now = func() time.Time { return clock }
	t.Cleanup(func() { dispatch.Now = old })
	rc := &receiver{fail: map[int]bool{}}
	for i := 1; i <= 10; i++ {
		rc.fail[i] = true
	}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := native.MustNew(t)
	if status, m := do(t, h, "POST", "/rest/webhooks", mustJSON(map[string]any{"targetUrl": srv.URL, "secret": "x"})); status != 201 || m["operations"].([]any)[0] != "*.*" {
		t.Fatalf("POST /rest/webhooks: %d %v", status, m)
	}
	do(t, h, "POST", "/rest/people", `{"name":{"firstName":"Ada"}}`)
	if err := h.DrainQueue(100, 5); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2*webhooks.MaxAttempts; i++ {
		if _, err := h.FireAlarm(ws); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(24 * time.Hour)
	}
	if len(rc.got) != webhooks.MaxAttempts {
		t.Fatalf("%d attempts, want %d", len(rc.got), webhooks.MaxAttempts)
	}
	_, m := do(t, h, "GET", "/admin/webhooks", "")
	counts := m["webhooks"].([]any)[0].(map[string]any)["deliveries"].(map[string]any)
	if counts["failed"] != float64(1) || counts["pending"] != float64(0) {
		t.Fatalf("delivery counts: %v", counts)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
