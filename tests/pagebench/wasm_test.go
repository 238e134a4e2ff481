//go:build js

package pagebench

import (
	"os"
	"testing"
)

// loadFixture reads the fixture the native TestReplayAnswersAsSQLite wrote.
func loadFixture(tb testing.TB) *fixture {
	b, err := os.ReadFile(os.Getenv("PAGEBENCH_FIXTURE"))
	if err != nil {
		tb.Fatal(err)
	}
	f, err := decodeFixture(b)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}
