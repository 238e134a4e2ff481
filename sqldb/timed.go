package sqldb

import (
	"time"

	"edgecrm/host"
)

// Timed counts the statements run through it and the time they took, for
// Server-Timing and the log line. Deployed, workerd's clock only advances
// across I/O, so inside one synchronous call the times read 0 there; locally
// (wrangler dev) and natively they are real.
type Timed struct {
	DB      DB
	Count   int // statements
	Calls   int // Exec and ExecBatch calls: crossings of the workerd bridge
	Elapsed time.Duration
}

var _ Batcher = (*Timed)(nil)

// Exec runs the statement on the wrapped DB.
func (t *Timed) Exec(query string, args ...any) (*Rows, error) {
	start := time.Now()
	rows, err := t.DB.Exec(query, args...)
	t.Elapsed += time.Since(start)
	t.Count++
	t.Calls++
	return rows, err
}

// ExecBatch runs stmts on the wrapped DB, in one call if it batches, and
// counts each statement.
func (t *Timed) ExecBatch(stmts []host.Statement) (int, error) {
	start := time.Now()
	i, err := execBatch(t.DB, stmts)
	t.Elapsed += time.Since(start)
	t.Calls++
	if t.Count += len(stmts); err != nil {
		t.Count -= len(stmts) - i - 1 // those after the failure did not run
	}
	return i, err
}
