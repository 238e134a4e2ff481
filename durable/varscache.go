package durable

import (
	"sync"
	"time"

	"edgecrm/durable/stream"
	"edgecrm/events"
	"edgecrm/sqldb"
)

// The vars cache spares a call its one read (Open's _state) when the same
// instance of the object committed the call before it: what that call left
// is what storage holds. The log's last events the outbox has yet to send
// go with them, so that it reads them from memory. An instance is named
// by the host (the shell's
// token per object instance), which names a new one whenever a call does
// not commit (a rollback, a thrown error) and whenever the object starts
// again. The caller decides which calls may use and keep it (dispatch: the
// record APIs and the outbox, whose writes to _state, the record log and
// the metadata all go through Vars and the store); any other call forgets
// it first, so that the next one reads storage.
var varsCache = struct {
	sync.Mutex
	m      map[string]cachedVars
	events int // the events of every entry's tail
}{m: map[string]cachedVars{}}

type cachedVars struct {
	instance string
	vars     *stream.Vars
	// access: principals the instance's committed calls authorized since
	// its access tables last changed (Authorized).
	access map[string]Access
	// tail: the log's last events, as the instance appended them
	// (events.SQLStore.Tail).
	tail []events.Event
}

// Access is what a principal's check against the access tables found.
type Access struct {
	Role  string
	Until time.Time // zero: no expiry of its own
}

// take hands over what instance's last committed call left for workspace
// id, the vars over db. The entry leaves the cache: the call owns it, and
// only KeepVars puts it back (a call that does not commit keeps nothing).
func take(id, instance string, db sqldb.DB) (*stream.Vars, map[string]Access, []events.Event, bool) {
	if instance == "" {
		return nil, nil, nil, false
	}
	varsCache.Lock()
	defer varsCache.Unlock()
	c, ok := varsCache.m[id]
	if !ok || c.instance != instance {
		return nil, nil, nil, false
	}
	forget(id)
	c.vars.DB = db
	return c.vars, c.access, c.tail, true
}

// Authorized returns what an earlier call of this instance found for
// the principal key, when the access tables have not changed since.
func (w *Workspace) Authorized(key string) (Access, bool) {
	a, ok := w.access[key]
	return a, ok
}

// RememberAuthorized keeps what this call found for the principal key
// (kept for the next calls with the vars, KeepVars).
func (w *Workspace) RememberAuthorized(key string, a Access) {
	if w.access == nil || len(w.access) >= maxPrincipals {
		w.access = map[string]Access{}
	}
	w.access[key] = a
}

// maxPrincipals bounds the principals kept per object.
const maxPrincipals = 256

// AccessChanged says this call appended to the access log: what earlier
// calls authorized is not kept past it.
func (w *Workspace) AccessChanged() { w.accessChanged = true }

// KeepVars hands this call's vars and authorized principals to the next
// call of the same instance; the call must not use them after. Call it
// only once the call is known to commit; a call that changed the metadata (its metadata event's id is not
// in Vars) or the access tables is not kept, nor one opened without an
// instance.
func (w *Workspace) KeepVars() {
	store, ok := w.Store.(*events.SQLStore)
	if w.instance == "" || w.metadataDirty || w.accessChanged || !ok {
		return
	}
	head, err := store.Head()
	if err != nil {
		return
	}
	w.vars.DB, w.vars.Head = nil, head
	d1, queued := w.Records().State()
	tail := unsent(store.Tail(), min(d1, queued))
	varsCache.Lock()
	defer varsCache.Unlock()
	forget(w.ID)
	if len(varsCache.m) >= maxCachedVars {
		clear(varsCache.m)
		varsCache.events = 0
	}
	if varsCache.events+len(tail) > maxCachedEvents { // the isolate's objects share its memory
		tail = nil
	}
	varsCache.events += len(tail)
	varsCache.m[w.ID] = cachedVars{w.instance, w.vars, w.access, tail}
}

// unsent is the part of a log's tail worth keeping: the events after sent
// (the outbox's lowest checkpoint), which it reads next, MaxTail at most.
// The events dropped are cleared, so their payloads and rows are not held.
func unsent(tail []events.Event, sent int64) []events.Event {
	i := 0
	if len(tail) > 0 {
		i = int(min(max(sent-tail[0].Seq+1, 0), int64(len(tail)))) // seqs are consecutive
	}
	i = max(i, len(tail)-events.MaxTail)
	clear(tail[:i])
	if i == len(tail) {
		return nil
	}
	return tail[i:]
}

// maxCachedVars bounds the memory (objects of an isolate): when full, the
// cache starts over.
const maxCachedVars = 1024

// maxCachedEvents bounds the events kept for all of an isolate's objects
// together (a few KB each, decoded): past it, a call keeps no tail.
const maxCachedEvents = 2 * events.MaxTail

// forget drops id's entry; varsCache is locked.
func forget(id string) {
	varsCache.events -= len(varsCache.m[id].tail)
	delete(varsCache.m, id)
}

// ForgetVars drops what is kept for workspace id: its next call reads.
func ForgetVars(id string) {
	varsCache.Lock()
	defer varsCache.Unlock()
	forget(id)
}

// ResetVarsCache forgets every workspace's vars (a fresh Go instance).
func ResetVarsCache() {
	varsCache.Lock()
	defer varsCache.Unlock()
	clear(varsCache.m)
	varsCache.events = 0
}
