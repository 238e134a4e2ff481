package query

import (
	"strconv"

	"edgecrm/domain"
)

// How far a filtered page walks the order's index before it gives up
// the walk for a scan (boundedWalk): a sixteenth of the table's rows (by
// its highest rowid), and at least walkFloor.
//
// Without statistics SQLite answers a page ordered by an indexed column
// (amount, employees, a select, id) by walking that index and reading the
// row of every entry until the filter has matched a page, whatever the
// filter. When the filter matches few rows on a column no index holds (a
// name, a city), that reads nearly every row at random. A row read at
// random costs about eight to twelve rows of a scan, so a walk of a
// sixteenth of the table costs under a scan, and a page at most about two.
// In a workspace object with 50,000 opportunities (and 100,000 people),
// the SQL of a page of opportunities by amount ascending (Server-Timing
// db), unbounded and bounded: for a name one of them has, 58 and 12 ms;
// for names one in 500 has, 35 and 12 ms; one in 45, 4 and 5 ms (the walk
// fills the page); one in 5, 1 and 1 ms; a scan and sort alone take 6 ms.
// An eighth of the table took the first two to 15 and 17 ms; a
// thirty-second to 9 and 10 ms, but the one in 45 to 10 ms.
//
// Before it walks, the walk counts the filter's matches among the table's
// first probeRows rows (read in order, as a scan reads them) and reads
// nothing when they say it would need more than half its bound to fill
// the page, so that the scan follows at once: for a name one in 50,000
// opportunities has, a probe and a scan instead of a walk and a scan.
const (
	walkFloor = 1000
	walkShare = 16
	probeRows = 512
)

// walksUnboundedIndex reports whether SQLite would answer a page in order
// by walking an index while filtering on columns it cannot seek: the
// order's first column leads an index other than position's (whose order
// is the rows' own, as position follows creation, so its walk reads the
// table in order), its terms all run one way (for amount DESC, id ASC
// SQLite scans and sorts: its index runs one way), and no condition of
// the filter's conjunction is on a column leading an index (then SQLite
// seeks that one, and sorts).
func walksUnboundedIndex(obj *domain.Object, order []orderTerm, tree *fnode) bool {
	if len(order) == 0 || order[0].col == "position" {
		return false
	}
	for _, t := range order {
		if t.desc != order[0].desc {
			return false
		}
	}
	leads := indexLeads(obj)
	if !leads[order[0].col] {
		return false
	}
	filtered, seekable := conjunction(tree, leads)
	return filtered && !seekable
}

// conjunction reports whether n constrains more than the soft-delete rule,
// and whether one of its ANDed conditions can seek an index: an equality,
// IN or range on a column leading one, or a relation filter (its join
// column's IN).
func conjunction(n *fnode, leads map[string]bool) (filtered, seekable bool) {
	if n == nil {
		return false, false
	}
	switch n.op {
	case opLive:
		return false, false
	case opAnd:
		for _, k := range n.kids {
			f, s := conjunction(k, leads)
			filtered, seekable = filtered || f, seekable || s
		}
		return filtered, seekable
	case opRel:
		return true, true
	case opCond:
		switch n.cond.op {
		case "eq", "in", "gt", "gte", "lt", "lte":
			return true, leads[n.cond.col.Name]
		}
	}
	return true, false
}

// boundedWalk is the page as a statement that reads the first rows of
// the order, as many as the bound above, after the cursor (cursor holds
// its conditions), and keeps those the filter (where) matches, in order:
// a page it fills is the page, as no later row comes before them; the
// caller sets the Fallback for a page it leaves short. The outer query has no ORDER BY: its rows
// come from the inner one's co-routine in the inner order, and a sort
// would read every row of the walk before the first came out.
func boundedWalk(table string, where frag, cursor []frag, order []orderTerm, limit, offset int) Select {
	inner := "SELECT * FROM " + quote(table)
	c := andAll(cursor)
	if c.sql != "" {
		inner += " WHERE " + c.sql
	}
	args := append([]any{}, c.args...)
	if len(args)+2*len(where.args) <= MaxParams {
		inner += " ORDER BY " + orderClause(order) + " LIMIT " + walkLimit(table, where, limit+1+offset)
		args = append(args, where.args...)
	} else { // no room for the probe's copy of the filter
		inner += " ORDER BY " + orderClause(order) + " LIMIT " + walkBound(table)
	}
	// The walk takes the table's name: a condition on an array column
	// names its table (json_each("company"."aliases")).
	sql := "SELECT * FROM (" + inner + ") AS " + quote(table) + " WHERE " + where.sql + " LIMIT " + strconv.Itoa(limit+1)
	if offset > 0 {
		sql += " OFFSET " + strconv.Itoa(offset)
	}
	return Select{SQL: sql, Args: nonNil(append(args, where.args...)), Limit: limit}
}

// walkBound is how many rows of the order the walk reads at most.
func walkBound(table string) string {
	return "max(" + strconv.Itoa(walkFloor) + ", (SELECT max(_rowid_) FROM " + quote(table) + ") / " + strconv.Itoa(walkShare) + ")"
}

// walkLimit is the walk's LIMIT with the probe above: the bound when, at
// the rate the filter matches the table's first probeRows rows, need rows
// come within half of it, and 0 otherwise. SQLite evaluates a LIMIT once,
// before the walk's first row.
func walkLimit(table string, where frag, need int) string {
	t := quote(table)
	return "(SELECT CASE WHEN 2 * " + strconv.Itoa(need) + " * min(" + strconv.Itoa(probeRows) + ", \"rows\") <= \"matched\" * \"bound\" THEN \"bound\" ELSE 0 END" +
		" FROM (SELECT COUNT(*) AS \"matched\" FROM (SELECT * FROM " + t + " LIMIT " + strconv.Itoa(probeRows) + ") AS " + t + " WHERE " + where.sql + ")," +
		" (SELECT max(_rowid_) AS \"rows\", " + walkBound(table) + " AS \"bound\" FROM " + t + "))"
}
