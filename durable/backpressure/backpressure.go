// Package backpressure watches how far a workspace's EVENTS stream lags
// behind its log (the log head minus the queue checkpoint). Beyond
// MaxLag events it refuses bulk writes (429 with Retry-After) until the
// stream drains, and the object's alarm calls the alert webhook
// (ALERT_WEBHOOK_URL) once per episode: the outbox step that finds the
// lag sets an alarm at once, so the alert goes out within seconds.
package backpressure

import (
	"encoding/json"
	"fmt"
	"strconv"

	"edgecrm/api/apierr"
	"edgecrm/auth"
	"edgecrm/durable"
	"edgecrm/host"
)

// Configuration variables and defaults.
const (
	EnvMaxLag         = "BACKPRESSURE_MAX_LAG" // events; 10,000 when unset
	EnvAlertURL       = "ALERT_WEBHOOK_URL"
	DefaultMaxLag     = 10_000
	RetryAfterSeconds = 30
	EntryAlerted      = "backpressure.alerted"
	stateKey          = "backpressure_alerted" // _state: 1 while an episode has been alerted
	recheckMs         = 30_000                 // while lagging, the alarm checks for the drain
)

func maxLag() int64 {
	if n, err := strconv.ParseInt(auth.Current().Env[EnvMaxLag], 10, 64); err == nil && n > 0 {
		return n
	}
	return DefaultMaxLag
}

// Lag is how many logged events the queue has not been sent yet.
func Lag(w *durable.Workspace) int64 {
	cp := w.Checkpoints()
	return cp["head"] - cp["queue"]
}

// Check refuses a bulk write while the stream lags beyond MaxLag.
func Check(w *durable.Workspace) error {
	if lag := Lag(w); lag > maxLag() {
		return apierr.NewError(429, fmt.Sprintf("the workspace's event stream is %d events behind; bulk writes resume when it drains (retry after %d s)", lag, RetryAfterSeconds))
	}
	return nil
}

func alerted(w *durable.Workspace) bool {
	rows, err := w.DB.Exec(`SELECT value FROM _state WHERE key = ?`, stateKey)
	return err == nil && rows.Int() == 1
}

func setAlerted(w *durable.Workspace, v int64) error {
	_, err := w.DB.Exec(`INSERT INTO _state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, stateKey, v)
	return err
}

// Watch, after an outbox step, sets the alarm at once when the stream lags
// beyond MaxLag and this episode is not alerted yet.
func Watch(w *durable.Workspace) []host.Effect {
	if Lag(w) > maxLag() && !alerted(w) {
		return []host.Effect{{Kind: host.EffectAlarm, DelayMs: 1}} // at once (the shell needs a delay)
	}
	return nil
}

// Alarm calls the alert webhook when an episode starts, ends the episode
// when the stream has drained, and re-checks while it lags.
func Alarm(w *durable.Workspace) ([]host.Effect, error) {
	lag, limit := Lag(w), maxLag()
	switch {
	case lag <= limit && alerted(w):
		return nil, setAlerted(w, 0)
	case lag <= limit:
		return nil, nil
	case alerted(w):
		return []host.Effect{{Kind: host.EffectAlarm, DelayMs: recheckMs}}, nil
	}
	url := auth.Current().Env[EnvAlertURL]
	if url == "" {
		host.Log("warn", w.ID, map[string]any{"msg": "event stream lags; no ALERT_WEBHOOK_URL", "lag": lag})
		return nil, setAlerted(w, 1)
	}
	cp := w.Checkpoints()
	body, _ := json.Marshal(map[string]any{"alert": "event_stream_lag", "workspaceId": w.ID, "lag": lag, "threshold": limit,
		"head": cp["head"], "queue": cp["queue"], "at": w.Now().UTC().Format("2006-01-02T15:04:05.000Z")})
	return []host.Effect{{Kind: host.EffectHTTP, Method: "POST", URL: url, Body: string(body), TimeoutMs: 5000,
		Headers: map[string]string{"content-type": "application/json"}, Resume: &host.Resume{Entry: EntryAlerted}}}, nil
}

// Alerted records a delivered alert (the episode is alerted) or retries a
// failed one by alarm.
func Alerted(w *durable.Workspace, in host.ResumeInput) ([]host.Effect, error) {
	var r host.HTTPResult
	if in.Error == "" && json.Unmarshal(in.Result, &r) == nil && r.Status >= 200 && r.Status <= 299 {
		return []host.Effect{{Kind: host.EffectAlarm, DelayMs: recheckMs}}, setAlerted(w, 1)
	}
	host.Log("warn", w.ID, map[string]any{"msg": "alert webhook failed; retrying", "error": in.Error, "status": r.Status})
	return []host.Effect{{Kind: host.EffectAlarm, DelayMs: 10_000}}, nil
}
