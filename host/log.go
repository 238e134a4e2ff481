package host

import (
	"io"
	"os"
	"time"
)

// Now is the clock (tests replace it).
var Now = time.Now

// LogOutput is where Log writes (tests replace it); nil: os.Stdout.
var LogOutput io.Writer

// EnvLogEntries is the var ("true": tests and debugging) that has every
// entry, and every queue batch, log its line.
const EnvLogEntries = "LOG_ENTRIES"

// Log writes one JSON line to stdout (workerd forwards it to the logs):
// see dispatch.logEntry for which entries write one. Callers must
// never pass secrets, tokens, passwords or record bodies.
func Log(level, workspace string, fields map[string]any) {
	fields["time"] = Now().UTC().Format(time.RFC3339Nano)
	fields["level"] = level
	if workspace != "" {
		fields["workspace"] = workspace
	}
	b, _ := AppendJSON(make([]byte, 0, 512), fields) // json.Marshal's bytes
	w := LogOutput
	if w == nil {
		w = os.Stdout
	}
	w.Write(append(b, '\n'))
}
