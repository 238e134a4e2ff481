package domain

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ValidationError is a refused input: it names the field and the rule.
type ValidationError struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (e *ValidationError) Error() string { return e.Message }

// Rules reported by ValidateData (ValidationError.Rule). Field is the input
// key (`companyId` for a relation, `emails` for a composite); the message
// names the full path (`emails.primaryEmail`) and the object.
const (
	RuleUnknownObject = "unknown_object" // obj is nil
	RuleUnknownField  = "unknown_field"  // no such field or subfield, or a ONE_TO_MANY / relation object key
	RuleReadOnly      = "read_only"      // a system field other than id (create) and position
	RuleType          = "type"           // wrong JSON type (string, number, boolean, object, array)
	RuleRequired      = "required"       // create without a non-nullable field that has no default
	RuleNotNull       = "not_null"       // null for a non-nullable field
	RuleUUID          = "uuid"           // not a UUID (UUID fields, `<relation>Id`, workspaceMemberId)
	RuleDateTime      = "date_time"      // DATE_TIME not RFC 3339
	RuleDate          = "date"           // DATE not YYYY-MM-DD
	RuleEmail         = "email"          // EMAILS entry not an email address
	RuleURL           = "url"            // LINKS url not a URL or bare domain
	RuleCurrencyCode  = "currency_code"  // CURRENCY code not an ISO 4217 code
	RuleSelect        = "select"         // SELECT value not among the options
	RuleMultiSelect   = "multi_select"   // MULTI_SELECT value not among the options
	RuleRating        = "rating"         // RATING not RATING_1..RATING_5
	RuleMaxLength     = "max_length"     // TEXT longer than its limit
	RuleFinite        = "finite"         // NaN or ±Inf (or a numeric string that is not a number)
)

// DefaultTextMaxLength is the TEXT length limit (in characters) when a field
// sets no MaxLength.
const DefaultTextMaxLength = 10000

// ValidateData checks record data (GraphQL-shaped: composites as objects,
// MANY_TO_ONE relations as `<field>Id`) against obj's metadata. create says
// whether required fields must be present. It does not check that relation
// targets exist (that needs state; Decide does it). Keys are checked in
// sorted order (missing required fields sorted in among them) and the first
// failure is returned as a *ValidationError. Null is accepted for nullable
// fields and for any composite subfield.
func ValidateData(schema *Schema, obj *Object, data map[string]any, create bool) error {
	if obj == nil {
		return &ValidationError{Rule: RuleUnknownObject, Message: "unknown object"}
	}
	var buf [48]string // the keys of most records, without an allocation
	keys := buf[:0]
	for k := range data {
		keys = append(keys, k)
	}
	if create {
		for _, f := range obj.Fields {
			if k, ok := requiredInputKey(f); ok {
				if _, present := data[k]; !present {
					keys = append(keys, k)
				}
			}
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, present := data[k]
		if !present {
			return &ValidationError{Field: k, Rule: RuleRequired,
				Message: fmt.Sprintf("field %q is required to create a %s", k, obj.NameSingular)}
		}
		if err := validateInput(obj, k, v, create); err != nil {
			return err
		}
	}
	return nil
}

// InputField returns the field that input key k of obj writes: a non-relation
// field by name, or a MANY_TO_ONE relation by its `<name>Id` join column.
// It returns nil for anything else (unknown names, ONE_TO_MANY fields, the
// bare name of a MANY_TO_ONE relation).
func InputField(obj *Object, k string) *Field {
	for _, f := range obj.Fields {
		if f.Type != TypeRelation && f.Name == k {
			return f
		}
	}
	for _, f := range obj.Fields {
		if f.Type == TypeRelation && f.Relation != nil && f.Relation.Type == ManyToOne && f.JoinColumn() == k {
			return f
		}
	}
	return nil
}

// RequiredOnCreate reports whether a create must give f: it is non-nullable,
// has no default, is not a system field and is not a ONE_TO_MANY side.
func RequiredOnCreate(f *Field) bool {
	_, ok := requiredInputKey(f)
	return ok
}

func requiredInputKey(f *Field) (string, bool) {
	if f.IsNullable || f.DefaultValue != nil || IsSystemFieldName(f.Name) {
		return "", false
	}
	if f.Type == TypeRelation {
		if f.Relation == nil || f.Relation.Type != ManyToOne {
			return "", false
		}
		return f.JoinColumn(), true
	}
	return f.Name, true
}

// checker reports failures for one input key of one object.
type checker struct {
	obj *Object
	key string
}

func (c checker) fail(rule, path, format string, args ...any) *ValidationError {
	return &ValidationError{Field: c.key, Rule: rule,
		Message: fmt.Sprintf("field %q of %s: ", path, c.obj.NameSingular) + fmt.Sprintf(format, args...)}
}

func validateInput(obj *Object, k string, v any, create bool) *ValidationError {
	c := checker{obj: obj, key: k}
	f := InputField(obj, k)
	if f == nil {
		return c.unknown()
	}
	if IsSystemFieldName(f.Name) && f.Name != "position" && !(f.Name == "id" && create) {
		if f.Name == "id" {
			return c.fail(RuleReadOnly, k, "id can only be given on create")
		}
		return c.fail(RuleReadOnly, k, "system field is set by the server and cannot be written")
	}
	if v == nil {
		if !f.IsNullable {
			return c.fail(RuleNotNull, k, "cannot be null")
		}
		return nil
	}
	if f.Type == TypeRelation { // MANY_TO_ONE, given as <name>Id
		return c.uuid(k, v)
	}
	return c.value(f, v)
}

// unknown explains why c.key names no writable field.
func (c checker) unknown() *ValidationError {
	if f := c.obj.Field(c.key); f != nil && f.Type == TypeRelation && f.Relation != nil {
		if f.Relation.Type == ManyToOne {
			return c.fail(RuleUnknownField, c.key, "unknown field; set the relation with %q", f.JoinColumn())
		}
		return c.fail(RuleUnknownField, c.key, "unknown field; a one-to-many relation is set from %s.%sId",
			f.Relation.TargetObject, f.Relation.TargetField)
	}
	return c.fail(RuleUnknownField, c.key, "unknown field")
}

// value checks a non-null value of non-relation field f.
func (c checker) value(f *Field, v any) *ValidationError {
	path := f.Name
	if IsComposite(f.Type) {
		return c.composite(f, v)
	}
	switch f.Type {
	case TypeText:
		s, ok := v.(string)
		if !ok {
			return c.typeErr(path, "a string", v)
		}
		limit := f.MaxLength
		if limit <= 0 {
			limit = DefaultTextMaxLength
		}
		if n := utf8.RuneCountInString(s); n > limit {
			return c.fail(RuleMaxLength, path, "text is %d characters long, the limit is %d", n, limit)
		}
		return nil
	case TypeSelect:
		s, ok := v.(string)
		if !ok {
			return c.typeErr(path, "a string", v)
		}
		if !hasOption(f, s) {
			return c.fail(RuleSelect, path, "%q is not one of its options (%s)", s, optionList(f))
		}
		return nil
	case TypeMultiSelect:
		items, ok := asSlice(v)
		if !ok {
			return c.typeErr(path, "an array", v)
		}
		for _, it := range items {
			s, ok := it.(string)
			if !ok {
				return c.typeErr(path, "an array of strings", v)
			}
			if !hasOption(f, s) {
				return c.fail(RuleMultiSelect, path, "%q is not one of its options (%s)", s, optionList(f))
			}
		}
		return nil
	case TypeRating:
		s, ok := v.(string)
		if !ok {
			return c.typeErr(path, "a string", v)
		}
		if !ratingValues[s] {
			return c.fail(RuleRating, path, "%q is not a rating (RATING_1 to RATING_5)", s)
		}
		return nil
	case TypeArray:
		items, ok := asSlice(v)
		if !ok {
			return c.typeErr(path, "an array", v)
		}
		for _, it := range items {
			if _, ok := it.(string); !ok {
				return c.typeErr(path, "an array of strings", v)
			}
		}
		return nil
	case TypePosition:
		if s, ok := v.(string); ok && (s == "first" || s == "last") {
			return nil
		}
		return c.number(path, v, false)
	}
	return c.scalar(path, f.Type, v)
}

// scalar checks v against a scalar type (also used for composite parts).
func (c checker) scalar(path string, t FieldType, v any) *ValidationError {
	switch t {
	case TypeText:
		if _, ok := v.(string); !ok {
			return c.typeErr(path, "a string", v)
		}
	case TypeUUID:
		return c.uuid(path, v)
	case TypeNumber, TypePosition:
		return c.number(path, v, false)
	case TypeNumeric:
		return c.number(path, v, true)
	case TypeBoolean:
		if _, ok := v.(bool); !ok {
			return c.typeErr(path, "a boolean", v)
		}
	case TypeDateTime:
		s, ok := v.(string)
		if !ok {
			return c.typeErr(path, "a string", v)
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return c.fail(RuleDateTime, path, "%q is not an RFC 3339 date-time (e.g. 2024-01-31T09:30:00Z)", s)
		}
	case TypeDate:
		s, ok := v.(string)
		if !ok {
			return c.typeErr(path, "a string", v)
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil || len(s) != len(time.DateOnly) {
			return c.fail(RuleDate, path, "%q is not a date (YYYY-MM-DD)", s)
		}
	case TypeRawJSON:
		// any JSON value
	default:
		if _, ok := v.(string); !ok {
			return c.typeErr(path, "a string", v)
		}
	}
	return nil
}

func (c checker) uuid(path string, v any) *ValidationError {
	s, ok := v.(string)
	if !ok {
		return c.typeErr(path, "a UUID string", v)
	}
	if !isUUID(s) {
		return c.fail(RuleUUID, path, "%q is not a UUID", s)
	}
	return nil
}

// number accepts any Go number or json.Number; numericString also accepts a
// decimal string (NUMERIC / amountMicros are big numbers in Twenty).
func (c checker) number(path string, v any, numericString bool) *ValidationError {
	var x float64
	switch n := v.(type) {
	case json.Number:
		f, ok := parseNumber(string(n))
		if !ok {
			return c.typeErr(path, "a number", v)
		}
		x = f
	case string:
		if !numericString {
			return c.typeErr(path, "a number", v)
		}
		f, ok := parseNumber(n)
		if !ok {
			return c.fail(RuleFinite, path, "%q is not a number", n)
		}
		x = f
	default:
		f, ok := asFloat(v)
		if !ok {
			return c.typeErr(path, "a number", v)
		}
		x = f
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return c.fail(RuleFinite, path, "number must be finite")
	}
	return nil
}

func (c checker) typeErr(path, want string, v any) *ValidationError {
	return c.fail(RuleType, path, "expected %s, got %s", want, jsonKind(v))
}

// composite checks an object of subfields. Partial objects are fine (an
// update changes only the parts it names) and any part may be null.
func (c checker) composite(f *Field, v any) *ValidationError {
	m, ok := asMap(v)
	if !ok {
		return c.typeErr(f.Name, "an object", v)
	}
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := subfieldPath(f.Name, k)
		sub, ok := subfield(f.Type, k)
		if !ok {
			return c.fail(RuleUnknownField, path, "unknown subfield %q of %s field %q", k, f.Type, f.Name)
		}
		sv := m[k]
		if sv == nil {
			continue
		}
		if err := c.part(f.Type, sub, path, sv); err != nil {
			return err
		}
	}
	return nil
}

// subfield returns the part of composite type t named k.
func subfield(t FieldType, k string) (Subfield, bool) {
	for _, s := range Subfields(t) {
		if s.Name == k {
			return s, true
		}
	}
	return Subfield{}, false
}

// subfieldPath is field + "." + sub, cached for the names of standard
// and custom fields (bounded, like columnNames): every composite part of
// every record validated builds one.
func subfieldPath(field, sub string) string {
	k := [2]string{field, sub}
	subfieldPaths.RLock()
	p, ok := subfieldPaths.m[k]
	subfieldPaths.RUnlock()
	if ok {
		return p
	}
	p = field + "." + sub
	subfieldPaths.Lock()
	if subfieldPaths.m == nil {
		subfieldPaths.m = map[[2]string]string{}
	}
	if len(subfieldPaths.m) < 4096 {
		subfieldPaths.m[k] = p
	}
	subfieldPaths.Unlock()
	return p
}

var subfieldPaths struct {
	sync.RWMutex
	m map[[2]string]string
}

// part checks one non-null composite part.
func (c checker) part(t FieldType, sub Subfield, path string, v any) *ValidationError {
	switch {
	case t == TypeEmails && sub.Name == "primaryEmail":
		return c.email(path, v)
	case t == TypeEmails && sub.Name == "additionalEmails":
		items, ok := asSlice(v)
		if !ok {
			return c.typeErr(path, "an array of email addresses", v)
		}
		for i, it := range items {
			if err := c.email(fmt.Sprintf("%s[%d]", path, i), it); err != nil {
				return err
			}
		}
		return nil
	case t == TypeLinks && sub.Name == "primaryLinkUrl":
		return c.url(path, v)
	case t == TypeLinks && sub.Name == "secondaryLinks":
		return c.objects(path, v, map[string]func(string, any) *ValidationError{
			"url":   c.url,
			"label": c.str,
		})
	case t == TypePhones && sub.Name == "additionalPhones":
		return c.objects(path, v, map[string]func(string, any) *ValidationError{
			"number":      c.str,
			"countryCode": c.str,
			"callingCode": c.str,
		})
	case t == TypeCurrency && sub.Name == "currencyCode":
		s, ok := v.(string)
		if !ok {
			return c.typeErr(path, "a string", v)
		}
		if s != "" && !currencyCodes[s] {
			return c.fail(RuleCurrencyCode, path, "%q is not an ISO 4217 currency code (e.g. USD, EUR)", s)
		}
		return nil
	case t == TypeActor && sub.Name == "context":
		if _, ok := asMap(v); !ok {
			return c.typeErr(path, "an object", v)
		}
		return nil
	}
	return c.scalar(path, sub.Type, v)
}

func (c checker) str(path string, v any) *ValidationError {
	if v == nil {
		return nil
	}
	if _, ok := v.(string); !ok {
		return c.typeErr(path, "a string", v)
	}
	return nil
}

// email accepts "" (no email) or an address.
func (c checker) email(path string, v any) *ValidationError {
	s, ok := v.(string)
	if !ok {
		return c.typeErr(path, "a string", v)
	}
	if s != "" && !isEmail(s) {
		return c.fail(RuleEmail, path, "%q is not an email address", s)
	}
	return nil
}

// url accepts "" (no link), an http(s) URL, or a bare domain like acme.com.
func (c checker) url(path string, v any) *ValidationError {
	if v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return c.typeErr(path, "a string", v)
	}
	if s != "" && !isURL(s) {
		return c.fail(RuleURL, path, "%q is not a URL", s)
	}
	return nil
}

// objects checks an array of objects whose keys are checked by keys.
func (c checker) objects(path string, v any, keys map[string]func(string, any) *ValidationError) *ValidationError {
	items, ok := asSlice(v)
	if !ok {
		return c.typeErr(path, "an array of objects", v)
	}
	for i, it := range items {
		m, ok := asMap(it)
		if !ok {
			return c.typeErr(fmt.Sprintf("%s[%d]", path, i), "an object", it)
		}
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			p := fmt.Sprintf("%s[%d].%s", path, i, k)
			check, ok := keys[k]
			if !ok {
				return c.fail(RuleUnknownField, p, "unknown key %q", k)
			}
			if err := check(p, m[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

func hasOption(f *Field, v string) bool {
	for _, o := range f.Options {
		if o.Value == v {
			return true
		}
	}
	return false
}

func optionList(f *Field) string {
	vals := make([]string, len(f.Options))
	for i, o := range f.Options {
		vals[i] = o.Value
	}
	return strings.Join(vals, ", ")
}

var ratingValues = map[string]bool{
	"RATING_1": true, "RATING_2": true, "RATING_3": true, "RATING_4": true, "RATING_5": true,
}

// IsEmail reports whether s is a plain email address (no display name).
func IsEmail(s string) bool { return isEmail(s) }

func isEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > 254 {
		return false
	}
	return isEmailLocal(s[:at]) && isHostName(s[at+1:])
}

// parseNumber parses a decimal number; out-of-range values parse (to ±Inf
// or 0) so that the caller's finiteness check decides.
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

// asFloat converts any Go number to float64.
func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	}
	return 0, false
}

// asSlice accepts []any and any other slice or array (e.g. []string).
func asSlice(v any) ([]any, bool) {
	if s, ok := v.([]any); ok {
		return s, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// asMap accepts map[string]any and any other map with string keys.
func asMap(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	iter := rv.MapRange()
	for iter.Next() {
		out[iter.Key().String()] = iter.Value().Interface()
	}
	return out, true
}

// jsonKind names v's JSON type for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	}
	if _, ok := asFloat(v); ok {
		return "number"
	}
	if _, ok := asMap(v); ok {
		return "object"
	}
	if _, ok := asSlice(v); ok {
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// currencyCodes are the ISO 4217 codes a CURRENCY field accepts.
var currencyCodes = func() map[string]bool {
	const codes = `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV
MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK
SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU
UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW
ZWG ZWL`
	m := make(map[string]bool, 190)
	for _, c := range strings.Fields(codes) {
		m[c] = true
	}
	return m
}()

// IsCurrencyCode reports whether code is an ISO 4217 code CURRENCY accepts.
func IsCurrencyCode(code string) bool { return currencyCodes[code] }
