//go:build js

package pagebench

import (
	"os"
	"testing"
)

// loadFixture reads the fixture the native TestReplayAnswersAsSQLite wrote.
func loadFixture(tb testing.TB) *fixture { return readFixture(tb, os.Getenv("PAGEBENCH_FIXTURE")) }
