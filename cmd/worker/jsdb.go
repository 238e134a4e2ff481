//go:build js && wasm

package main

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"edgecrm/host"
	"edgecrm/sqldb"
	"edgecrm/sqldb/wire"
)

// jsDB is sqldb.DB over the calling object's ctx.storage.sql, reached
// through three wasm imports the shell provides (module "edgecrm" of its
// import object, shell.mjs). They take numbers only, offsets into Go's
// memory and lengths: no syscall/js value (each a JS call, a table entry and
// a finalizer) and no copy of the batch into a JS buffer.
//
//   - sql(batch, n) runs the batch of package wire's format that Go's
//     memory holds at batch (n bytes) and keeps the answer: the last
//     statement's rows in wire's format, or the text "<index>:<error>". It
//     returns the answer's length, or -(length+1) for an error.
//   - take(dst) copies the kept answer to dst (Go sized it) and forgets it.
//   - prepare(id, text, n) tells the shell statement id's text (UTF-8), once
//     per isolate: batches name statements by id.
//
// One call of Exec or ExecBatch is two crossings into JS (sql, take), plus
// a prepare the first time the isolate sees a statement.
type jsDB struct{}

//go:wasmimport edgecrm sql
func hostSQL(batch unsafe.Pointer, n int32) int32

//go:wasmimport edgecrm take
func hostTake(dst unsafe.Pointer)

//go:wasmimport edgecrm prepare
func hostPrepare(id uint32, text unsafe.Pointer, n int32)

var _ sqldb.Batcher = (*jsDB)(nil)

// The bridge's state is per Go instance, which is per isolate, as is the
// shell's statement table: a statement's text crosses once, then its id.
// The buffers are reused: calls into Go are synchronous, never concurrent.
var bridge struct {
	ids map[string]uint32 // query → id the shell knows it by
	out []byte            // the batch being encoded
	in  []byte            // the answer being decoded
}

// maxStatements bounds the statement table (queries built with varying
// text must not grow it without limit): past it, ids start again and the
// shell is sent each text anew (it overwrites its entry for an id).
const maxStatements = 4096

func (d *jsDB) Exec(query string, args ...any) (*sqldb.Rows, error) {
	_, rows, err := d.run([]host.Statement{{SQL: query, Args: args}})
	return rows, err
}

func (d *jsDB) ExecBatch(stmts []host.Statement) (int, error) {
	i, _, err := d.run(stmts)
	return i, err
}

// run sends stmts as one batch (one sql call, one take) and returns the
// last one's rows, or the index of the statement that failed and its error.
func (d *jsDB) run(stmts []host.Statement) (int, *sqldb.Rows, error) {
	b := &bridge
	if b.ids == nil || len(b.ids) >= maxStatements {
		b.ids = map[string]uint32{}
	}
	buf := wire.AppendBatchHeader(b.out[:0], len(stmts))
	for i, s := range stmts {
		id, ok := b.ids[s.SQL]
		if !ok {
			id = uint32(len(b.ids))
			hostPrepare(id, unsafe.Pointer(unsafe.StringData(s.SQL)), int32(len(s.SQL)))
			runtime.KeepAlive(s.SQL)
			b.ids[s.SQL] = id
		}
		var err error
		if buf, err = wire.AppendStatement(buf, id, s.Args); err != nil {
			return i, nil, err
		}
	}
	b.out = buf
	r := hostSQL(unsafe.Pointer(unsafe.SliceData(buf)), int32(len(buf)))
	n := int(r)
	if r < 0 {
		n = int(-r) - 1
	}
	if len(b.in) < max(n, 1) {
		b.in = make([]byte, max(n, 2*len(b.in)))
	}
	hostTake(unsafe.Pointer(unsafe.SliceData(b.in)))
	in := b.in[:n]
	if r < 0 {
		msg := string(in)
		at, text, _ := strings.Cut(msg, ":")
		i, err := strconv.Atoi(at)
		if err != nil || i < 0 {
			i, text = len(stmts)-1, msg
		}
		i = min(i, len(stmts)-1) // reading the last one's rows failed
		return i, nil, errors.New(text)
	}
	rows, err := wire.DecodeRows(in)
	return len(stmts) - 1, rows, err
}
