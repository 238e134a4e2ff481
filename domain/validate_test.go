package domain

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

const (
	testUUID  = "20202020-b374-4779-a561-80086cb2e17f"
	testUUID2 = "6f0b6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
)

// validationSchema is the standard objects plus a custom object exercising
// the field types the standard objects lack.
func validationSchema() *Schema {
	objs := StandardObjects()
	house := &Object{NameSingular: "house", NamePlural: "houses", LabelSingular: "House", LabelPlural: "Houses",
		IsCustom: true, IsActive: true, LabelIdentifier: "code",
		Fields: append(SystemFields(),
			&Field{Name: "rating", Label: "Rating", Type: TypeRating, IsNullable: true},
			&Field{Name: "tags", Label: "Tags", Type: TypeMultiSelect, IsNullable: true,
				Options: []SelectOption{{Value: "A", Label: "A"}, {Value: "B", Label: "B", Position: 1}}},
			&Field{Name: "builtOn", Label: "Built on", Type: TypeDate, IsNullable: true},
			&Field{Name: "price", Label: "Price", Type: TypeNumeric, IsNullable: true},
			&Field{Name: "keywords", Label: "Keywords", Type: TypeArray, IsNullable: true},
			&Field{Name: "code", Label: "Code", Type: TypeText, IsNullable: true, MaxLength: 5},
			&Field{Name: "rooms", Label: "Rooms", Type: TypeNumber},
			&Field{Name: "owner", Label: "Owner", Type: TypeRelation,
				Relation: &Relation{Type: ManyToOne, TargetObject: "person", TargetField: "houses", OnDelete: OnDeleteCascade}},
		)}
	AssignIDs(house)
	return &Schema{Objects: append(objs, house)}
}

func TestValidateData(t *testing.T) {
	long := strings.Repeat("é", DefaultTextMaxLength)
	houseOK := func(extra map[string]any) map[string]any {
		m := map[string]any{"rooms": 3, "ownerId": testUUID}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name   string
		object string
		data   map[string]any
		create bool
		rule   string // "" = accepted
		field  string // expected ValidationError.Field
		inMsg  string // the message must contain this (defaults to field)
	}{
		// accepted
		{name: "company full", object: "company", create: true, data: map[string]any{
			"id": testUUID, "position": 1.5, "name": "Acme",
			"domainName": map[string]any{"primaryLinkUrl": "acme.com", "primaryLinkLabel": "",
				"secondaryLinks": []any{map[string]any{"url": "https://acme.io/jobs?x=1#top", "label": "Jobs"}}},
			"employees":              42,
			"linkedinLink":           map[string]any{"primaryLinkUrl": "https://www.linkedin.com/company/acme"},
			"annualRecurringRevenue": map[string]any{"amountMicros": 1e12, "currencyCode": "EUR"},
			"address": map[string]any{"addressStreet1": "1 rue de Rivoli", "addressCity": "Paris",
				"addressCountry": "France", "addressLat": 48.86, "addressLng": 2.35},
			"idealCustomerProfile": true,
			"accountOwnerId":       testUUID2,
		}},
		{name: "company empty create", object: "company", create: true, data: map[string]any{}},
		{name: "person full", object: "person", create: true, data: map[string]any{
			"name":   map[string]any{"firstName": "Ada", "lastName": "Lovelace"},
			"emails": map[string]any{"primaryEmail": "ada@example.com", "additionalEmails": []any{"ada.l@math.co.uk", "x+tag@sub.ex-ample.io"}},
			"phones": map[string]any{"primaryPhoneNumber": "612345678", "primaryPhoneCountryCode": "FR",
				"primaryPhoneCallingCode": "+33",
				"additionalPhones":        []any{map[string]any{"number": "5550100", "countryCode": "US", "callingCode": "+1"}}},
			"jobTitle": "Engineer", "city": "London", "avatarUrl": "https://img/x.png", "companyId": testUUID,
		}},
		{name: "partial composite update", object: "person", data: map[string]any{"name": map[string]any{"firstName": "A"}}},
		{name: "nulls on nullable fields", object: "person", data: map[string]any{
			"jobTitle": nil, "companyId": nil, "emails": nil, "position": nil}},
		{name: "null subfields", object: "person", data: map[string]any{
			"emails": map[string]any{"primaryEmail": nil, "additionalEmails": nil}}},
		{name: "empty email, link and currency", object: "opportunity", data: map[string]any{
			"amount": map[string]any{"amountMicros": nil, "currencyCode": ""}}},
		{name: "empty email", object: "person", data: map[string]any{"emails": map[string]any{"primaryEmail": ""}}},
		{name: "empty link", object: "company", data: map[string]any{"domainName": map[string]any{"primaryLinkUrl": ""}}},
		{name: "bare domain with www", object: "company", data: map[string]any{"domainName": map[string]any{"primaryLinkUrl": "www.acme.co.uk"}}},
		{name: "url with port", object: "company", data: map[string]any{"xLink": map[string]any{"primaryLinkUrl": "http://localhost:3000/x"}}},
		{name: "url with path", object: "company", data: map[string]any{"xLink": map[string]any{"primaryLinkUrl": "x.com/acme"}}},
		{name: "amountMicros as string", object: "opportunity", data: map[string]any{
			"amount": map[string]any{"amountMicros": "125000000000", "currencyCode": "JPY"}}},
		{name: "position first", object: "task", create: true, data: map[string]any{"position": "first"}},
		{name: "date-time with fraction and offset", object: "opportunity", data: map[string]any{"closeDate": "2024-01-31T09:30:00.123+02:00"}},
		{name: "date-time Z", object: "task", data: map[string]any{"dueAt": "2024-01-31T09:30:00.000Z"}},
		{name: "select", object: "opportunity", data: map[string]any{"stage": "PROPOSAL"}},
		{name: "nullable select null", object: "task", data: map[string]any{"status": nil}},
		{name: "rich text", object: "note", create: true, data: map[string]any{
			"title": "n", "bodyV2": map[string]any{"blocknote": "[]", "markdown": "# hi"}}},
		{name: "text at limit", object: "company", data: map[string]any{"name": long}},
		{name: "raw json", object: "timelineActivity", create: true, data: map[string]any{
			"name": "company.updated", "properties": map[string]any{"diff": []any{1, "x"}}, "linkedRecordId": testUUID}},
		{name: "workspace member", object: "workspaceMember", create: true, data: map[string]any{
			"userId": testUUID, "name": map[string]any{"firstName": "Tim"}, "userEmail": "tim@apple.dev", "dateFormat": "DAY_FIRST"}},
		{name: "custom types", object: "house", create: true, data: houseOK(map[string]any{
			"rating": "RATING_5", "tags": []any{"A", "B"}, "builtOn": "1999-12-31", "price": "12.50",
			"keywords": []string{"a", "b"}, "code": "ABCDE"})},
		{name: "typed go values", object: "house", create: true, data: map[string]any{
			"rooms": int64(2), "ownerId": testUUID, "tags": []string{"A"}, "price": float32(1.5)}},

		// unknown field / subfield
		{name: "unknown field", object: "company", data: map[string]any{"foo": 1}, rule: RuleUnknownField, field: "foo"},
		{name: "unknown subfield", object: "person", data: map[string]any{"name": map[string]any{"middleName": "x"}},
			rule: RuleUnknownField, field: "name", inMsg: "name.middleName"},
		{name: "unknown secondary link key", object: "company", data: map[string]any{"domainName": map[string]any{
			"secondaryLinks": []any{map[string]any{"href": "acme.com"}}}}, rule: RuleUnknownField, field: "domainName", inMsg: "secondaryLinks[0].href"},
		{name: "relation by object name", object: "person", data: map[string]any{"company": testUUID},
			rule: RuleUnknownField, field: "company", inMsg: "companyId"},
		{name: "one-to-many side", object: "company", data: map[string]any{"people": []any{}},
			rule: RuleUnknownField, field: "people"},
		{name: "unknown field on create", object: "note", create: true, data: map[string]any{"body": "x"},
			rule: RuleUnknownField, field: "body"},

		// system fields
		{name: "createdAt", object: "company", create: true, data: map[string]any{"createdAt": "2024-01-01T00:00:00Z"},
			rule: RuleReadOnly, field: "createdAt"},
		{name: "updatedAt", object: "company", data: map[string]any{"updatedAt": "2024-01-01T00:00:00Z"},
			rule: RuleReadOnly, field: "updatedAt"},
		{name: "deletedAt", object: "company", data: map[string]any{"deletedAt": nil}, rule: RuleReadOnly, field: "deletedAt"},
		{name: "createdBy", object: "company", create: true, data: map[string]any{"createdBy": map[string]any{"source": "API"}},
			rule: RuleReadOnly, field: "createdBy"},
		{name: "updatedBy", object: "person", data: map[string]any{"updatedBy": map[string]any{"source": "API"}},
			rule: RuleReadOnly, field: "updatedBy"},
		{name: "id on update", object: "company", data: map[string]any{"id": testUUID}, rule: RuleReadOnly, field: "id"},
		{name: "id on create not uuid", object: "company", create: true, data: map[string]any{"id": "42"}, rule: RuleUUID, field: "id"},
		{name: "position not a number", object: "company", data: map[string]any{"position": "middle"}, rule: RuleType, field: "position"},

		// type mismatch
		{name: "text given number", object: "company", data: map[string]any{"name": 5}, rule: RuleType, field: "name"},
		{name: "number given string", object: "company", data: map[string]any{"employees": "10"}, rule: RuleType, field: "employees"},
		{name: "boolean given string", object: "company", data: map[string]any{"idealCustomerProfile": "yes"},
			rule: RuleType, field: "idealCustomerProfile"},
		{name: "composite given string", object: "person", data: map[string]any{"name": "Ada"}, rule: RuleType, field: "name"},
		{name: "subfield given number", object: "person", data: map[string]any{"name": map[string]any{"firstName": 1}},
			rule: RuleType, field: "name", inMsg: "name.firstName"},
		{name: "additionalEmails not array", object: "person", data: map[string]any{"emails": map[string]any{"additionalEmails": "a@b.co"}},
			rule: RuleType, field: "emails", inMsg: "emails.additionalEmails"},
		{name: "multi-select not array", object: "house", data: map[string]any{"tags": "A"}, rule: RuleType, field: "tags"},
		{name: "array of numbers", object: "house", data: map[string]any{"keywords": []any{1}}, rule: RuleType, field: "keywords"},
		{name: "relation id not string", object: "person", data: map[string]any{"companyId": 7}, rule: RuleType, field: "companyId"},
		{name: "address lat string", object: "company", data: map[string]any{"address": map[string]any{"addressLat": true}},
			rule: RuleType, field: "address", inMsg: "address.addressLat"},

		// required / not null
		{name: "required userId", object: "workspaceMember", create: true, data: map[string]any{"userEmail": "a@b.co"},
			rule: RuleRequired, field: "userId"},
		{name: "required not checked on update", object: "workspaceMember", data: map[string]any{"userEmail": "a@b.co"}},
		{name: "required custom", object: "house", create: true, data: map[string]any{"ownerId": testUUID},
			rule: RuleRequired, field: "rooms"},
		{name: "required relation", object: "house", create: true, data: map[string]any{"rooms": 1},
			rule: RuleRequired, field: "ownerId"},
		{name: "null on non-nullable select", object: "opportunity", data: map[string]any{"stage": nil},
			rule: RuleNotNull, field: "stage"},
		{name: "null on non-nullable relation", object: "house", data: map[string]any{"ownerId": nil},
			rule: RuleNotNull, field: "ownerId"},
		{name: "null on non-nullable boolean", object: "company", data: map[string]any{"idealCustomerProfile": nil},
			rule: RuleNotNull, field: "idealCustomerProfile"},

		// formats
		{name: "relation id not uuid", object: "person", data: map[string]any{"companyId": "acme"}, rule: RuleUUID, field: "companyId"},
		{name: "uuid field", object: "timelineActivity", data: map[string]any{"linkedRecordId": "123"},
			rule: RuleUUID, field: "linkedRecordId"},
		{name: "date-time without time", object: "opportunity", data: map[string]any{"closeDate": "2024-01-31"},
			rule: RuleDateTime, field: "closeDate"},
		{name: "date-time words", object: "task", data: map[string]any{"dueAt": "tomorrow"}, rule: RuleDateTime, field: "dueAt"},
		{name: "date short month", object: "house", data: map[string]any{"builtOn": "2024-1-05"}, rule: RuleDate, field: "builtOn"},
		{name: "date with time", object: "house", data: map[string]any{"builtOn": "2024-01-05T00:00:00Z"}, rule: RuleDate, field: "builtOn"},
		{name: "date out of range", object: "house", data: map[string]any{"builtOn": "2024-02-30"}, rule: RuleDate, field: "builtOn"},
		{name: "primary email", object: "person", data: map[string]any{"emails": map[string]any{"primaryEmail": "not-an-email"}},
			rule: RuleEmail, field: "emails", inMsg: "emails.primaryEmail"},
		{name: "email without tld", object: "person", data: map[string]any{"emails": map[string]any{"primaryEmail": "a@localhost"}},
			rule: RuleEmail, field: "emails"},
		{name: "additional email", object: "person", data: map[string]any{"emails": map[string]any{
			"additionalEmails": []any{"ok@example.com", "bad@"}}}, rule: RuleEmail, field: "emails", inMsg: "emails.additionalEmails[1]"},
		{name: "link with spaces", object: "company", data: map[string]any{"domainName": map[string]any{"primaryLinkUrl": "not a url"}},
			rule: RuleURL, field: "domainName", inMsg: "domainName.primaryLinkUrl"},
		{name: "link without tld", object: "company", data: map[string]any{"domainName": map[string]any{"primaryLinkUrl": "acme"}},
			rule: RuleURL, field: "domainName"},
		{name: "link other scheme", object: "company", data: map[string]any{"linkedinLink": map[string]any{"primaryLinkUrl": "javascript:alert(1)"}},
			rule: RuleURL, field: "linkedinLink"},
		{name: "secondary link", object: "company", data: map[string]any{"domainName": map[string]any{
			"secondaryLinks": []any{map[string]any{"url": "ht tp://x", "label": "x"}}}}, rule: RuleURL, field: "domainName",
			inMsg: "domainName.secondaryLinks[0].url"},
		{name: "currency lower case", object: "opportunity", data: map[string]any{"amount": map[string]any{"currencyCode": "usd"}},
			rule: RuleCurrencyCode, field: "amount", inMsg: "amount.currencyCode"},
		{name: "currency unknown", object: "company", data: map[string]any{"annualRecurringRevenue": map[string]any{"currencyCode": "XYZ"}},
			rule: RuleCurrencyCode, field: "annualRecurringRevenue"},
		{name: "currency too short", object: "opportunity", data: map[string]any{"amount": map[string]any{"currencyCode": "US"}},
			rule: RuleCurrencyCode, field: "amount"},
		{name: "select value", object: "opportunity", data: map[string]any{"stage": "WON"}, rule: RuleSelect, field: "stage", inMsg: "WON"},
		{name: "select lower case", object: "task", data: map[string]any{"status": "todo"}, rule: RuleSelect, field: "status"},
		{name: "multi-select value", object: "house", data: map[string]any{"tags": []any{"A", "Z"}}, rule: RuleMultiSelect, field: "tags"},
		{name: "rating out of range", object: "house", data: map[string]any{"rating": "RATING_6"}, rule: RuleRating, field: "rating"},
		{name: "rating as number string", object: "house", data: map[string]any{"rating": "5"}, rule: RuleRating, field: "rating"},
		{name: "text over default limit", object: "company", data: map[string]any{"name": long + "x"}, rule: RuleMaxLength, field: "name"},
		{name: "text over field limit", object: "house", data: map[string]any{"code": "ABCDEF"}, rule: RuleMaxLength, field: "code"},
		{name: "number infinite", object: "company", data: map[string]any{"employees": math.Inf(1)}, rule: RuleFinite, field: "employees"},
		{name: "number NaN", object: "company", data: map[string]any{"employees": math.NaN()}, rule: RuleFinite, field: "employees"},
		{name: "json number overflow", object: "company", data: map[string]any{"employees": json.Number("1e400")}, rule: RuleFinite, field: "employees"},
		{name: "amountMicros not numeric", object: "opportunity", data: map[string]any{"amount": map[string]any{"amountMicros": "lots"}},
			rule: RuleFinite, field: "amount", inMsg: "amount.amountMicros"},
		{name: "numeric infinite", object: "house", data: map[string]any{"price": "Inf"}, rule: RuleFinite, field: "price"},

		// deterministic order: the first failing key in sorted order wins
		{name: "first of two unknown", object: "company", data: map[string]any{"zeta": 1, "alpha": 1}, rule: RuleUnknownField, field: "alpha"},
		{name: "sorted before required", object: "house", create: true, data: map[string]any{"code": "TOO LONG"},
			rule: RuleMaxLength, field: "code"},
		{name: "required sorted among keys", object: "house", create: true, data: map[string]any{"rooms": 1, "tags": []any{"Z"}},
			rule: RuleRequired, field: "ownerId"},
	}
	schema := validationSchema()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := schema.Object(tt.object)
			if obj == nil {
				t.Fatalf("no object %s", tt.object)
			}
			for i := 0; i < 3; i++ { // map order must not matter
				err := ValidateData(schema, obj, tt.data, tt.create)
				if tt.rule == "" {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					continue
				}
				var ve *ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("got %v, want a *ValidationError with rule %s", err, tt.rule)
				}
				if ve.Rule != tt.rule || ve.Field != tt.field {
					t.Fatalf("got rule %q field %q (%s), want rule %q field %q", ve.Rule, ve.Field, ve.Message, tt.rule, tt.field)
				}
				want := tt.inMsg
				if want == "" {
					want = tt.field
				}
				if !strings.Contains(ve.Message, want) || !strings.Contains(ve.Message, tt.field) || ve.Error() != ve.Message {
					t.Fatalf("message %q does not name %q", ve.Message, want)
				}
			}
		})
	}
}

func TestValidateDataJSONInput(t *testing.T) {
	schema := validationSchema()
	input := `{"name":{"firstName":"Ada","lastName":"Lovelace"},
		"emails":{"primaryEmail":"ada@example.com","additionalEmails":[]},
		"phones":{"primaryPhoneNumber":"612345678","additionalPhones":[{"number":"1","countryCode":"FR","callingCode":"+33"}]},
		"linkedinLink":{"primaryLinkUrl":"linkedin.com/in/ada","primaryLinkLabel":"","secondaryLinks":null},
		"companyId":"` + testUUID + `","position":3}`
	for _, useNumber := range []bool{false, true} {
		dec := json.NewDecoder(strings.NewReader(input))
		if useNumber {
			dec.UseNumber()
		}
		var data map[string]any
		if err := dec.Decode(&data); err != nil {
			t.Fatal(err)
		}
		if err := ValidateData(schema, schema.Object("person"), data, true); err != nil {
			t.Errorf("useNumber=%v: %v", useNumber, err)
		}
	}
}

func TestValidateDataNilObject(t *testing.T) {
	var ve *ValidationError
	if err := ValidateData(nil, nil, map[string]any{}, true); !errors.As(err, &ve) || ve.Rule != RuleUnknownObject {
		t.Errorf("got %v", err)
	}
}

func TestRulesAreDistinct(t *testing.T) {
	rules := []string{RuleUnknownObject, RuleUnknownField, RuleReadOnly, RuleType, RuleRequired, RuleNotNull, RuleUUID,
		RuleDateTime, RuleDate, RuleEmail, RuleURL, RuleCurrencyCode, RuleSelect, RuleMultiSelect, RuleRating,
		RuleMaxLength, RuleFinite}
	seen := map[string]bool{}
	for _, r := range rules {
		if r == "" || seen[r] {
			t.Errorf("rule %q empty or repeated", r)
		}
		seen[r] = true
	}
}

func TestInputFieldAndRequiredOnCreate(t *testing.T) {
	schema := validationSchema()
	person := schema.Object("person")
	if f := InputField(person, "companyId"); f == nil || f.Name != "company" {
		t.Errorf("companyId -> %v", f)
	}
	for _, k := range []string{"company", "noteTargets", "nope", "noteTargetsId"} {
		if f := InputField(person, k); f != nil {
			t.Errorf("%s -> %s, want nil", k, f.Name)
		}
	}
	if f := InputField(schema.Object("favorite"), "viewId"); f == nil || f.Name != "viewId" {
		t.Errorf("favorite.viewId -> %v", f)
	}
	wm := schema.Object("workspaceMember")
	var req []string
	for _, f := range wm.Fields {
		if RequiredOnCreate(f) {
			req = append(req, f.Name)
		}
	}
	if len(req) != 1 || req[0] != "userId" {
		t.Errorf("workspaceMember required fields = %v, want [userId]", req)
	}
	for _, o := range StandardObjects() {
		if o.NameSingular == "workspaceMember" {
			continue
		}
		for _, f := range o.Fields {
			if RequiredOnCreate(f) {
				t.Errorf("%s.%s is required on create; Twenty's standard objects only require workspaceMember.userId",
					o.NameSingular, f.Name)
			}
		}
	}
	if !IsCurrencyCode("USD") || IsCurrencyCode("usd") || IsCurrencyCode("XXX") {
		t.Error("IsCurrencyCode")
	}
}
