package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// seed waits (at most a minute) for the server, then fills an empty
// workspace with a few companies and people.
func seed(base, ws string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server at %s did not come up: %v", base, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var list struct {
		TotalCount int `json:"totalCount"`
	}
	if err := request(base, ws, "GET", "/rest/companies", "", &list); err != nil {
		return err
	}
	if list.TotalCount > 0 {
		fmt.Printf("workspace %s already has %d companies; not seeding\n", ws, list.TotalCount)
		return nil
	}
	companies := []struct{ name, domain string }{{"Airbnb", "airbnb.com"}, {"Qonto", "qonto.com"}, {"Stripe", "stripe.com"}}
	people := [][2]string{{"Brian", "Chesky"}, {"Alexandre", "Prot"}, {"Patrick", "Collison"}}
	for i, c := range companies {
		var created struct {
			Data struct {
				CreateCompany struct{ ID string } `json:"createCompany"`
			} `json:"data"`
		}
		body := fmt.Sprintf(`{"name":%q,"domainName":{"primaryLinkUrl":"https://%s"}}`, c.name, c.domain)
		if err := request(base, ws, "POST", "/rest/companies", body, &created); err != nil {
			return err
		}
		p := fmt.Sprintf(`{"name":{"firstName":%q,"lastName":%q},"emails":{"primaryEmail":"%s@%s"},"companyId":%q}`,
			people[i][0], people[i][1], strings.ToLower(people[i][0]), c.domain, created.Data.CreateCompany.ID)
		if err := request(base, ws, "POST", "/rest/people", p, nil); err != nil {
			return err
		}
	}
	fmt.Printf("seeded workspace %s with %d companies and %d people\n", ws, len(companies), len(people))
	return nil
}

func request(base, ws, method, path, body string, out any) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("x-workspace-id", ws)
	req.Header.Set("content-type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
