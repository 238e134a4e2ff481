//go:build js && wasm

// Command worker is the Go core compiled to wasm for workerd. It registers
// one synchronous function, globalThis.edgecrmCall(entry, inputJSON, host),
// and then parks; the JS shell (shell.mjs) does all I/O.
package main

import (
	"runtime/debug"
	"syscall/js"

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
	js.Global().Set("edgecrmCall", js.FuncOf(call))
	if ready := js.Global().Get("edgecrmReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

// call(entry, input, host, body) → output JSON, or [output JSON, response
// body] when the response has a body: bodies cross as plain strings both
// ways, never escaped inside the JSON. host.sql and host.prepare run
// statements on the calling Durable Object's storage (jsdb.go); host is null
// in the Worker. body is the request's body, or undefined. It never throws:
// Dispatch recovers panics.
func call(_ js.Value, args []js.Value) any {
	entry, input := args[0].String(), args[1].String()
	var body *string
	if len(args) > 3 && args[3].Type() == js.TypeString {
		s := args[3].String()
		body = &s
	}
	var out *host.Output
	if len(args) > 2 && args[2].Truthy() {
		out = dispatch.DispatchBody(entry, []byte(input), body, &jsDB{host: args[2]})
	} else {
		out = dispatch.DispatchBody(entry, []byte(input), body, nil)
	}
	split := out.Response != nil && out.Response.Body != ""
	b, err := out.AppendJSON(nil, !split)
	if err != nil {
		return `{"response":{"status":500,"body":"{\"error\":\"InternalServerErrorException\",\"messages\":[\"output encoding failed\"]}"},"rollback":true}`
	}
	if split {
		return []any{string(b), out.Response.Body}
	}
	return string(b)
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
