package stream

import (
	"encoding/json"
	"fmt"
	"strconv"

	"edgecrm/host"
	"edgecrm/sqldb"
)

// Re-sending what the queue lost. The outbox moves queue_seq once
// sendBatch succeeds, but a send can still be lost after that: the local
// queue (miniflare) keeps pending messages in memory, so a kill -9 of
// wrangler dev drops them, and a production Queue may lose one too. The
// in-order consumer then waits behind the gap for ever, and nothing would
// send those events again.
//
// So a stream that feeds the queue watches its consumer: when queue_seq
// moves ahead of the consumer's position the watch is armed (an alarm one
// quiet period later). On the alarm the object reads the consumer's
// position from D1 (CheckSQL) and applies Watch.Next: consumer caught up,
// the watch ends; consumer moved, wait another quiet period; no movement
// for a whole quiet period, rewind queue_seq to the consumer's position
// and flush, which re-sends everything after it (the consumer drops what
// it already has). Each re-send without movement doubles the next quiet
// period (up to 16x), so a consumer that is down gets no re-send storm.

// EntryResendChecked resumes the watch with the consumer's position.
const EntryResendChecked = "outbox.resend"

// EnvResendQuietMs overrides the quiet period (tests use a short one).
const EnvResendQuietMs = "STREAM_RESEND_QUIET_MS"

// DefaultResendQuietMs is how long the consumer may stand still behind
// the queue checkpoint before the stream re-sends from its position.
const DefaultResendQuietMs = 60_000

// ResendQuietMs reads the quiet period from the environment.
func ResendQuietMs(env map[string]string) int64 {
	if n, err := strconv.ParseInt(env[EnvResendQuietMs], 10, 64); err == nil && n > 0 {
		return n
	}
	return DefaultResendQuietMs
}

// Watch is what the stream knows of its consumer (kept in _state).
type Watch struct {
	Consumer int64 // the consumer's position as last read: it has every seq up to it
	Since    int64 // ms: when the consumer last moved, the watch was armed, or the last re-send
	Rewinds  int64 // re-sends since the consumer last moved
}

// Next applies the rule to the consumer's position read at now (ms) with
// queue_seq at queue: whether to rewind queue_seq to consumer, and when to
// check again (0: the consumer caught up, stop watching).
func (w Watch) Next(queue, consumer, now, quiet int64) (next Watch, rewind bool, checkAt int64) {
	wait := func(rewinds int64) int64 { return quiet << min(rewinds, 4) }
	switch {
	case consumer >= queue:
		return Watch{Consumer: consumer, Since: now}, false, 0
	case consumer != w.Consumer:
		return Watch{Consumer: consumer, Since: now}, false, now + quiet
	case now-w.Since >= wait(w.Rewinds):
		// Look again one quiet period later to see it move; the next
		// re-send waits wait(next.Rewinds) from now.
		return Watch{Consumer: consumer, Since: now, Rewinds: w.Rewinds + 1}, true, now + quiet
	}
	return w, false, w.Since + wait(w.Rewinds)
}

// CheckSQL reads the consumer's position of a workspace: the highest seq
// with every seq up to it consumed or dead-lettered (the first hole, not
// the gate: events behind a lost one may have been dead-lettered). It
// reads only rows after from (a position known before), bound as
// (from, workspace, from, workspace, from).
const CheckSQL = `WITH s(seq) AS (SELECT ? UNION SELECT seq FROM consumed_events WHERE workspace = ? AND seq > ?
  UNION SELECT seq FROM dead_letters WHERE workspace = ? AND seq > ?)
SELECT min(seq) AS seq FROM s WHERE seq + 1 NOT IN (SELECT seq FROM s)`

func (s *Stream) watch() Watch {
	return Watch{s.stateInt(s.stateKey("resend_consumer")), s.stateInt(s.stateKey("resend_since")), s.stateInt(s.stateKey("resend_rewinds"))}
}

func (s *Stream) setWatch(w Watch, checkAt int64) error {
	return s.setStates(map[string]int64{"resend_consumer": w.Consumer, "resend_since": w.Since, "resend_rewinds": w.Rewinds, "resend_check_at": checkAt})
}

// ArmResend, after an outbox step, arms the watch when the queue
// checkpoint is ahead of the consumer's last known position and no watch
// is armed: the alarm checks the consumer one quiet period later.
func (s *Stream) ArmResend(now, quiet int64) ([]host.Effect, error) {
	if !s.Queue || s.stateInt(s.stateKey("resend_check_at")) != 0 {
		return nil, nil
	}
	w := s.watch()
	if _, queued := s.State(); queued <= w.Consumer {
		return nil, nil
	}
	w.Since, w.Rewinds = now, 0
	return []host.Effect{{Kind: host.EffectAlarm, DelayMs: quiet}}, s.setWatch(w, now+quiet)
}

// ResendAlarm, on the object's alarm, reads the consumer's position when
// the watch is due, and otherwise asks for the alarm again.
func (s *Stream) ResendAlarm(now int64) []host.Effect {
	at := s.stateInt(s.stateKey("resend_check_at"))
	if !s.Queue || at == 0 {
		return nil
	}
	if at > now {
		return []host.Effect{{Kind: host.EffectAlarm, DelayMs: at - now}}
	}
	from := s.watch().Consumer
	return []host.Effect{{Kind: host.EffectD1Query, SQL: CheckSQL, Params: []any{from, s.ID, from, s.ID, from},
		Resume: &host.Resume{Entry: EntryResendChecked}}}
}

// ResendChecked applies the rule to the consumer's position: it ends the
// watch, waits, or rewinds queue_seq and flushes (the re-send).
func (s *Stream) ResendChecked(in host.ResumeInput, now, quiet int64) ([]host.Effect, error) {
	var res host.D1Result
	if in.Error == "" {
		if err := json.Unmarshal(in.Result, &res); err != nil {
			return nil, err
		}
	}
	if in.Error != "" || len(res.Rows) == 0 { // D1 failed: look again later
		host.Log("warn", s.ID, map[string]any{"msg": "stream watch could not read the consumer's position", "error": in.Error})
		return []host.Effect{{Kind: host.EffectAlarm, DelayMs: quiet}}, s.setState("resend_check_at", now+quiet)
	}
	consumer := sqldb.AsInt(res.Rows[0]["seq"])
	_, queued := s.State()
	next, rewind, checkAt := s.watch().Next(queued, consumer, now, quiet)
	if err := s.setWatch(next, checkAt); err != nil {
		return nil, err
	}
	var effects []host.Effect
	if checkAt != 0 {
		effects = append(effects, host.Effect{Kind: host.EffectAlarm, DelayMs: max(1, checkAt-now)})
	}
	if rewind {
		host.Log("warn", s.ID, map[string]any{"msg": "the queue consumer stands still behind the queue checkpoint; re-sending from its position",
			"queue": queued, "consumer": consumer, "resend": next.Rewinds})
		if err := s.setState("queue_seq", consumer); err != nil {
			return nil, fmt.Errorf("stream: rewinding the queue checkpoint: %w", err)
		}
		effects = append(effects, host.Effect{Kind: host.EffectFlush})
	}
	return effects, nil
}
