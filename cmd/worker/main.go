//go:build js && wasm

// Command worker is the Go core compiled to wasm for workerd. It exports
// one synchronous entry, edgecrmCall (with edgecrmInput, below), and then
// parks; the JS shell (shell.mjs) does all I/O.
package main

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"runtime/debug"
	"syscall/js"
	"unsafe"

	"edgecrm/host"
	"edgecrm/host/dispatch"
)

// The GC runs on the isolate's one thread, inside every call. At Go's
// default (GOGC=100 on a heap of a few MB) a bulk load collected about
// once per call (0.78 GCs a call, 12 MB of wasm memory); at 400 it
// collects once in 8 calls with 25-34 MB, and the bulk load ran 15-19%
// faster (tests/bench -only=load -scale=0.2: 1743 → 1995-2081 events/s).
// The soft limit keeps Go's memory well inside the 128 MB isolate its
// objects share (argon2 alone needs 19 MiB): near it the GC runs as often
// as it must.
const (
	gcPercent   = 400
	memoryLimit = 48 << 20
)

func main() {
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(memoryLimit)
	host.LogOutput = consoleLog{js.Global().Get("console")}
	if ready := js.Global().Get("edgecrmReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

// The shell enters Go through two wasm exports, not a js.FuncOf callback:
// a callback is an event that wakes Go's scheduler, switches goroutines
// and is answered through syscall/js values, which cost about 0.13 ms of
// the isolate's CPU a call in place (an interleaved run of two Workers,
// one calling a trivial callback per request, the other a trivial export).
//
// edgecrmInput(n) returns where the shell writes a call's entry name, input
// JSON and request body (UTF-8, at most n bytes in all); edgecrmCall(entry,
// input, body, inObject) takes their byte lengths (body -1: none) and returns where
// the answer is: the output JSON's length (u32), the response body's
// length (i32, -1: none), then both. Bodies cross as plain strings, never
// escaped inside the JSON. inObject is 1 when a Durable Object calls: its
// storage is then the SQL bridge's (jsdb.go). Calls are synchronous, one at
// a time; Dispatch recovers panics.
var in, out []byte

//go:wasmexport edgecrmInput
func input(n int32) unsafe.Pointer {
	if cap(in) < int(n) {
		in = make([]byte, n)
	}
	return unsafe.Pointer(unsafe.SliceData(in[:cap(in)]))
}

//go:wasmexport edgecrmCall
func call(entryLen, inputLen, bodyLen, inObject int32) unsafe.Pointer {
	entry := string(in[:entryLen])
	raw := bytes.Clone(in[entryLen : entryLen+inputLen])
	var body *string
	if bodyLen >= 0 {
		s := string(in[entryLen+inputLen : entryLen+inputLen+bodyLen])
		body = &s
	}
	var o *host.Output
	if inObject == 1 {
		o = dispatch.DispatchBody(entry, raw, body, &jsDB{})
	} else {
		o = dispatch.DispatchBody(entry, raw, body, nil)
	}
	split := o.Response != nil && o.Response.Body != ""
	head := append(out[:0], 0, 0, 0, 0, 0, 0, 0, 0) // the two lengths, written below
	b, err := o.AppendJSON(head, !split)
	if err != nil {
		b = append(head, `{"response":{"status":500,"body":"{\"error\":\"InternalServerErrorException\",\"messages\":[\"output encoding failed\"]}"},"rollback":true}`...)
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)-8))
	bodyOut := -1
	if split && err == nil {
		bodyOut = len(o.Response.Body)
		b = append(b, o.Response.Body...)
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(int32(bodyOut)))
	out = b
	// What a callback's return gave the scheduler: the goroutines the call
	// woke (the GC's workers, syscall/js's finalizers) run now.
	runtime.Gosched()
	return unsafe.Pointer(unsafe.SliceData(out))
}

// consoleLog writes each log line with console.log: os.Stdout in wasm goes
// through wasm_exec's fs.write, a callback and a buffer per line.
type consoleLog struct{ console js.Value }

func (c consoleLog) Write(b []byte) (int, error) {
	n := len(b)
	if n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	c.console.Call("log", string(b))
	return n, nil
}
