//go:build js && wasm

package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"syscall/js"

	"edgecrm/sqldb"
)

// jsDB is sqldb.DB over the shell's host.sql(query, paramsJSON), which runs
// ctx.storage.sql.exec synchronously and answers JSON: {columns, rows} or
// {error}. Binary values cross as {"b64": "..."}.
type jsDB struct{ host js.Value }

var _ sqldb.DB = (*jsDB)(nil)

type b64 struct {
	B64 string `json:"b64"`
}

func (d *jsDB) Exec(query string, args ...any) (*sqldb.Rows, error) {
	params := make([]any, len(args))
	for i, a := range args {
		switch x := a.(type) {
		case []byte:
			params[i] = b64{base64.StdEncoding.EncodeToString(x)}
		case bool:
			params[i] = map[bool]int{false: 0, true: 1}[x]
		default:
			params[i] = a
		}
	}
	pj, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	res := d.host.Call("sql", query, string(pj)).String()
	var out struct {
		Error   string              `json:"error"`
		Columns []string            `json:"columns"`
		Rows    [][]json.RawMessage `json:"rows"`
	}
	if err := json.Unmarshal([]byte(res), &out); err != nil {
		return nil, err
	}
	if out.Error != "" {
		return nil, errors.New(out.Error)
	}
	rows := &sqldb.Rows{Columns: out.Columns, Values: make([][]any, len(out.Rows))}
	for i, r := range out.Rows {
		vals := make([]any, len(r))
		for j, raw := range r {
			vals[j] = decodeValue(raw)
		}
		rows.Values[i] = vals
	}
	return rows, nil
}

// decodeValue maps a JSON cell to nil, int64, float64, string or []byte.
func decodeValue(raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	switch raw[0] {
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	case '{':
		var b b64
		_ = json.Unmarshal(raw, &b)
		data, _ := base64.StdEncoding.DecodeString(b.B64)
		return data
	}
	var n json.Number
	_ = json.Unmarshal(raw, &n)
	if i, err := n.Int64(); err == nil {
		return i
	}
	f, _ := n.Float64()
	return f
}
