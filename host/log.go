// Package logx writes the one-line structured JSON logs every request and
// consumed message produces. Callers must never pass secrets, tokens,
// passwords or record bodies.
package host

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Now is the clock (tests replace it).
var Now = time.Now

// Log writes one JSON line to stdout (workerd forwards it to the logs).
func Log(level, workspace string, fields map[string]any) {
	fields["time"] = Now().UTC().Format(time.RFC3339Nano)
	fields["level"] = level
	if workspace != "" {
		fields["workspace"] = workspace
	}
	b, _ := json.Marshal(fields)
	fmt.Fprintln(os.Stdout, string(b))
}
