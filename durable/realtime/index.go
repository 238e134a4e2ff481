package realtime

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/realtime/gqlws"
	"edgecrm/sqldb"
)

// tokenKey is the _state key every change of _ws_subs sets to a fresh
// random number: the isolate's copy of the subscriptions (subIndex) is
// good while it is unchanged. Random, not a counter: a rolled-back change
// must never leave a value a later change could write again.
const tokenKey = "ws_subs_token"

// subIndex is a workspace's subscriptions (_ws_subs with their compiled
// specs) in this isolate's memory, so that a broadcast reads one _state
// value instead of every subscription, and finds each chunk's targets
// grouped per spec, ready to send. Like every Go cache it is a shortcut:
// it is rebuilt from storage when the token or the schema it compiled the
// specs with differ (a fresh isolate, a change, a rollback).
type subIndex struct {
	token  int64
	roles  int64 // the roles token the specs' roles were loaded at
	schema *domain.Schema
	subs   []subscription // by conn, sub
	chunks map[int]*chunk // by the position of their first subscription
	specs  map[int64]*compiledSpec
}

type subscription struct {
	conn, sub   string
	spec, since int64
}

// chunk is the subscriptions [start, end) of one broadcast chunk, grouped
// per spec in first-seen order.
type chunk struct {
	end    int
	groups []*specTargets
}

// specTargets are the subscriptions of a chunk that share a spec: the
// words a broadcast sends to (socket, operation id in the frame, ...,
// host.BroadcastGroup's To), each pair's since, and the greatest since (an
// event after it goes to every pair, without looking at them).
type specTargets struct {
	spec     *compiledSpec // nil: matches nothing (its object went away)
	words    []string
	all      string // words joined, once
	since    []int64
	maxSince int64
}

// indexes holds the subIndex of each workspace this isolate broadcast for
// (the mutex is for native tests running hosts side by side).
var (
	indexesMu sync.Mutex
	indexes   = map[string]*subIndex{}
)

// ForgetIndexes drops every cached subscription index (a fresh isolate).
func ForgetIndexes() {
	indexesMu.Lock()
	defer indexesMu.Unlock()
	indexes = map[string]*subIndex{}
}

// subsChanged records a change of _ws_subs: a new token.
func subsChanged(w *durable.Workspace) error {
	return w.Vars().Set(tokenKey, rand.Int64N(1<<62)+1)
}

// loadIndex returns w's subscription index, from memory when its token and
// schema are current, else from storage.
func loadIndex(w *durable.Workspace) (*subIndex, error) {
	token, schema, roles := w.Vars().Int(tokenKey), w.Schema(), w.RolesToken()
	indexesMu.Lock()
	x := indexes[w.ID]
	indexesMu.Unlock()
	if x != nil && token != 0 && x.token == token && x.schema == schema && x.roles == roles {
		return x, nil
	}
	if token == 0 { // subscriptions from before the token: name them now
		if err := subsChanged(w); err != nil {
			return nil, err
		}
		token = w.Vars().Int(tokenKey)
	}
	x = &subIndex{token: token, schema: schema, roles: roles, chunks: map[int]*chunk{}, specs: map[int64]*compiledSpec{}}
	rows, err := w.DB.Exec(`SELECT conn, sub, spec, since FROM _ws_subs ORDER BY conn, sub`)
	if err != nil {
		return nil, err
	}
	x.subs = make([]subscription, len(rows.Values))
	for i, r := range rows.Values {
		x.subs[i] = subscription{sqldb.AsString(r[0]), sqldb.AsString(r[1]), sqldb.AsInt(r[2]), sqldb.AsInt(r[3])}
	}
	specs, err := w.DB.Exec(`SELECT id, spec, shape FROM _ws_specs`)
	if err != nil {
		return nil, err
	}
	for _, r := range specs.Values {
		var spec gqlws.DBEventSpec
		if err := json.Unmarshal([]byte(sqldb.AsString(r[1])), &spec); err != nil {
			return nil, fmt.Errorf("realtime: bad indexed spec: %w", err)
		}
		// A spec whose object or field went away since the subscription
		// started matches nothing (nil).
		if cs, err := compileSpec(w, &spec); err == nil {
			cs.shape = sqldb.AsString(r[2])
			x.specs[sqldb.AsInt(r[0])] = cs
		}
	}
	indexesMu.Lock()
	defer indexesMu.Unlock()
	if len(x.subs) == 0 {
		delete(indexes, w.ID)
	} else {
		indexes[w.ID] = x
	}
	return x, nil
}

// after is the position of the first subscription after (conn, sub); 0
// for the empty cursor.
func (x *subIndex) after(conn, sub string) int {
	if conn == "" && sub == "" {
		return 0
	}
	return sort.Search(len(x.subs), func(i int) bool {
		s := x.subs[i]
		return s.conn > conn || (s.conn == conn && s.sub > sub)
	})
}

// chunkAt is the chunk starting at position start: FanoutSubs
// subscriptions, and the rest of the last one's socket (never split a
// socket across chunks: its frames must go out in seq order, and chunks of
// one window go out one by one).
func (x *subIndex) chunkAt(start int) *chunk {
	if c := x.chunks[start]; c != nil {
		return c
	}
	end := min(start+FanoutSubs, len(x.subs))
	for end < len(x.subs) && x.subs[end].conn == x.subs[end-1].conn {
		end++
	}
	c := &chunk{end: end}
	bySpec := map[int64]*specTargets{}
	for _, s := range x.subs[start:end] {
		g := bySpec[s.spec]
		if g == nil {
			g = &specTargets{spec: x.specs[s.spec]}
			bySpec[s.spec] = g
			c.groups = append(c.groups, g)
		}
		g.words = append(g.words, s.conn, gqlws.IDInFrame(s.sub))
		g.since = append(g.since, s.since)
		g.maxSince = max(g.maxSince, s.since)
	}
	for _, g := range c.groups {
		g.all = strings.Join(g.words, " ")
	}
	x.chunks[start] = c
	return c
}

// targets are the pairs of g that receive event seq: all of them, unless
// some subscribed after it.
func (g *specTargets) targets(seq int64) string {
	if seq > g.maxSince {
		return g.all
	}
	var out []string
	for i, since := range g.since {
		if seq > since {
			out = append(out, g.words[2*i], g.words[2*i+1])
		}
	}
	return strings.Join(out, " ")
}
