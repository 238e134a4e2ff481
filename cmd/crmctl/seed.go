package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"edgecrm/api/client"
	"edgecrm/auth"
)

// The development demo user (make dev). Not a secret: it only exists in a
// local .state.
const (
	demoEmail    = "demo@edgecrm.dev"
	demoPassword = "edgecrm-demo-password"
)

// seed waits (at most a minute) for the server, signs the demo user up (or
// in), fills an empty workspace with a few companies and people, and
// prints how to log in.
func seed(base, email, password string) error {
	if err := waitUp(base); err != nil {
		return err
	}
	c := client.New(base)
	s, err := c.SignUpOrLogin(email, password)
	if err != nil {
		return err
	}
	var list struct {
		TotalCount int `json:"totalCount"`
	}
	if err := request(c, s, "GET", "/rest/companies", "", &list); err != nil {
		return err
	}
	if list.TotalCount == 0 {
		companies := []struct{ name, domain string }{{"Airbnb", "airbnb.com"}, {"Qonto", "qonto.com"}, {"Stripe", "stripe.com"}}
		people := [][2]string{{"Brian", "Chesky"}, {"Alexandre", "Prot"}, {"Patrick", "Collison"}}
		for i, co := range companies {
			var created struct {
				Data struct {
					CreateCompany struct{ ID string } `json:"createCompany"`
				} `json:"data"`
			}
			body := fmt.Sprintf(`{"name":%q,"domainName":{"primaryLinkUrl":"https://%s"}}`, co.name, co.domain)
			if err := request(c, s, "POST", "/rest/companies", body, &created); err != nil {
				return err
			}
			p := fmt.Sprintf(`{"name":{"firstName":%q,"lastName":%q},"emails":{"primaryEmail":"%s@%s"},"companyId":%q}`,
				people[i][0], people[i][1], strings.ToLower(people[i][0]), co.domain, created.Data.CreateCompany.ID)
			if err := request(c, s, "POST", "/rest/people", p, nil); err != nil {
				return err
			}
		}
		fmt.Printf("\nseeded workspace %s with %d companies and %d people\n", s.Workspace, len(companies), len(people))
	}
	fmt.Printf(`
Log in as %s with password %q (workspace %s):
  TOKEN=$(go run ./cmd/crmctl login -url %s -email %s -password '%s')
  curl -s %s/rest/companies -H "authorization: Bearer $TOKEN"
or with Twenty's GraphQL: getLoginTokenFromCredentials, then getAuthTokensFromLoginToken on %s/metadata.
`, email, password, s.Workspace, base, email, password, base, base)
	return nil
}

// login prints an access token for the user.
func login(base, email, password string) error {
	s, err := client.New(base).Login(email, password)
	if err != nil {
		return err
	}
	fmt.Println(s.AccessToken)
	return nil
}

// devkey prints a fresh 2048-bit RSA key as one .dev.vars line.
func devkey(w io.Writer) error {
	pem, err := auth.GenerateKeyPEM(2048)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "JWT_PRIVATE_KEY=\"%s\"\n", strings.ReplaceAll(strings.TrimSpace(string(pem)), "\n", `\n`))
	return err
}

func waitUp(base string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server at %s did not come up: %v", base, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func request(c *client.Client, s *client.Session, method, path, body string, out any) error {
	status, raw, err := c.Do(method, path, s.AccessToken, body)
	if err != nil {
		return err
	}
	if status >= 300 {
		return fmt.Errorf("%s %s: %d: %s", method, path, status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
