package host

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Now is the clock (tests replace it).
var Now = time.Now

// Log writes one JSON line to stdout (workerd forwards it to the logs):
// the one structured line per request or consumed message. Callers must
// never pass secrets, tokens, passwords or record bodies.
func Log(level, workspace string, fields map[string]any) {
	fields["time"] = Now().UTC().Format(time.RFC3339Nano)
	fields["level"] = level
	if workspace != "" {
		fields["workspace"] = workspace
	}
	b, _ := json.Marshal(fields)
	fmt.Fprintln(os.Stdout, string(b))
}
