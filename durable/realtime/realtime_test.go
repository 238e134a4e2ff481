package realtime_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"edgecrm/auth"
	"edgecrm/durable/realtime"
	"edgecrm/host"
	"edgecrm/host/native"
	"edgecrm/sqldb"
)

const ws = "rt"

func newHost(t testing.TB) *native.Host {
	t.Helper()
	h := native.MustNew(t)
	// Sockets only open on a workspace that exists.
	if _, err := h.Fetch(ws, host.Request{Method: "GET", Path: "/rest/companies", Headers: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	return h
}

// rest sends a REST request and returns the status and decoded body.
func rest(t *testing.T, h *native.Host, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := native.Request(method, path, body)
	resp, err := h.Fetch(ws, req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &m)
	return resp.Status, m
}

func createCompany(t *testing.T, h *native.Host, body string) string {
	t.Helper()
	status, m := rest(t, h, "POST", "/rest/companies", body)
	if status != 201 {
		t.Fatalf("create: %d %v", status, m)
	}
	return m["data"].(map[string]any)["createCompany"].(map[string]any)["id"].(string)
}

// client is a socket with a cursor over the frames it received.
type client struct {
	t    *testing.T
	h    *native.Host
	s    *native.Socket
	read int
}

func connect(t *testing.T, h *native.Host, initPayload string) *client {
	t.Helper()
	s, resp, err := h.WSOpen(ws, "graphql-transport-ws")
	if err != nil {
		t.Fatal(err)
	}
	if resp == nil || resp.Status != 101 || resp.Headers["sec-websocket-protocol"] != "graphql-transport-ws" {
		t.Fatalf("open response %+v", resp)
	}
	c := &client{t: t, h: h, s: s}
	c.send(`{"type":"connection_init","payload":` + initPayload + `}`)
	return c
}

func (c *client) send(frame string) {
	c.t.Helper()
	if err := c.h.WSSend(c.s, frame); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the frames received since the last call.
func (c *client) next() []map[string]any {
	f := c.s.Frames(c.read)
	c.read = len(c.s.Sent)
	return f
}

func (c *client) subscribe(id, query string, extensions string) {
	c.t.Helper()
	p := map[string]any{"query": query}
	if extensions != "" {
		var ext map[string]any
		json.Unmarshal([]byte(extensions), &ext)
		p["extensions"] = ext
	}
	b, _ := json.Marshal(map[string]any{"id": id, "type": "subscribe", "payload": p})
	c.send(string(b))
}

// events returns the onDbEvent payloads of next frames for operation id.
func events(t *testing.T, frames []map[string]any, id string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, f := range frames {
		if f["id"] != id {
			continue
		}
		if f["type"] != "next" {
			t.Fatalf("frame for %s: %v", id, f)
		}
		p := f["payload"].(map[string]any)
		ev := p["data"].(map[string]any)["onDbEvent"].(map[string]any)
		if p["extensions"].(map[string]any)["seq"] != ev["seq"] && ev["seq"] != nil {
			t.Fatalf("extensions.seq %v != seq %v", p["extensions"], ev["seq"])
		}
		ev["_seq"] = p["extensions"].(map[string]any)["seq"]
		out = append(out, ev)
	}
	return out
}

const fields = `seq eventId eventDate action objectNameSingular recordId updatedFields record before after`

func TestSubscribeReceivesCommittedEvents(t *testing.T) {
	h := newHost(t)
	c := connect(t, h, `{}`)
	if f := c.next(); len(f) != 1 || f[0]["type"] != "connection_ack" {
		t.Fatalf("init: %v", f)
	}
	c.subscribe("1", `subscription { onDbEvent(input: {objectNameSingular: "company"}) { `+fields+` } }`, "")
	if f := c.next(); len(f) != 0 {
		t.Fatalf("subscribe answered %v", f)
	}
	id := createCompany(t, h, `{"name":"Acme","employees":5}`)
	rest(t, h, "PATCH", "/rest/companies/"+id, `{"employees":50}`)
	rest(t, h, "DELETE", "/rest/companies/"+id, "")
	evs := events(t, c.next(), "1")
	if len(evs) != 3 {
		t.Fatalf("got %d events: %v", len(evs), evs)
	}
	for i, want := range []string{"CREATED", "UPDATED", "DELETED"} {
		ev := evs[i]
		if ev["action"] != want || ev["objectNameSingular"] != "company" || ev["recordId"] != id || ev["eventId"] == "" || ev["eventDate"] == "" {
			t.Fatalf("event %d: %v", i, ev)
		}
		if i > 0 && ev["seq"].(float64) != evs[i-1]["seq"].(float64)+1 {
			t.Fatalf("seqs not consecutive: %v then %v", evs[i-1]["seq"], ev["seq"])
		}
	}
	created, updated, deleted := evs[0], evs[1], evs[2]
	if created["before"] != nil || created["after"].(map[string]any)["name"] != "Acme" || created["updatedFields"] != nil {
		t.Fatalf("created: %v", created)
	}
	if updated["before"].(map[string]any)["employees"] != float64(5) || updated["after"].(map[string]any)["employees"] != float64(50) ||
		updated["record"].(map[string]any)["employees"] != float64(50) || fmt.Sprint(updated["updatedFields"]) != "[employees]" {
		t.Fatalf("updated: %v", updated)
	}
	if deleted["after"].(map[string]any)["deletedAt"] == nil || deleted["before"].(map[string]any)["deletedAt"] != nil {
		t.Fatalf("deleted: %v", deleted)
	}
	// A refused command broadcasts nothing.
	rest(t, h, "PATCH", "/rest/companies/"+id, `{"nope":1}`)
	if f := c.next(); len(f) != 0 {
		t.Fatalf("refused command delivered %v", f)
	}
}

func TestFiltersActionsAndRecordSelect(t *testing.T) {
	h := newHost(t)
	small := createCompany(t, h, `{"name":"Small","employees":5}`)
	big := createCompany(t, h, `{"name":"Big","employees":500}`)
	c := connect(t, h, `{}`)
	c.next()
	c.subscribe("big", `subscription { onDbEvent(input: {objectNameSingular: "company", filter: {employees: {gte: 100}}}) { seq recordId } }`, "")
	c.subscribe("upd", `subscription { onDbEvent(input: {objectNameSingular: "company", action: UPDATED, recordId: "`+small+`"}) { seq recordId } }`, "")
	c.subscribe("acme", `subscription($f: JSON) { onDbEvent(input: {objectNameSingular: "company", filter: $f}) { seq recordId } }`, "")
	c.next()
	c.send(`{"id":"acme2","type":"subscribe","payload":{"query":"subscription($f: JSON) { onDbEvent(input: {objectNameSingular: \"company\", filter: $f}) { seq recordId } }","variables":{"f":{"name":{"ilike":"%acme%"}}}}}`)
	if f := c.next(); len(f) != 0 {
		t.Fatalf("subscribe answered %v", f)
	}

	rest(t, h, "PATCH", "/rest/companies/"+small, `{"name":"Still small"}`) // upd only
	rest(t, h, "PATCH", "/rest/companies/"+big, `{"name":"Big 2"}`)         // big only
	rest(t, h, "PATCH", "/rest/companies/"+big, `{"employees":10}`)         // big: leaves the filter (before matched)
	rest(t, h, "PATCH", "/rest/companies/"+big, `{"name":"Bigger"}`)        // nobody
	acme := createCompany(t, h, `{"name":"ACME Corp","employees":1}`)       // acme2
	frames := c.next()
	ids := func(id string) []string {
		var out []string
		for _, ev := range events(t, frames, id) {
			out = append(out, ev["recordId"].(string))
		}
		return out
	}
	if got := ids("upd"); fmt.Sprint(got) != fmt.Sprint([]string{small}) {
		t.Errorf("upd got %v", got)
	}
	if got := ids("big"); fmt.Sprint(got) != fmt.Sprint([]string{big, big}) {
		t.Errorf("big got %v", got)
	}
	if got := ids("acme2"); fmt.Sprint(got) != fmt.Sprint([]string{acme}) {
		t.Errorf("acme2 got %v", got)
	}
	if got := ids("acme"); len(got) != 5 { // the filter variable is unset: no filter
		t.Errorf("acme (filter variable unset) got %v", got)
	}
}

func TestWorkspaceStreamInCommitOrder(t *testing.T) {
	h := newHost(t)
	c := connect(t, h, `{}`)
	c.subscribe("all", `subscription { onDbEvent(input: {}) { seq action objectNameSingular } }`, "")
	c.subscribe("people", `subscription { onDbEvent(input: {objectNameSingular: "person"}) { seq } }`, "")
	c.next()
	createCompany(t, h, `{"name":"A"}`)
	rest(t, h, "POST", "/rest/people", `{"name":{"firstName":"Ada"}}`)
	status, _ := rest(t, h, "POST", "/rest/batch/companies", `[{"name":"B"},{"name":"C"},{"name":"D"}]`)
	if status != 201 {
		t.Fatalf("batch: %d", status)
	}
	frames := c.next()
	all := events(t, frames, "all")
	if len(all) != 5 {
		t.Fatalf("workspace stream got %d events", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i]["seq"].(float64) != all[i-1]["seq"].(float64)+1 {
			t.Fatalf("not in commit order: %v", all)
		}
	}
	if all[1]["objectNameSingular"] != "person" || len(events(t, frames, "people")) != 1 {
		t.Fatalf("objects: %v", all)
	}
}

func TestCompleteStopsDelivery(t *testing.T) {
	h := newHost(t)
	c := connect(t, h, `{}`)
	c.subscribe("1", `subscription { onDbEvent { seq } }`, "")
	createCompany(t, h, `{"name":"A"}`)
	if n := len(events(t, c.next(), "1")); n != 1 {
		t.Fatalf("before complete: %d events", n)
	}
	c.send(`{"id":"1","type":"complete"}`)
	createCompany(t, h, `{"name":"B"}`)
	if f := c.next(); len(f) != 0 {
		t.Fatalf("after complete: %v", f)
	}
	// The id can be reused after complete.
	c.subscribe("1", `subscription { onDbEvent { seq } }`, "")
	createCompany(t, h, `{"name":"C"}`)
	if n := len(events(t, c.next(), "1")); n != 1 {
		t.Fatalf("after re-subscribe: %d events", n)
	}
	// Closing the socket forgets its gqlws.
	if err := h.WSClientClose(c.s, 1000); err != nil {
		t.Fatal(err)
	}
	db, _ := h.Object(ws)
	if n := count(t, db, "_ws_subs"); n != 0 {
		t.Fatalf("%d subscriptions indexed after close", n)
	}
}

func count(t *testing.T, db sqldb.DB, table string) int64 {
	rows, err := db.Exec("SELECT count(*) FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	return rows.Int()
}

func TestResumeFromSequence(t *testing.T) {
	h := newHost(t)
	c := connect(t, h, `{}`)
	c.subscribe("1", `subscription { onDbEvent(input: {objectNameSingular: "company", filter: {name: {startsWith: "keep"}}}) { seq recordId record } }`, "")
	createCompany(t, h, `{"name":"keep 1"}`)
	seen := events(t, c.next(), "1")
	if len(seen) != 1 {
		t.Fatalf("live: %v", seen)
	}
	last := int64(seen[0]["seq"].(float64))
	if err := h.WSClientClose(c.s, 1001); err != nil {
		t.Fatal(err)
	}
	// Missed while away: two matching, one not.
	k2 := createCompany(t, h, `{"name":"keep 2"}`)
	createCompany(t, h, `{"name":"drop"}`)
	k3 := createCompany(t, h, `{"name":"keep 3"}`)

	c2 := connect(t, h, `{}`)
	c2.next()
	c2.subscribe("1", `subscription { onDbEvent(input: {objectNameSingular: "company", filter: {name: {startsWith: "keep"}}}) { seq recordId record } }`,
		fmt.Sprintf(`{"lastSeq":%d}`, last))
	replayed := events(t, c2.next(), "1")
	if len(replayed) != 2 || replayed[0]["recordId"] != k2 || replayed[1]["recordId"] != k3 ||
		replayed[0]["record"].(map[string]any)["name"] != "keep 2" {
		t.Fatalf("replayed %v", replayed)
	}
	k4 := createCompany(t, h, `{"name":"keep 4"}`)
	live := events(t, c2.next(), "1")
	if len(live) != 1 || live[0]["recordId"] != k4 || live[0]["seq"].(float64) != replayed[1]["seq"].(float64)+1 {
		t.Fatalf("live after replay %v", live)
	}
	// Resuming from the head replays nothing.
	c2.subscribe("2", `subscription { onDbEvent { seq } }`, fmt.Sprintf(`{"lastSeq":%d}`, int64(live[0]["seq"].(float64))))
	if f := c2.next(); len(f) != 0 {
		t.Fatalf("resume at head: %v", f)
	}
}

func TestResumeRefusals(t *testing.T) {
	h := newHost(t)
	createCompany(t, h, `{"name":"before anyone listened"}`)
	c := connect(t, h, `{}`)
	c.next()
	errorOf := func(id string) map[string]any {
		t.Helper()
		f := c.next()
		if len(f) != 1 || f[0]["type"] != "error" || f[0]["id"] != id {
			t.Fatalf("want one error frame for %s, got %v", id, f)
		}
		return f[0]["payload"].([]any)[0].(map[string]any)
	}
	c.subscribe("ahead", `subscription { onDbEvent { seq } }`, `{"lastSeq":100000}`)
	if e := errorOf("ahead"); !strings.Contains(e["message"].(string), "ahead of this workspace's log") ||
		e["extensions"].(map[string]any)["code"] != realtime.CodeResumeUnavailable {
		t.Fatalf("ahead: %v", e)
	}
	c.subscribe("old", `subscription { onDbEvent { seq } }`, `{"lastSeq":0}`)
	if e := errorOf("old"); !strings.Contains(e["message"].(string), "too many") && !strings.Contains(e["message"].(string), "older than the events kept") {
		t.Fatalf("old: %v", e)
	}
	old := realtime.MaxReplay
	realtime.MaxReplay = 2
	defer func() { realtime.MaxReplay = old }()
	c.subscribe("live", `subscription { onDbEvent { seq } }`, "")
	for i := 0; i < 3; i++ {
		createCompany(t, h, fmt.Sprintf(`{"name":"n%d"}`, i))
	}
	evs := events(t, c.next(), "live")
	from := int64(evs[0]["seq"].(float64)) - 1
	c.subscribe("far", `subscription { onDbEvent { seq } }`, fmt.Sprintf(`{"lastSeq":%d}`, from))
	if e := errorOf("far"); !strings.Contains(e["message"].(string), "more than 2") {
		t.Fatalf("far: %v", e)
	}
}

func TestSubscriptionValidation(t *testing.T) {
	h := newHost(t)
	c := connect(t, h, `{}`)
	c.next()
	for _, tc := range []struct{ query, want string }{
		{`subscription { onDbEvent(input: {objectNameSingular: "spaceship"}) { seq } }`, `unknown object "spaceship"`},
		{`subscription { onDbEvent(input: {objectNameSingular: "company", filter: {nope: {eq: 1}}}) { seq } }`, `unknown field "nope"`},
		{`subscription { onDbEvent(input: {objectNameSingular: "company", filter: {employees: {eq: "ten"}}}) { seq } }`, `expected a number`},
		{`subscription { onDbEvent { nope } }`, `Cannot query field "nope"`},
		{`query { _subscriptionsOnly }`, `Only subscription operations`},
	} {
		c.subscribe("x", tc.query, "")
		f := c.next()
		if len(f) != 1 || f[0]["type"] != "error" || !strings.Contains(fmt.Sprint(f[0]["payload"]), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.query, f, tc.want)
		}
	}
	db, _ := h.Object(ws)
	if n := count(t, db, "_ws_subs"); n != 0 {
		t.Fatalf("refused subscriptions indexed: %d", n)
	}
}

func TestCloseCodes(t *testing.T) {
	h := newHost(t)
	// Subprotocol not offered: accepted, then closed with 4406.
	s, resp, err := h.WSOpen(ws, "graphql-ws")
	if err != nil || resp.Headers["sec-websocket-protocol"] != "" || !s.Closed || s.CloseCode != 4406 {
		t.Fatalf("4406: %v %+v %+v", err, resp, s)
	}
	// An upgrade whose principal is not allowed here: 4403 (tokens are
	// tested in package core, with keys).
	stranger := auth.Principal{Kind: auth.KindUser, UserID: "u9", MemberID: "m9"}.Header()
	s, _, _ = h.WSOpenAs(ws, "graphql-transport-ws", stranger)
	if !s.Closed || s.CloseCode != 4403 {
		t.Fatalf("4403: %+v", s)
	}
	// No credentials on the upgrade and none (or a bad token) in
	// connection_init: 4401.
	for _, init := range []string{`{}`, `{"token":"x"}`} {
		s, _, _ = h.WSOpenAs(ws, "graphql-transport-ws", "")
		h.WSSend(s, `{"type":"connection_init","payload":`+init+`}`)
		if !s.Closed || s.CloseCode != 4401 {
			t.Fatalf("4401 for %s: %+v", init, s)
		}
	}
	var c *client
	// Subscribe before init: 4401; duplicate id: 4409; second init: 4429.
	s, _, _ = h.WSOpen(ws, "graphql-transport-ws")
	h.WSSend(s, `{"id":"1","type":"subscribe","payload":{"query":"subscription { onDbEvent { seq } }"}}`)
	if s.CloseCode != 4401 {
		t.Fatalf("subscribe before init: %+v", s)
	}
	c = connect(t, h, `{}`)
	c.subscribe("1", `subscription { onDbEvent { seq } }`, "")
	c.subscribe("1", `subscription { onDbEvent { seq } }`, "")
	if c.s.CloseCode != 4409 {
		t.Fatalf("duplicate: %+v", c.s)
	}
	db, _ := h.Object(ws)
	if n := count(t, db, "_ws_subs"); n != 0 {
		t.Fatalf("closed socket's subscriptions still indexed: %d", n)
	}
	c = connect(t, h, `{}`)
	c.send(`{"type":"connection_init"}`)
	if c.s.CloseCode != 4429 {
		t.Fatalf("second init: %+v", c.s)
	}
	c = connect(t, h, `{}`)
	c.send(`{"type":"bogus"}`)
	if c.s.CloseCode != 4400 {
		t.Fatalf("bad frame: %+v", c.s)
	}
	// connection_init never sent: the timer closes with 4408 once it elapsed.
	old := realtime.InitTimeout
	realtime.InitTimeout = 0 // 0 never times out (the timer is a no-op)
	s, _, _ = h.WSOpen(ws, "graphql-transport-ws")
	h.WSInitTimeout(s)
	if s.Closed {
		t.Fatalf("closed with no timeout configured: %+v", s)
	}
	realtime.InitTimeout = time.Nanosecond
	h.WSInitTimeout(s)
	realtime.InitTimeout = old
	if s.CloseCode != 4408 {
		t.Fatalf("init timeout: %+v", s)
	}
}

func TestAttachmentLimit(t *testing.T) {
	h := newHost(t)
	c := connect(t, h, `{}`)
	c.next()
	pad := strings.Repeat("x", 5000)
	q := `subscription { onDbEvent { seq } } # ` + pad
	var refused map[string]any
	n := 0
	for i := 0; i < 10 && refused == nil; i++ {
		c.subscribe(fmt.Sprint(i), q, "")
		for _, f := range c.next() {
			if f["type"] == "error" {
				refused = f
			}
		}
		if refused == nil {
			n++
		}
	}
	if refused == nil || !strings.Contains(fmt.Sprint(refused["payload"]), "too large") || n != 3 {
		t.Fatalf("after %d subscriptions: %v", n, refused)
	}
	if len(c.s.Attachment) > 16*1024 {
		t.Fatalf("attachment %d bytes", len(c.s.Attachment))
	}
	// The socket still works, with the subscriptions it kept.
	createCompany(t, h, `{"name":"A"}`)
	if got := len(c.next()); got != n {
		t.Fatalf("%d frames for %d subscriptions", got, n)
	}
}

func TestFanoutInChunksAndGoneSockets(t *testing.T) {
	h := newHost(t)
	oldSubs, oldEvents := realtime.FanoutSubs, realtime.FanoutEvents
	realtime.FanoutSubs, realtime.FanoutEvents = 3, 2
	defer func() { realtime.FanoutSubs, realtime.FanoutEvents = oldSubs, oldEvents }()
	var clients []*client
	for i := 0; i < 10; i++ {
		c := connect(t, h, `{}`)
		c.subscribe("a", `subscription { onDbEvent(input: {objectNameSingular: "company"}) { seq } }`, "")
		c.subscribe("b", `subscription { onDbEvent(input: {objectNameSingular: "company", filter: {name: {eq: "odd"}}}) { seq } }`, "")
		c.next()
		clients = append(clients, c)
	}
	h.WSVanish(clients[4].s)
	h.WSVanish(clients[7].s)
	status, _ := rest(t, h, "POST", "/rest/batch/companies", `[{"name":"odd"},{"name":"even"},{"name":"odd"},{"name":"even"},{"name":"odd"}]`)
	if status != 201 {
		t.Fatalf("batch %d", status)
	}
	for i, c := range clients {
		if i == 4 || i == 7 {
			continue
		}
		frames := c.next()
		a, b := events(t, frames, "a"), events(t, frames, "b")
		if len(a) != 5 || len(b) != 3 {
			t.Fatalf("client %d: %d and %d events", i, len(a), len(b))
		}
		// Per socket, frames arrive in seq order.
		var last float64
		for _, f := range frames {
			seq := f["payload"].(map[string]any)["extensions"].(map[string]any)["seq"].(float64)
			if seq < last {
				t.Fatalf("client %d: out of order %v", i, frames)
			}
			last = seq
		}
	}
	db, _ := h.Object(ws)
	if n := count(t, db, "_ws_subs"); n != 16 {
		t.Fatalf("gone sockets not forgotten: %d subscriptions indexed, want 16", n)
	}
}

func TestImagesOnlyWhileSomeoneListens(t *testing.T) {
	h := newHost(t)
	createCompany(t, h, `{"name":"A"}`)
	db, _ := h.Object(ws)
	if n := count(t, db, "_ws_images"); n != 0 {
		t.Fatalf("images captured with no subscriber: %d", n)
	}
	c := connect(t, h, `{}`)
	c.subscribe("1", `subscription { onDbEvent { seq } }`, "")
	createCompany(t, h, `{"name":"B"}`)
	if n := count(t, db, "_ws_images"); n != 1 {
		t.Fatalf("images: %d", n)
	}
	h.WSClientClose(c.s, 1000)
	createCompany(t, h, `{"name":"C"}`) // within the resume window
	if n := count(t, db, "_ws_images"); n != 2 {
		t.Fatalf("images in the resume window: %d", n)
	}
	old := realtime.ResumeWindow
	realtime.ResumeWindow = -time.Second
	defer func() { realtime.ResumeWindow = old }()
	c = connect(t, h, `{}`)
	c.subscribe("1", `subscription { onDbEvent { seq } }`, "")
	h.WSClientClose(c.s, 1000)
	createCompany(t, h, `{"name":"D"}`) // window over: images dropped
	if n := count(t, db, "_ws_images"); n != 0 {
		t.Fatalf("images after the window: %d", n)
	}
}

func TestDestroyAndRelationFilter(t *testing.T) {
	h := newHost(t)
	acme := createCompany(t, h, `{"name":"Acme"}`)
	other := createCompany(t, h, `{"name":"Other"}`)
	c := connect(t, h, `{}`)
	c.next()
	c.subscribe("p", `subscription { onDbEvent(input: {objectNameSingular: "person", filter: {company: {name: {eq: "Acme"}}}}) { seq action recordId } }`, "")
	c.subscribe("d", `subscription { onDbEvent(input: {objectNameSingular: "company", actions: [DESTROYED]}) { seq action recordId record before after } }`, "")
	status, m := rest(t, h, "POST", "/rest/people", `{"name":{"firstName":"Ada"},"companyId":"`+acme+`"}`)
	if status != 201 {
		t.Fatalf("person: %d %v", status, m)
	}
	rest(t, h, "POST", "/rest/people", `{"name":{"firstName":"Bob"},"companyId":"`+other+`"}`)
	if status, m := rest(t, h, "DELETE", "/rest/companies/"+other+"?soft_delete=false", ""); status != 200 {
		t.Fatalf("destroy: %d %v", status, m)
	}
	frames := c.next()
	people := events(t, frames, "p")
	if len(people) != 1 || people[0]["action"] != "CREATED" {
		t.Fatalf("relation filter: %v", people)
	}
	destroyed := events(t, frames, "d")
	if len(destroyed) != 1 || destroyed[0]["recordId"] != other || destroyed[0]["after"] != nil ||
		destroyed[0]["record"].(map[string]any)["name"] != "Other" || destroyed[0]["before"].(map[string]any)["name"] != "Other" {
		t.Fatalf("destroyed: %v", destroyed)
	}
}

func restReq(method, path, body string) host.Request {
	return host.Request{Method: method, Path: path, Body: body, Headers: map[string]string{}}
}
