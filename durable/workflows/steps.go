package workflows

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/domain/workflow"
	"edgecrm/durable"
	"edgecrm/host"
	"edgecrm/projections"
	"edgecrm/projections/query"
)

// Continuations of the steps done by the host: an HTTP_REQUEST's answer,
// a SEND_EMAIL's.
const (
	EntryHTTPDone  = "workflows.http"
	EntryEmailDone = "workflows.email"
)

// EnvEmailFrom names the sender of SEND_EMAIL steps.
const EnvEmailFrom = "EMAIL_FROM"

// HTTPTimeoutMs bounds one attempt of an HTTP_REQUEST step.
const HTTPTimeoutMs = 10_000

// stepError is a step's own failure (bad input): the step fails, not the call.
type stepError struct{ msg string }

func (e *stepError) Error() string { return e.msg }

func stepErr(format string, args ...any) error { return &stepError{fmt.Sprintf(format, args...)} }

// recordStep runs a record action as a domain command in the object's
// transaction. Its command id (and a created record's id) derive from the
// task's key, so the same execution of the step names the same writes.
func recordStep(w *durable.Workspace, r *workflow.Run, t *workflow.Task) (any, error) {
	in := t.Input
	name, _ := in["objectName"].(string)
	obj := w.Schema().Object(name)
	if obj == nil {
		return nil, stepErr("%s: unknown object %q", t.Type, name)
	}
	rec, _ := in["objectRecord"].(map[string]any)
	cmdID := CommandID(r.Depth, t.Key)
	exec := func(kind domain.Kind, id string, data map[string]any) (any, error) {
		if _, err := w.Execute(domain.RecordCommand{Kind: kind, Object: name, ID: id, Data: data}, actor, cmdID); err != nil {
			return nil, err
		}
		return w.ReadRecord(obj, id)
	}
	id, _ := in["objectRecordId"].(string)
	switch t.Type {
	case workflow.StepCreateRecord:
		data := copyMap(rec)
		if s, _ := data["id"].(string); s == "" {
			data["id"] = domain.DeterministicID("workflow-record", t.Key)
		}
		newID := data["id"].(string)
		delete(data, "id")
		return exec(domain.Create, newID, data)
	case workflow.StepUpdateRecord:
		data := copyMap(rec)
		if fields, ok := in["fieldsToUpdate"].([]any); ok && len(fields) > 0 {
			keep := map[string]bool{}
			for _, f := range fields {
				keep[fmt.Sprint(f)] = true
			}
			for k := range data {
				if !keep[k] {
					delete(data, k)
				}
			}
		}
		delete(data, "id")
		return exec(domain.Update, id, data)
	case workflow.StepDeleteRecord:
		return exec(domain.Delete, id, nil)
	case workflow.StepUpsertRecord:
		data := copyMap(rec)
		target, _ := data["id"].(string)
		delete(data, "id")
		if target != "" {
			if st, err := w.Record(name, target); err != nil {
				return nil, err
			} else if st != nil {
				return exec(domain.Update, target, data)
			}
		} else {
			target = domain.DeterministicID("workflow-record", t.Key)
		}
		return exec(domain.Create, target, data)
	case workflow.StepFindRecords:
		return findRecords(w, obj, in)
	}
	return nil, stepErr("unknown record step %s", t.Type)
}

// findRecords is Twenty's FIND_RECORDS: {first, all, totalCount} of the
// records matching input.filter (the GraphQL filter grammar), at most
// input.limit (100 unless said, 1000 at most).
func findRecords(w *durable.Workspace, obj *domain.Object, in map[string]any) (any, error) {
	filter, _ := in["filter"].(map[string]any)
	if f, ok := filter["gqlOperationFilter"].(map[string]any); ok { // Twenty's UI nests it
		filter = f
	}
	limit := 100
	if n, ok := in["limit"].(float64); ok && n >= 1 {
		limit = min(int(n), 1000)
	}
	where, args, err := query.Where(w.Schema(), obj, obj.NameSingular, filter)
	if err != nil {
		return nil, stepErr("FIND_RECORDS: %v", err)
	}
	if where == "" {
		where = "1"
	}
	rows, err := w.DB.Exec(fmt.Sprintf(`SELECT * FROM %s WHERE (%s) AND "deletedAt" IS NULL ORDER BY %s LIMIT %d`,
		projections.Q(obj.NameSingular), where, projections.DefaultOrder(obj), limit), args...)
	if err != nil {
		return nil, err
	}
	all := []any{}
	for _, row := range rows.Maps() {
		all = append(all, projections.Unflatten(obj, row))
	}
	var first any
	if len(all) > 0 {
		first = all[0]
	}
	return map[string]any{"first": first, "all": all, "totalCount": len(all)}, nil
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

type httpCtx struct {
	Run  string `json:"run"`
	Step string `json:"step"`
	Key  string `json:"key"`
}

// httpEffect is an HTTP_REQUEST step's request (input url, method,
// headers, body) with an Idempotency-Key the same on every retry.
func httpEffect(s *stored, t *workflow.Task) (host.Effect, error) {
	in := t.Input
	url, _ := in["url"].(string)
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return host.Effect{}, fmt.Errorf("HTTP_REQUEST: url %q is not an absolute http(s) URL", url)
	}
	method, _ := in["method"].(string)
	if method == "" {
		method = "GET"
	}
	headers := map[string]string{"Idempotency-Key": t.Key}
	if h, ok := in["headers"].(map[string]any); ok {
		for k, v := range h {
			headers[k] = fmt.Sprint(v)
		}
	}
	var body string
	switch b := in["body"].(type) {
	case nil:
	case string:
		body = b
	default:
		j, _ := json.Marshal(b)
		body = string(j)
		if _, ok := headers["content-type"]; !ok {
			headers["content-type"] = "application/json"
		}
	}
	ctx, _ := json.Marshal(httpCtx{Run: s.Run.ID, Step: t.StepID, Key: t.Key})
	return host.Effect{Kind: host.EffectHTTP, Method: strings.ToUpper(method), URL: url, Headers: headers, Body: body,
		TimeoutMs: HTTPTimeoutMs, Resume: &host.Resume{Entry: EntryHTTPDone, Ctx: ctx}}, nil
}

// emailEffect is a SEND_EMAIL step's message (Twenty's input: email, the
// recipients separated by commas; subject; body) from EMAIL_FROM. It goes
// as a whole MIME message whose Message-ID derives from the run, the step
// and its execution: a step asked again (its answer lost) sends the same
// message, which the receiving side can tell is one. (The builder form
// cannot carry it: Cloudflare's Email Service sets that header itself.)
func emailEffect(s *stored, t *workflow.Task, now time.Time) (host.Effect, error) {
	in := t.Input
	var to []string
	for _, a := range strings.Split(fmt.Sprint(in["email"]), ",") {
		if a = strings.TrimSpace(a); a != "" {
			if !strings.Contains(a, "@") || strings.ContainsAny(a, " \t\r\n<>\"") {
				return host.Effect{}, fmt.Errorf("SEND_EMAIL: %q is not an email address", a)
			}
			to = append(to, a)
		}
	}
	if len(to) == 0 || in["email"] == nil {
		return host.Effect{}, fmt.Errorf("SEND_EMAIL: input.email names no recipient")
	}
	from := auth.Current().Env[EnvEmailFrom]
	if from == "" {
		from = "workflows@edgecrm.dev"
	}
	subject, _ := in["subject"].(string)
	body, _ := in["body"].(string)
	_, mailDomain, _ := strings.Cut(from, "@")
	e := &host.Email{From: from, To: to, Subject: subject, Text: body,
		MessageID: "<" + domain.DeterministicID("workflow-email", t.Key) + "@" + mailDomain + ">"}
	e.Raw = mimeMessage(e, now)
	ctx, _ := json.Marshal(httpCtx{Run: s.Run.ID, Step: t.StepID, Key: t.Key})
	return host.Effect{Kind: host.EffectEmail, Email: e, Resume: &host.Resume{Entry: EntryEmailDone, Ctx: ctx}}, nil
}

// mimeMessage renders e as a plain-text MIME message: CRLF lines, the
// subject as RFC 2047 words when it is not plain ASCII, the body in base64
// (no line-length limit to break).
func mimeMessage(e *host.Email, now time.Time) string {
	var b strings.Builder
	for _, h := range [][2]string{{"Message-ID", e.MessageID}, {"Date", now.UTC().Format(time.RFC1123Z)}, {"From", e.From},
		{"To", strings.Join(e.To, ", ")}, {"Subject", encodeWords(e.Subject)}, {"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"}, {"Content-Transfer-Encoding", "base64"}} {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	body := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(e.Text, "\n", "\r\n")))
	for len(body) > 76 {
		b.WriteString(body[:76] + "\r\n")
		body = body[76:]
	}
	b.WriteString(body)
	return b.String()
}

// encodeWords returns s as is when it is printable ASCII, else as
// "=?utf-8?b?...?=" words of at most 45 bytes of s each (whole runes),
// folded onto continuation lines.
func encodeWords(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		plain = plain && s[i] >= ' ' && s[i] <= '~'
	}
	if plain {
		return s
	}
	var words []string
	for len(s) > 0 {
		n := min(len(s), 45)
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}

// EmailDone records a SEND_EMAIL step's outcome: {success, messageId}, or
// the binding's error.
func EmailDone(w *durable.Workspace, in host.ResumeInput) ([]host.Effect, error) {
	var c httpCtx
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	s, err := load(w, c.Run)
	if err != nil {
		return nil, err
	}
	var res host.EmailResult
	if in.Error != "" {
		s.Run.Fail(c.Step, "SEND_EMAIL: "+in.Error, w.Now())
	} else {
		_ = json.Unmarshal(in.Result, &res)
		s.Run.Complete(c.Step, map[string]any{"success": true, "messageId": res.MessageID})
	}
	return advance(w, s, true)
}

// HTTPDone records an HTTP_REQUEST step's answer: a 2xx succeeds with the
// body (decoded when JSON), anything else fails the attempt (retried when
// the step asks for it). The run goes on.
func HTTPDone(w *durable.Workspace, in host.ResumeInput) ([]host.Effect, error) {
	var c httpCtx
	if err := json.Unmarshal(in.Ctx, &c); err != nil {
		return nil, err
	}
	s, err := load(w, c.Run)
	if err != nil {
		return nil, err
	}
	now := w.Now()
	var res host.HTTPResult
	switch {
	case in.Error != "":
		s.Run.Fail(c.Step, in.Error, now)
	case json.Unmarshal(in.Result, &res) != nil:
		s.Run.Fail(c.Step, "unreadable HTTP result", now)
	case res.Status < 200 || res.Status > 299:
		s.Run.Fail(c.Step, fmt.Sprintf("HTTP %d", res.Status), now)
	default:
		var body any = res.Body
		var decoded any
		if json.Unmarshal([]byte(res.Body), &decoded) == nil {
			body = decoded
		}
		s.Run.Complete(c.Step, body)
	}
	return advance(w, s, true)
}
