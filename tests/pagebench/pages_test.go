// Package pagebench times reads of pages of records through the core's
// one door (dispatch.Dispatch) with SQLite taken out: the statements'
// rows are recorded once from a native SQLite workspace holding the
// bench's dataset, then replayed, crossing the bridge's binary format
// (wire.DecodeRows) as they do in workerd. So the same benchmark runs
// natively and inside wasm:
//
//	go test ./tests/pagebench -run XXX -bench . -benchmem   (BenchmarkSQLite too)
//	PAGEBENCH_FIXTURE=/tmp/pages.fixture go test ./tests/pagebench -run TestReplayAnswersAsSQLite
//	GOOS=js GOARCH=wasm go test -c -o /tmp/pagebench.wasm ./tests/pagebench
//	cd tests/pagebench && PAGEBENCH_FIXTURE=/tmp/pages.fixture \
//	  $(go env GOROOT)/lib/wasm/go_js_wasm_exec /tmp/pagebench.wasm -test.run XXX -test.bench Replay -test.benchmem -test.benchtime=20x
//
// (the wasm binary reads ../js/twenty-front, hence the cd). A fixture
// replays only the statements it recorded: PAGEBENCH_REPLAY=<fixture>
// replays an older one natively, and PAGEBENCH_ANSWERS=<dir> with
// PAGEBENCH_COMPARE=<dir> checks that answers stay byte for byte the same.
package pagebench

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"edgecrm/auth"
	"edgecrm/host"
	"edgecrm/host/dispatch"
	"edgecrm/sqldb"
	"edgecrm/sqldb/wire"
)

const ws = "pages"

// page is one request of the benchmark.
type page struct {
	name string
	req  host.Request
}

func frontDoc(name string) string {
	b, err := os.ReadFile("../js/twenty-front/records/" + name + ".graphql")
	if err != nil {
		panic(err)
	}
	return string(b)
}

func gqlReq(query string, vars map[string]any) host.Request {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return host.Request{Method: "POST", Path: "/graphql", Body: string(body), Headers: map[string]string{"content-type": "application/json"}}
}

// pages are the requests timed: twenty-front's record table queries (all
// of Twenty's usual fields, with the to-many relations' edges), a nested
// read, a search and a REST list.
func pages(companyID, personID string) []page {
	return append([]page{
		{"companies-front-60", gqlReq(frontDoc("FindManyCompanies"), map[string]any{
			"limit": 60, "orderBy": []any{map[string]any{"position": "AscNullsFirst"}}})},
		{"people-front-city-60", gqlReq(frontDoc("FindManyPeople"), map[string]any{
			"limit": 60, "filter": map[string]any{"city": map[string]any{"eq": "Paris"}},
			"orderBy": []any{map[string]any{"name": map[string]any{"lastName": "AscNullsLast"}}}})},
		{"people-with-company-60", gqlReq(`query { people(orderBy: [{ position: AscNullsFirst }], first: 60) { totalCount edges { cursor node { id name { firstName lastName } emails { primaryEmail additionalEmails } city jobTitle createdAt companyId company { id name employees domainName { primaryLinkUrl } } } } pageInfo { hasNextPage endCursor } } }`, nil)},
		{"person-company-people", gqlReq(`query($id: UUID!) { person(filter: { id: { eq: $id } }) { id name { firstName lastName } emails { primaryEmail } city jobTitle companyId company { id name employees domainName { primaryLinkUrl } people(first: 5) { edges { node { id name { firstName lastName } } } } } } }`,
			map[string]any{"id": personID})},
		{"search", gqlReq(`query($q: String!) { search(searchInput: $q, limit: 20) { edges { node { recordId objectNameSingular label imageUrl } cursor } pageInfo { endCursor hasNextPage } } }`,
			map[string]any{"q": "Anna"})},
		{"rest-companies-60", host.Request{Method: "GET", Path: "/rest/companies", Query: "limit=60&order_by=position", Headers: map[string]string{}}},
		{"rest-people-of-company", host.Request{Method: "GET", Path: "/rest/people", Query: "filter=companyId[eq]:" + companyID, Headers: map[string]string{}}},
		{"company-by-id", gqlReq(`query($id: UUID!) { company(filter: { id: { eq: $id } }) { id name employees domainName { primaryLinkUrl } } }`, map[string]any{"id": companyID})},
		{"rest-company-by-id", host.Request{Method: "GET", Path: "/rest/companies/" + companyID, Headers: map[string]string{}}},
	}, benchOps()...)
}

// benchOps are reads of tests/bench's comparison with PostgreSQL, as it
// sends them (one value each).
func benchOps() []page {
	const (
		person = `id name { firstName lastName } emails { primaryEmail } city jobTitle companyId`
		opp    = `id name stage amount { amountMicros currencyCode } closeDate companyId pointOfContactId`
		comp   = `id name employees domainName { primaryLinkUrl }`
	)
	search := `query($q: String!) { search(searchInput: $q, limit: 20) { edges { node { recordId objectNameSingular label } cursor } pageInfo { endCursor hasNextPage } } }`
	q := func(name, doc string, vars map[string]any) page { return page{name, gqlReq(doc, vars)} }
	cursor := base64.StdEncoding.EncodeToString([]byte(`{"amountAmountMicros":500000000000,"id":"80000000-0000-4000-8000-000000000000"}`))
	return []page{
		q("search-engineer", search, map[string]any{"q": "engineer"}),
		q("search-anna", search, map[string]any{"q": "anna"}),
		q("search-an", search, map[string]any{"q": "an"}),
		q("search-acme", search, map[string]any{"q": "acme"}),
		q("search-anna-smith", search, map[string]any{"q": "anna smith"}),
		q("search-deal-12", search, map[string]any{"q": "deal 12"}),
		q("opps-stage-amount", `query($stage: OpportunityStageEnum) { opportunities(filter: { stage: { eq: $stage } }, orderBy: [{ amount: { amountMicros: DescNullsLast } }], first: 60) { edges { node { `+opp+` } } } }`,
			map[string]any{"stage": "MEETING"}),
		q("opps-stage-amount-later", `query($stage: OpportunityStageEnum, $after: String) { opportunities(filter: { stage: { eq: $stage } }, orderBy: [{ amount: { amountMicros: DescNullsLast } }], first: 60, after: $after) { edges { node { `+opp+` } } } }`,
			map[string]any{"stage": "MEETING", "after": cursor}),
		q("count-opps-stage", `query($stage: OpportunityStageEnum) { opportunities(filter: { stage: { eq: $stage } }) { totalCount } }`, map[string]any{"stage": "MEETING"}),
		q("count-opps-amount", `query($m: BigFloat) { opportunities(filter: { amount: { amountMicros: { gte: $m } } }) { totalCount } }`, map[string]any{"m": 500_000_000_000}),
		q("companies-employees", `query($e: Float) { companies(filter: { employees: { gt: $e } }, orderBy: [{ employees: DescNullsLast }], first: 60) { edges { node { `+comp+` } } } }`,
			map[string]any{"e": 7000}),
		q("companies-name-prefix", `query($n: String) { companies(filter: { name: { ilike: $n } }, orderBy: [{ name: AscNullsFirst }], first: 60) { edges { node { `+comp+` } } } }`,
			map[string]any{"n": "Acme%"}),
		q("count-tasks-status", `query($status: TaskStatusEnum) { tasks(filter: { status: { eq: $status } }) { totalCount } }`, map[string]any{"status": "DONE"}),
		q("people-city-lastname", `query($city: String) { people(filter: { city: { eq: $city } }, orderBy: [{ name: { lastName: AscNullsLast } }], first: 60) { edges { node { `+person+` } } } }`,
			map[string]any{"city": "Lisbon"}),
		q("people-job-firstname", `query($j: String) { people(filter: { jobTitle: { eq: $j } }, orderBy: [{ name: { firstName: AscNullsFirst } }], first: 60) { edges { node { `+person+` } } } }`,
			map[string]any{"j": "Engineer"}),
		q("people-two-cities", `query($a: String, $b: String) { people(filter: { or: [{ city: { eq: $a } }, { city: { eq: $b } }] }, orderBy: [{ name: { firstName: DescNullsLast } }], first: 60) { edges { node { `+person+` } } } }`,
			map[string]any{"a": "Oslo", "b": "Pune"}),
		q("count-people-city", `query($city: String) { people(filter: { city: { eq: $city } }) { totalCount } }`, map[string]any{"city": "Lima"}),
	}
}

// input is the core's input for req, as the native host sends it (an
// admin caller, trusted by the edge).
func input(req host.Request) []byte {
	req.Workspace = ws
	h := map[string]string{}
	for k, v := range req.Headers {
		h[k] = v
	}
	h[auth.PrincipalHeader] = auth.Principal{Kind: auth.KindAdmin}.Header()
	req.Headers = h
	raw, _ := json.Marshal(dispatch.Input{Workspace: ws, Request: &req})
	return raw
}

// fixture is what the replay needs: the statements' answers in the
// bridge's format, and the requests.
type fixture struct {
	Answers   map[string][]byte // key(sql, args) → rows (wire)
	Errors    map[string]string
	CompanyID string
	PersonID  string
}

func key(sql string, args []any) string {
	var b strings.Builder
	b.WriteString(sql)
	for _, a := range args {
		fmt.Fprintf(&b, "\x00%T:%v", a, a)
	}
	return b.String()
}

// replayDB answers statements from a fixture.
type replayDB struct{ f *fixture }

func (d replayDB) Exec(sql string, args ...any) (*sqldb.Rows, error) {
	k := key(sql, args)
	if msg, ok := d.f.Errors[k]; ok {
		return nil, fmt.Errorf("%s", msg)
	}
	b, ok := d.f.Answers[k]
	if !ok {
		return nil, fmt.Errorf("pagebench: statement not recorded: %.300q", k)
	}
	return wire.DecodeRows(b)
}

// encodeRows writes rows as the shell does (wire's rows format).
func encodeRows(r *sqldb.Rows) []byte {
	var b []byte
	num := func(tag byte, f float64) {
		b = append(b, tag)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	text := func(tag byte, s string) {
		b = append(b, tag)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	var cols []string
	var vals [][]any
	if r != nil {
		cols, vals = r.Columns, r.Values
	}
	num(wire.TagInt, float64(len(cols)))
	num(wire.TagInt, float64(len(vals)))
	for _, c := range cols {
		text(wire.TagText, c)
	}
	for _, row := range vals {
		for _, v := range row {
			switch x := v.(type) {
			case nil:
				b = append(b, wire.TagNull)
			case int64:
				num(wire.TagInt, float64(x))
			case float64:
				if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
					num(wire.TagInt, x)
				} else {
					num(wire.TagFloat, x)
				}
			case string:
				text(wire.TagText, x)
			case []byte:
				text(wire.TagBlob, string(x))
			default:
				panic(fmt.Sprintf("pagebench: value %T", v))
			}
		}
	}
	return b
}

func (f *fixture) encode() []byte {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(f); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func decodeFixture(b []byte) (*fixture, error) {
	var f fixture
	err := gob.NewDecoder(bytes.NewReader(b)).Decode(&f)
	return &f, err
}

// run serves one request on db and checks it answered 200 without errors.
func run(tb testing.TB, db sqldb.DB, p page, raw []byte) *host.Response {
	out := dispatch.Dispatch("fetch", raw, db)
	r := out.Response
	if r == nil || r.Status != 200 || strings.Contains(r.Body, `"errors":[`) {
		tb.Fatalf("%s: %v", p.name, r)
	}
	return r
}

// BenchmarkReplay serves each page on the replayed statements: the Go
// work of the request, without SQLite.
func BenchmarkReplay(b *testing.B) {
	f := loadFixture(b)
	db := replayDB{f}
	dispatch.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	defer func() { dispatch.Now = time.Now }()
	// Warm up first: inside wasm, V8 runs a function on baseline code
	// until it is hot enough to be optimised, and the isolate's caches
	// fill; the timed runs see the steady state of a long-lived object.
	for i := 0; i < 20; i++ {
		for _, p := range pages(f.CompanyID, f.PersonID) {
			run(b, db, p, input(p.req))
		}
	}
	for _, p := range pages(f.CompanyID, f.PersonID) {
		raw := input(p.req)
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				run(b, db, p, raw)
			}
		})
	}
}

func readFixture(tb testing.TB, path string) *fixture {
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := decodeFixture(b)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// TestReplayAnswersAsBefore: with PAGEBENCH_COMPARE set to a directory of
// answers (PAGEBENCH_ANSWERS of an earlier run, on the same fixture), the
// replay answers each page byte for byte as then.
func TestReplayAnswersAsBefore(t *testing.T) {
	dir := os.Getenv("PAGEBENCH_COMPARE")
	if dir == "" {
		t.Skip("PAGEBENCH_COMPARE is not set")
	}
	f := loadFixture(t)
	dispatch.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	defer func() { dispatch.Now = time.Now }()
	for _, p := range pages(f.CompanyID, f.PersonID) {
		want, err := os.ReadFile(dir + "/" + p.name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if got := run(t, replayDB{f}, p, input(p.req)); got.Body != string(want) {
			os.WriteFile(dir+"/"+p.name+".got.json", []byte(got.Body), 0o644)
			t.Errorf("%s: the answer changed (written beside it as .got.json)", p.name)
		}
	}
}
