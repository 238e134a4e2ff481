package edge

import (
	"encoding/json"

	"edgecrm/auth"
	"edgecrm/durable/accounts"
	"edgecrm/host"
)

// deleteUser (Twenty's DeleteUserAccount): the signed-in user leaves every
// workspace by Twenty's rules (the last member deletes the workspace, the
// only admin among others is refused: checked in every workspace first),
// then the account is deleted and its sessions end.

// OpDeleteUser is the operation's root field.
const OpDeleteUser = "deleteUser"

func stepDelUserAccount(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccountReply
	if err := doResult(in, &reply); err != nil {
		return nil, err
	}
	if !reply.Exists || reply.UserID != f.Reply.UserID {
		return nil, auth.Errorf(401, auth.CodeUnauthenticated, "Invalid token.")
	}
	ws := []any{}
	for _, w := range reply.Memberships {
		ws = append(ws, w)
	}
	f.Args = map[string]any{"ws": ws}
	return leaveAll(f, true, "deluser.checked"), nil
}

// leaveAll asks every workspace of the user to (check it can) let them go.
func leaveAll(f *flow, check bool, next string) *host.Output {
	ws, _ := f.Args["ws"].([]any)
	if len(ws) == 0 {
		out, _ := stepDelUserLeft(f, host.ResumeInput{})
		return out
	}
	var all []host.Effect
	for _, w := range ws {
		all = append(all, doFetch(NSWorkspace, w.(string), "", accounts.PathLeave, accounts.AccessRequest{UserID: f.Reply.UserID, Check: check}))
	}
	return &host.Output{Effects: []host.Effect{{Kind: host.EffectAll, Effects: all, Resume: resume(f, next)}}}
}

// allReplies decodes an all of do.fetch calls: the first refusal, else
// the edge cache keys the workspaces dropped.
func allReplies(in host.ResumeInput) ([]string, error) {
	var all host.AllResult
	if err := json.Unmarshal(in.Result, &all); err != nil && in.Result != nil {
		return nil, err
	}
	var keys []string
	for _, r := range all.Results {
		var reply accounts.AccessReply
		if err := doResult(host.ResumeInput{Result: r.Result, Error: r.Error}, &reply); err != nil {
			return nil, err
		}
		keys = append(keys, reply.KVDelete...)
	}
	return keys, nil
}

func stepDelUserChecked(f *flow, in host.ResumeInput) (*host.Output, error) {
	if _, err := allReplies(in); err != nil {
		return nil, err
	}
	return leaveAll(f, false, "deluser.left"), nil
}

func stepDelUserLeft(f *flow, in host.ResumeInput) (*host.Output, error) {
	keys, err := allReplies(in)
	if err != nil {
		return nil, err
	}
	kv := []any{}
	for _, k := range keys {
		kv = append(kv, k)
	}
	f.Args["kv"] = kv
	e := doFetch(NSAccount, "", f.Reply.Account, accounts.PathDelete, accounts.AccountRequest{})
	e.Resume = resume(f, "deluser.done")
	return &host.Output{Effects: []host.Effect{e}}, nil
}

func stepDelUserDone(f *flow, in host.ResumeInput) (*host.Output, error) {
	var reply accounts.AccountReply
	if err := doResult(in, &reply); err != nil {
		return nil, err
	}
	out := revokeSessions(data(f, map[string]any{"id": f.Reply.UserID}), reply.Sessions)
	kv, _ := f.Args["kv"].([]any)
	for _, k := range kv {
		out.Effects = append(out.Effects, background(host.Effect{Kind: host.EffectKVDelete, Key: k.(string)}))
	}
	ForgetVerified()
	return out, nil
}
