package native_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"edgecrm/host"
	"edgecrm/host/native"
)

// crossAPICases create then update one record of every standard object,
// with every field type each carries, given in the loosest forms the APIs
// accept: numbers as integers, decimals and numeric strings, date-times in
// several RFC 3339 layouts, position keywords, composite fields in part.
// Later cases point at earlier ones (relations must exist).
var crossAPICases = []struct {
	object, plural string
	id             string
	create, update string
}{
	{"workspaceMember", "workspaceMembers", xid(1),
		`{"name":{"firstName":"Ada","lastName":"Lovelace"},"userId":"` + xid(100) + `","userEmail":"ada@example.com",
		  "calendarStartDay":1,"dateFormat":"DAY_FIRST","timeFormat":"HOUR_24","locale":"fr","colorScheme":"Dark","position":"first"}`,
		`{"calendarStartDay":1.0,"numberFormat":"COMMAS_AND_DOT","name":{"lastName":"King"},"avatarUrl":null,"position":"last"}`},
	{"company", "companies", xid(2),
		`{"name":"Acme","employees":12,"idealCustomerProfile":true,"accountOwnerId":"` + xid(1) + `","position":"last",
		  "domainName":{"primaryLinkUrl":"https://acme.com","primaryLinkLabel":"Acme","secondaryLinks":[{"url":"acme.io","label":"io"}]},
		  "linkedinLink":{"primaryLinkUrl":"linkedin.com/company/acme"},"xLink":{"primaryLinkUrl":"x.com/acme","secondaryLinks":null},
		  "annualRecurringRevenue":{"amountMicros":1500000000000,"currencyCode":"EUR"},
		  "address":{"addressStreet1":"1 Main St","addressCity":"Paris","addressPostcode":"75001","addressCountry":"France","addressLat":48.85,"addressLng":2}}`,
		`{"employees":12.5,"idealCustomerProfile":false,"position":"first","annualRecurringRevenue":{"amountMicros":"2500000000000"},
		  "address":{"addressLat":"48.8566","addressLng":2.35},"domainName":{"secondaryLinks":[]}}`},
	{"company", "companies", xid(3),
		`{"name":"Beta","employees":1e3,"position":"first","annualRecurringRevenue":{"amountMicros":2.5e12,"currencyCode":"USD"}}`,
		`{"employees":7,"position":3,"accountOwnerId":null}`},
	{"person", "people", xid(4),
		`{"name":{"firstName":"Grace","lastName":"Hopper"},"emails":{"primaryEmail":"grace@acme.com","additionalEmails":["g@acme.io"]},
		  "phones":{"primaryPhoneNumber":"612345678","primaryPhoneCountryCode":"FR","primaryPhoneCallingCode":"+33",
		            "additionalPhones":[{"number":"700000000","countryCode":"GB","callingCode":"+44"}]},
		  "linkedinLink":{"primaryLinkUrl":"linkedin.com/in/grace"},"xLink":{"primaryLinkLabel":"@grace"},
		  "jobTitle":"Admiral","city":"Arlington","avatarUrl":"https://img/x.png","companyId":"` + xid(2) + `","position":"last"}`,
		`{"name":{"firstName":"Amazing Grace"},"emails":{"additionalEmails":null},"city":"New York","position":"first","companyId":"` + xid(3) + `"}`},
	{"opportunity", "opportunities", xid(5),
		`{"name":"Big deal","amount":{"amountMicros":"12000000","currencyCode":"JPY"},"closeDate":"2024-03-01T10:00:00+02:00",
		  "stage":"MEETING","pointOfContactId":"` + xid(4) + `","companyId":"` + xid(2) + `","ownerId":"` + xid(1) + `","position":"first"}`,
		`{"closeDate":"2024-03-01T08:00:00.123456Z","stage":"PROPOSAL","amount":{"amountMicros":13000000.0},"position":"last"}`},
	{"note", "notes", xid(6),
		`{"title":"Call notes","bodyV2":{"blocknote":"[{\"type\":\"paragraph\"}]","markdown":"# Call"},"position":"last"}`,
		`{"bodyV2":{"markdown":"# Call, again"},"position":0.5}`},
	{"task", "tasks", xid(7),
		`{"title":"Follow up","dueAt":"2024-05-05T12:00:00Z","status":"IN_PROGRESS","assigneeId":"` + xid(1) + `",
		  "bodyV2":{"markdown":"- [ ] ring"},"position":"first"}`,
		`{"dueAt":"2024-05-05T14:00:00.5+02:00","status":"DONE","position":"first"}`},
	{"noteTarget", "noteTargets", xid(8),
		`{"noteId":"` + xid(6) + `","personId":"` + xid(4) + `","position":"last"}`,
		`{"companyId":"` + xid(2) + `","personId":null}`},
	{"taskTarget", "taskTargets", xid(9),
		`{"taskId":"` + xid(7) + `","opportunityId":"` + xid(5) + `"}`,
		`{"companyId":"` + xid(3) + `","position":"first"}`},
	{"attachment", "attachments", xid(10),
		`{"name":"deck.pdf","fullPath":"attachment/deck.pdf","fileCategory":"PRESENTATION","companyId":"` + xid(2) + `",
		  "noteId":"` + xid(6) + `","position":"last"}`,
		`{"fileCategory":"TEXT_DOCUMENT","taskId":"` + xid(7) + `","noteId":null,"position":"last"}`},
	{"timelineActivity", "timelineActivities", xid(11),
		`{"happensAt":"2024-01-31T09:30:00.000Z","name":"company.updated","targetCompanyId":"` + xid(2) + `",
		  "workspaceMemberId":"` + xid(1) + `","linkedRecordId":"` + xid(4) + `","linkedObjectMetadataId":"` + xid(101) + `",
		  "linkedRecordCachedName":"Acme","properties":{"diff":{"employees":{"before":1,"after":12.0}},"tags":["a",1.5,true,null]}}`,
		`{"happensAt":"2024-01-31T04:30:00-05:00","properties":{"n":10,"big":12345678901234567890,"x":-0.25}}`},
	{"favorite", "favorites", xid(12),
		`{"forWorkspaceMemberId":"` + xid(1) + `","companyId":"` + xid(2) + `","viewId":"` + xid(102) + `","position":"last"}`,
		`{"position":"first","companyId":null,"personId":"` + xid(4) + `"}`},
	{"favorite", "favorites", xid(13),
		`{"forWorkspaceMemberId":"` + xid(1) + `","taskId":"` + xid(7) + `","position":2}`,
		`{"position":"last"}`},
}

func xid(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// TestSameCommandSameEventOverRESTAndGraphQL sends every case through REST
// into one workspace, through GraphQL with variables into another and with
// inline literals into a third, then compares the events they appended: same types, same payloads byte for byte (each
// payload re-encoded with sorted map keys, since msgpack keeps Go's random
// map order; value types are kept, so 12 and 12.0 still differ).
func TestSameCommandSameEventOverRESTAndGraphQL(t *testing.T) {
	h := native.MustNew(t)
	const viaREST, viaGraphQL, viaLiterals = "via-rest", "via-graphql", "via-graphql-literals"
	for _, c := range crossAPICases {
		restFetch(t, h, viaREST, "POST", "/rest/"+c.plural, withID(t, c.create, c.id), 201)
		restFetch(t, h, viaREST, "PATCH", "/rest/"+c.plural+"/"+c.id, c.update, 200)

		typ := strings.ToUpper(c.object[:1]) + c.object[1:]
		gqlFetch(t, h, viaGraphQL, fmt.Sprintf(`mutation($data: %sCreateInput!) { create%s(data: $data) { id } }`, typ, typ),
			`{"data":`+withID(t, c.create, c.id)+`}`)
		gqlFetch(t, h, viaGraphQL, fmt.Sprintf(`mutation($id: UUID!, $data: %sUpdateInput!) { update%s(id: $id, data: $data) { id } }`, typ, typ),
			`{"id":"`+c.id+`","data":`+c.update+`}`)

		gqlFetch(t, h, viaLiterals, fmt.Sprintf(`mutation { create%s(data: %s) { id } }`, typ, gqlLiteral(t, withID(t, c.create, c.id))), `{}`)
		gqlFetch(t, h, viaLiterals, fmt.Sprintf(`mutation { update%s(id: "%s", data: %s) { id } }`, typ, c.id, gqlLiteral(t, c.update)), `{}`)
	}
	want := recordEvents(t, h, viaREST)
	if len(want) != 2*len(crossAPICases) {
		t.Fatalf("appended %d events over REST, want %d", len(want), 2*len(crossAPICases))
	}
	for _, via := range []string{viaGraphQL, viaLiterals} {
		got := recordEvents(t, h, via)
		if len(got) != len(want) {
			t.Fatalf("appended %d events %s, want %d as over REST", len(got), via, len(want))
		}
		for i := range want {
			r, g := want[i], got[i]
			if r.typ != g.typ || !bytes.Equal(r.payload, g.payload) {
				t.Errorf("event %d (%s %s):\n REST %s %s\n %s %s %s", i, crossAPICases[i/2].object, []string{"create", "update"}[i%2],
					r.typ, r.text, via, g.typ, g.text)
			}
		}
	}
}

// enumFields are the SELECT fields of the cases: GraphQL literals give
// their values as bare enum names.
var enumFields = map[string]bool{"stage": true, "status": true, "fileCategory": true, "dateFormat": true, "timeFormat": true, "numberFormat": true}

// gqlLiteral writes a JSON object as a GraphQL input literal, numbers as
// written (an integer past int64 as a Float: an Int literal cannot hold it).
func gqlLiteral(t *testing.T, body string) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var write func(key string, v any)
	write = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			b.WriteString("{")
			for k, e := range x {
				b.WriteString(k + ": ")
				write(k, e)
				b.WriteString(" ")
			}
			b.WriteString("}")
		case []any:
			b.WriteString("[")
			for _, e := range x {
				write("", e)
				b.WriteString(" ")
			}
			b.WriteString("]")
		case string:
			if enumFields[key] {
				b.WriteString(x)
				return
			}
			q, _ := json.Marshal(x)
			b.Write(q)
		case nil:
			b.WriteString("null")
		case json.Number:
			b.WriteString(string(x))
			if _, err := x.Int64(); err != nil && !strings.ContainsAny(string(x), ".eE") {
				b.WriteString(".0") // past Int's range a literal must be a Float
			}
		default: // bool
			fmt.Fprint(&b, x)
		}
	}
	write("", v)
	return b.String()
}

func withID(t *testing.T, body, id string) string {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("case body %s: %v", body, err)
	}
	m["id"] = id
	b, _ := json.Marshal(m)
	return string(b)
}

func restFetch(t *testing.T, h *native.Host, ws, method, path, body string, want int) {
	t.Helper()
	resp, err := h.Fetch(ws, host.Request{Method: method, Path: path, Body: body})
	if err != nil || resp.Status != want {
		t.Fatalf("REST %s %s %s: %v %v", method, path, body, resp, err)
	}
}

func gqlFetch(t *testing.T, h *native.Host, ws, query, variables string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": json.RawMessage(variables)})
	resp, err := h.Fetch(ws, host.Request{Method: "POST", Path: "/graphql", Body: string(body),
		Headers: map[string]string{"content-type": "application/json"}})
	if err != nil || resp.Status != 200 || strings.Contains(resp.Body, `"errors"`) {
		t.Fatalf("GraphQL %s %s: %v %v", query, variables, resp, err)
	}
}

type loggedEvent struct {
	typ     string
	payload []byte // canonical msgpack: map keys sorted
	text    string // for failure messages
}

// recordEvents returns workspace ws's record events (metadata events and
// the seed left out), in log order, their payloads canonically re-encoded.
func recordEvents(t *testing.T, h *native.Host, ws string) []loggedEvent {
	t.Helper()
	db, err := h.Object(ws)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Exec(`SELECT type, payload FROM _events WHERE command_id <> 'seed' AND type NOT LIKE 'object.%' AND type NOT LIKE 'field.%' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var out []loggedEvent
	for _, r := range rows.Values {
		raw, _ := r[1].([]byte)
		var v any
		if err := msgpack.Unmarshal(raw, &v); err != nil {
			t.Fatalf("decode %s payload: %v", r[0], err)
		}
		var buf bytes.Buffer
		enc := msgpack.NewEncoder(&buf)
		enc.SetSortMapKeys(true)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		out = append(out, loggedEvent{typ: r[0].(string), payload: buf.Bytes(), text: fmt.Sprintf("%#v", v)})
	}
	return out
}
