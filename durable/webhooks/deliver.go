package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// EntryDelivered is the continuation of a round of deliveries.
const EntryDelivered = "webhooks.delivered"

// Delivery policy.
const (
	MaxAttempts = 5                       // then the delivery is failed
	TimeoutMs   = 5000                    // per attempt, as Twenty
	Batch       = 25                      // deliveries posted per alarm round
	lease       = 60 * time.Second        // an attempt in flight is not due again before
	retryBase   = 10 * time.Second        // back-off: base, 4x base, 16x base, ...
	EnvRetryMs  = "WEBHOOK_RETRY_BASE_MS" // overrides retryBase (tests)
	soon        = 1                       // ms: "now" for an alarm (the shell needs a delay)
)

// Backoff is the wait after failed attempt n (1-based): base·4^(n-1).
func Backoff(base time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n; i++ {
		d *= 4
	}
	return d
}

// RetryBase is the back-off base, from env (ms) or the default.
func RetryBase(env map[string]string) time.Duration {
	if ms, err := strconv.Atoi(env[EnvRetryMs]); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return retryBase
}

// Body is Twenty's webhook POST body (its field order).
type Body struct {
	TargetURL      string         `json:"targetUrl"`
	EventName      string         `json:"eventName"`
	ObjectMetadata ObjectRef      `json:"objectMetadata"`
	WorkspaceID    string         `json:"workspaceId"`
	WebhookID      string         `json:"webhookId"`
	EventDate      string         `json:"eventDate"`
	Record         map[string]any `json:"record"`
	UpdatedFields  []string       `json:"updatedFields,omitempty"`
}

// ObjectRef names the object of an event.
type ObjectRef struct {
	ID           string `json:"id"`
	NameSingular string `json:"nameSingular"`
}

// Sign is Twenty's signature: hex HMAC-SHA256(secret, "<timestamp>:<body>").
func Sign(secret, timestamp, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + ":" + body))
	return hex.EncodeToString(m.Sum(nil))
}

// Headers are an attempt's headers: with a secret, Twenty's timestamp
// (ms), signature and nonce.
func Headers(secret, body string, now time.Time) map[string]string {
	h := map[string]string{"content-type": "application/json"}
	if secret != "" {
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		var nonce [16]byte
		_, _ = rand.Read(nonce[:])
		h["X-Twenty-Webhook-Timestamp"] = ts
		h["X-Twenty-Webhook-Signature"] = Sign(secret, ts, body)
		h["X-Twenty-Webhook-Nonce"] = hex.EncodeToString(nonce[:])
	}
	return h
}

// Enqueue adds a delivery for every webhook matching each record event of
// seqs (events the consumer consumed), once per (webhook, event): a
// redelivered or redriven event enqueues nothing new. It returns the
// alarm that posts them, and the events it could not take, with why (the
// others are enqueued all the same).
func Enqueue(w *durable.Workspace, seqs []int64) ([]host.Effect, map[int64]string, error) {
	hooks, err := List(w.DB)
	if err != nil || len(hooks) == 0 {
		return nil, nil, err
	}
	evs, err := ReadEvents(w.Store, seqs)
	if err != nil {
		return nil, nil, err
	}
	s := w.Schema()
	now := w.Now()
	n := 0
	failed := map[int64]string{}
	for _, ev := range evs {
		objName, action := domain.SplitEventType(ev.Type)
		obj := s.Object(objName)
		if obj == nil {
			continue // metadata events, or an object deleted since
		}
		var rec map[string]any
		var updated []string
		for _, h := range hooks {
			if !Matches(h.Operations, ev.Type) {
				continue
			}
			if rec == nil {
				if rec, updated, err = EventRecord(w, obj, action, ev); err != nil {
					failed[ev.Seq] = err.Error()
					break
				}
			}
			b, _ := json.Marshal(Body{TargetURL: h.TargetURL, EventName: ev.Type, ObjectMetadata: ObjectRef{obj.ID, obj.NameSingular},
				WorkspaceID: w.ID, WebhookID: h.ID, EventDate: stamp(ev.Time), Record: rec, UpdatedFields: updated})
			if _, err := w.DB.Exec(`INSERT OR IGNORE INTO _webhook_deliveries (webhook_id, seq, event_name, body, status, next_at) VALUES (?, ?, ?, ?, 'pending', ?)`,
				h.ID, ev.Seq, ev.Type, string(b), now.UnixMilli()); err != nil {
				failed[ev.Seq] = err.Error()
				break
			}
			n++
		}
	}
	if n == 0 {
		return nil, failed, nil
	}
	return []host.Effect{{Kind: host.EffectAlarm, DelayMs: soon}}, failed, nil
}

// ReadEvents returns the events of seqs (any order, duplicates allowed),
// reading each run of consecutive seqs at once.
func ReadEvents(store events.Store, seqs []int64) ([]events.Event, error) {
	want := map[int64]bool{}
	for _, s := range seqs {
		want[s] = true
	}
	var out []events.Event
	for s := range want {
		if want[s-1] {
			continue // not the start of a run
		}
		n := 1
		for want[s+int64(n)] {
			n++
		}
		evs, err := store.ReadFrom(s-1, n)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

// EventRecord is Twenty's record of an event: the record after it (before, for
// a destroy), and for an update the fields it changed. The stored row may
// be newer than the event; the event's own values win.
func EventRecord(w *durable.Workspace, obj *domain.Object, action string, ev events.Event) (map[string]any, []string, error) {
	rec := map[string]any{}
	var p struct {
		ID      string         `msgpack:"id"`
		Data    map[string]any `msgpack:"data"`
		Changes map[string]any `msgpack:"changes"`
	}
	if err := ev.Decode(&p); err != nil {
		return nil, nil, err
	}
	row, err := w.ReadRecord(obj, p.ID)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range row {
		rec[k] = v
	}
	rec["id"] = p.ID
	for k, v := range p.Data {
		rec[k] = v
	}
	var updated []string
	for k, v := range p.Changes {
		rec[k] = v
		updated = append(updated, k)
	}
	if action == domain.ActionUpdated {
		sort.Strings(updated)
		if updated == nil {
			updated = []string{}
		}
	}
	return rec, updated, nil
}

type roundCtx struct {
	IDs      []int64  `json:"ids"`
	Attempts []int64  `json:"attempts"`
	Webhooks []string `json:"webhooks"`
	Seqs     []int64  `json:"seqs"`
	Events   []string `json:"events"`
	Started  int64    `json:"started"` // ms
}

// Alarm posts the deliveries that are due (at most Batch, leased so that
// none is posted twice at once) as one concurrent round, and otherwise
// sets the alarm for the next one due.
func Alarm(w *durable.Workspace) ([]host.Effect, error) {
	now := w.Now()
	rows, err := w.DB.Exec(`SELECT d.id, d.webhook_id, d.seq, d.event_name, d.body, d.attempts, h.targetUrl, h.secret
  FROM _webhook_deliveries d JOIN _webhooks h ON h.id = d.webhook_id
  WHERE d.status = 'pending' AND d.next_at <= ? ORDER BY d.next_at, d.id LIMIT ?`, now.UnixMilli(), Batch)
	if err != nil {
		return nil, err
	}
	due := rows.Maps()
	if len(due) == 0 {
		return next(w.DB, now)
	}
	c := roundCtx{Started: now.UnixMilli()}
	var posts []host.Effect
	for _, d := range due {
		id := sqldb.AsInt(d["id"])
		if _, err := w.DB.Exec(`UPDATE _webhook_deliveries SET next_at = ? WHERE id = ?`, now.Add(lease).UnixMilli(), id); err != nil {
			return nil, err
		}
		body := sqldb.AsString(d["body"])
		c.IDs = append(c.IDs, id)
		c.Attempts = append(c.Attempts, sqldb.AsInt(d["attempts"])+1)
		c.Webhooks = append(c.Webhooks, sqldb.AsString(d["webhook_id"]))
		c.Seqs = append(c.Seqs, sqldb.AsInt(d["seq"]))
		c.Events = append(c.Events, sqldb.AsString(d["event_name"]))
		posts = append(posts, host.Effect{Kind: host.EffectHTTP, Method: "POST", URL: sqldb.AsString(d["targetUrl"]),
			Headers: Headers(sqldb.AsString(d["secret"]), body, now), Body: body, TimeoutMs: TimeoutMs})
	}
	ctx, _ := json.Marshal(c)
	return []host.Effect{{Kind: host.EffectAll, Effects: posts, Resume: &host.Resume{Entry: EntryDelivered, Ctx: ctx}}}, nil
}

// Delivered records a round's outcomes: a 2xx answer delivers, anything
// else is retried after Backoff until MaxAttempts, then failed. Every
// attempt goes in the webhook's log. It sets the alarm for what is next.
func Delivered(w *durable.Workspace, in host.ResumeInput, base time.Duration) ([]host.Effect, error) {
	var c roundCtx
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	var res host.AllResult
	if in.Error == "" {
		_ = json.Unmarshal(in.Result, &res)
	}
	now := w.Now()
	latency := max(0, now.UnixMilli()-c.Started)
	for i, id := range c.IDs {
		var r host.EffectResult
		if i < len(res.Results) {
			r = res.Results[i]
		} else {
			r.Error = "no result: " + in.Error
		}
		var status any
		errText := r.Error
		if r.Error == "" {
			var hr host.HTTPResult
			_ = json.Unmarshal(r.Result, &hr)
			status = hr.Status
			if hr.Status < 200 || hr.Status > 299 {
				errText = "HTTP " + strconv.Itoa(hr.Status)
			}
		}
		outcome, nextAt := "delivered", int64(0)
		switch {
		case errText == "":
		case c.Attempts[i] >= MaxAttempts:
			outcome = "failed"
		default:
			outcome, nextAt = "retrying", now.Add(Backoff(base, int(c.Attempts[i]))).UnixMilli()
		}
		var errArg any
		if errText != "" {
			errArg = errText
		}
		if _, err := w.DB.Exec(`INSERT INTO _webhook_log (webhook_id, delivery_id, seq, event_name, attempt, status, error, latency_ms, outcome, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Webhooks[i], id, c.Seqs[i], c.Events[i], c.Attempts[i], status, errArg, latency, outcome, stamp(now)); err != nil {
			return nil, err
		}
		st := map[string]string{"delivered": "delivered", "failed": "failed", "retrying": "pending"}[outcome]
		if _, err := w.DB.Exec(`UPDATE _webhook_deliveries SET status = ?, attempts = ?, next_at = ? WHERE id = ?`, st, c.Attempts[i], nextAt, id); err != nil {
			return nil, err
		}
	}
	return next(w.DB, now)
}

// next is the alarm for the earliest pending delivery, if any.
func next(db sqldb.DB, now time.Time) ([]host.Effect, error) {
	rows, err := db.Exec(`SELECT min(next_at) FROM _webhook_deliveries WHERE status = 'pending'`)
	if err != nil || len(rows.Values) == 0 || rows.Values[0][0] == nil {
		return nil, err
	}
	return []host.Effect{{Kind: host.EffectAlarm, DelayMs: max(soon, rows.Int()-now.UnixMilli())}}, nil
}
