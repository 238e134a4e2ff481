package projections

// SetRankedSearch turns the ranked search path on or off and returns the
// previous setting.
func SetRankedSearch(on bool) bool { old := rankedSearch; rankedSearch = on; return old }
