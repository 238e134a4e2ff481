//go:build js && wasm

// Command worker is the Go core compiled to wasm for workerd. It registers
// one synchronous function, globalThis.edgecrmCall(entry, inputJSON, host),
// and then parks; the JS shell (shell.mjs) does all I/O.
package main

import (
	"encoding/json"
	"syscall/js"

	"edgecrm/host/dispatch"
)

func main() {
	js.Global().Set("edgecrmCall", js.FuncOf(call))
	if ready := js.Global().Get("edgecrmReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

// call(entry, input, host) → output JSON. host.sql and host.prepare run
// statements on the calling Durable Object's storage (jsdb.go); host is null
// in the Worker (queue consumer). It never throws: Dispatch recovers panics.
func call(_ js.Value, args []js.Value) any {
	entry, input := args[0].String(), args[1].String()
	var db *jsDB
	if len(args) > 2 && args[2].Truthy() {
		db = &jsDB{host: args[2]}
	}
	var out any
	if db != nil {
		out = dispatch.Dispatch(entry, []byte(input), db)
	} else {
		out = dispatch.Dispatch(entry, []byte(input), nil)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return `{"response":{"status":500,"body":"{\"error\":\"InternalServerErrorException\",\"messages\":[\"output encoding failed\"]}"},"rollback":true}`
	}
	return string(b)
}
