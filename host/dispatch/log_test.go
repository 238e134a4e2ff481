package dispatch

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"edgecrm/auth"
	"edgecrm/edge"
	"edgecrm/host"
)

// A successful request writes no entry line: the edge hands its fields to
// the shell for the request's one line; failures, slow entries and work no
// request waits on still log.
func TestLogEntryWritesOnlyWhatIsNeeded(t *testing.T) {
	var buf bytes.Buffer
	prev := host.LogOutput
	host.LogOutput = &buf
	defer func() { host.LogOutput = prev }()
	forward := []host.Effect{{Kind: host.EffectForward, Name: "acme"}}
	cases := []struct {
		name, entry string
		status      int
		effects     []host.Effect
		took        time.Duration
		extra       map[string]any
		logs        string // the level logged, "" for none
	}{
		{"edge forwards", edge.EntryFetch, 0, forward, 0, nil, ""},
		{"edge resumes", edge.EntryResume, 200, nil, 0, nil, ""},
		{"object answers", "fetch", 200, []host.Effect{{Kind: host.EffectFlush}}, 0, nil, ""},
		{"object refuses", "fetch", 404, nil, 0, nil, ""},
		{"object fails", "fetch", 500, nil, 0, map[string]any{"error": "boom"}, "error"},
		{"object panics", "fetch", 500, nil, 0, map[string]any{"panic": "boom"}, "error"},
		{"object is slow", "fetch", 200, nil, 2 * SlowEntry, nil, "warn"},
		{"edge is slow", edge.EntryFetch, 0, forward, 2 * SlowEntry, nil, "warn"},
		{"flush with work", "outbox", 0, []host.Effect{{Kind: host.EffectD1Batch}}, 0, nil, ""},
		{"flush refused", "outbox", 409, nil, 0, nil, "info"},
		{"flush with nothing to do", "outbox", 0, nil, 0, nil, ""},
		{"queue batch", "queue.consume", 0, []host.Effect{{Kind: "msg.ack"}}, 0, nil, ""},
		{"alarm with nothing to do", "ws.alarm", 0, nil, 0, nil, ""},
	}
	for _, c := range cases {
		buf.Reset()
		line := map[string]any{"entry": c.entry, "route": "GET /rest/companies"}
		for k, v := range c.extra {
			line[k] = v
		}
		out := &host.Output{Effects: c.effects}
		if c.status != 0 {
			out.Response = &host.Response{Status: c.status}
			line["status"] = c.status
		}
		logEntry(c.entry, "acme", out, line, c.took)
		got := buf.String()
		if c.logs == "" && got != "" || c.logs != "" && !strings.Contains(got, `"level":"`+c.logs+`"`) {
			t.Errorf("%s: logged %q, want level %q", c.name, got, c.logs)
		}
		isEdge := c.entry == edge.EntryFetch || c.entry == edge.EntryResume
		if isEdge != (out.Log != nil) {
			t.Errorf("%s: handed back %v", c.name, out.Log)
		}
		if isEdge && (out.Log["route"] != "GET /rest/companies" || out.Log["entry"] != nil || c.effects != nil && out.Log["workspace"] != "acme") {
			t.Errorf("%s: handed back %v, want the route and workspace", c.name, out.Log)
		}
	}
	// LOG_ENTRIES=true: every entry logs, at debug level.
	auth.Configure(map[string]string{EnvLogEntries: "true"})
	defer auth.Configure(map[string]string{})
	buf.Reset()
	logEntry("fetch", "acme", &host.Output{Response: &host.Response{Status: 200}}, map[string]any{"entry": "fetch", "status": 200}, 0)
	if !strings.Contains(buf.String(), `"level":"debug"`) {
		t.Errorf("LOG_ENTRIES: logged %q", buf.String())
	}
}
