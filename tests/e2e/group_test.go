package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var groupRE = regexp.MustCompile(`group;dur=[0-9.]+;desc="(\d+) calls"`)

// TestConcurrentCommandsShareACommitEachAtomic: requests that reach a
// workspace object together run as one group (one storage commit), and
// each stays its own transaction: a command that panics after appending,
// in a group with others, leaves nothing behind while the others land.
// Bursts repeat (at most 20) until a failing command shared its group.
func TestConcurrentCommandsShareACommitEachAtomic(t *testing.T) {
	ws := "groups"
	call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"warm"}`)
	token := sessionFor(t, srv.URL, ws).AccessToken
	type answer struct {
		status int
		group  int
		id     string
		panics bool
	}
	shared, burst := false, 0
	for ; burst < 20 && !shared; burst++ {
		before := head(t, srv.URL, ws)
		answers := make([]answer, 12)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				a := &answers[i]
				a.panics = i%4 == 3
				req, _ := http.NewRequest("POST", srv.URL+"/rest/companies", strings.NewReader(fmt.Sprintf(`{"name":"burst %d-%d"}`, burst, i)))
				req.Header.Set("authorization", "Bearer "+token)
				req.Header.Set("content-type", "application/json")
				if a.panics {
					req.Header.Set("x-test-panic", "after-append")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				a.status = resp.StatusCode
				if m := groupRE.FindStringSubmatch(strings.Join(resp.Header.Values("Server-Timing"), ", ")); m != nil {
					a.group, _ = strconv.Atoi(m[1])
				}
				var body struct {
					Data struct {
						CreateCompany struct{ ID string } `json:"createCompany"`
					}
				}
				json.Unmarshal(raw, &body)
				a.id = body.Data.CreateCompany.ID
			}(i)
		}
		wg.Wait()
		landed := 0
		for i, a := range answers {
			switch {
			case a.group < 1:
				t.Fatalf("burst %d, request %d: no group size in Server-Timing", burst, i)
			case a.panics && a.status != 500, !a.panics && (a.status != 201 || a.id == ""):
				t.Fatalf("burst %d, request %d (panics %v): status %d, id %q", burst, i, a.panics, a.status, a.id)
			case a.panics:
				shared = shared || a.group > 1
			default:
				landed++
				if status, m := call(t, srv.URL, "GET", "/rest/companies/"+a.id, ws, nil); status != 200 {
					t.Fatalf("burst %d: created %s is not readable: %d %v", burst, a.id, status, m)
				}
			}
		}
		if got := head(t, srv.URL, ws) - before; got != float64(landed) {
			t.Fatalf("burst %d: the log grew by %v events for %d created records", burst, got, landed)
		}
	}
	if !shared {
		t.Fatal("in 20 bursts of 12 concurrent requests, no failing command shared a group")
	}
	t.Logf("a failing command shared its group within %d burst(s)", burst)
	verifyEventually(t, ws)
}
