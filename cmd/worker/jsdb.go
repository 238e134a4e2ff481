//go:build js && wasm

package main

import (
	"errors"
	"strconv"
	"strings"
	"syscall/js"

	"edgecrm/host"
	"edgecrm/sqldb"
	"edgecrm/sqldb/wire"
)

// jsDB is sqldb.DB over the shell's host.sql(batch), which runs statements
// with ctx.storage.sql.exec synchronously and answers the last one's rows,
// both in the binary format of package wire, or the text "<index>:<error>".
// One call of Exec or ExecBatch is one crossing into JS, plus one
// host.prepare(id, text) the first time the isolate sees a statement.
type jsDB struct{ host js.Value }

var _ sqldb.Batcher = (*jsDB)(nil)

// The bridge's state is per Go instance, which is per isolate, as is the
// shell's statement table: a statement's text crosses once, then its id.
// The buffers are reused: calls into Go are synchronous, never concurrent.
var bridge struct {
	ids    map[string]uint32 // query → id the shell knows it by
	out    []byte            // the batch being encoded
	in     []byte            // the rows being decoded
	jsBuf  js.Value          // a Uint8Array the batch is copied into
	jsSize int
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

// run sends stmts in one crossing and returns the last one's rows, or the
// index of the statement that failed and its error.
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
			d.host.Call("prepare", id, s.SQL)
			b.ids[s.SQL] = id
		}
		var err error
		if buf, err = wire.AppendStatement(buf, id, s.Args); err != nil {
			return i, nil, err
		}
	}
	b.out = buf
	if len(buf) > b.jsSize {
		b.jsSize = max(2*b.jsSize, len(buf), 1<<16)
		b.jsBuf = js.Global().Get("Uint8Array").New(b.jsSize)
	}
	js.CopyBytesToJS(b.jsBuf, buf)
	res := d.host.Call("sql", b.jsBuf)
	if res.Type() == js.TypeString {
		msg := res.String()
		at, text, _ := strings.Cut(msg, ":")
		i, err := strconv.Atoi(at)
		if err != nil || i < 0 {
			i, text = len(stmts)-1, msg
		}
		i = min(i, len(stmts)-1) // reading the last one's rows failed
		return i, nil, errors.New(text)
	}
	n := res.Length()
	if cap(b.in) < n {
		b.in = make([]byte, n)
	}
	js.CopyBytesToGo(b.in[:n], res)
	rows, err := wire.DecodeRows(b.in[:n])
	return len(stmts) - 1, rows, err
}
