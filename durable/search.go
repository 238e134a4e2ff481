package durable

import (
	"edgecrm/projections"
	"edgecrm/sqldb"
)

// The inline projection's search index follows the record log instead of
// each command (projections.Projector.DeferSearch): an FTS5 entry written
// in a transaction of its own cost a create about 7% of its workerd CPU,
// most of it at the commit (a segment per transaction), and many written
// together cost little more than one. searchSeqKey is the log seq the
// index reflects; SettleSearch brings it to the head. The outbox's flush
// settles it (50 ms after the commits, with every commit since), and so
// does every search before it reads the index, so no search misses a
// committed record.
const searchSeqKey = "search_seq"

// settleChunk bounds the events one step of SettleSearch reads.
const settleChunk = 2000

// SettleSearch writes the search entries of the records created or
// updated since the index last caught up (from their rows as they are
// now), in bulk, and moves searchSeqKey to the log's head.
func (w *Workspace) SettleSearch() error {
	from := w.stateInt(searchSeqKey)
	head, err := w.Store.Head()
	if err != nil || from >= head {
		return err
	}
	for from < head {
		evs, err := w.Store.ReadFrom(from, settleChunk)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			break
		}
		stmts, err := projections.SearchStale(w.Schema(), evs)
		if err != nil {
			return err
		}
		if err := sqldb.ExecAll(w.DB, stmts); err != nil {
			return err
		}
		from = evs[len(evs)-1].Seq
	}
	return w.setState(searchSeqKey, head)
}
