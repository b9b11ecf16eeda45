package jsonclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parley-chat/parley/app"
)

// request is one input line. Fields a command does not use are ignored.
type request struct {
	ID       json.RawMessage `json:"id"`
	Cmd      string          `json:"cmd"`
	Invite   string          `json:"invite"`
	Username string          `json:"username"`
	Greeting string          `json:"greeting"`
	PeerID   string          `json:"peer_id"`
	To       string          `json:"to"`
	Text     string          `json:"text"`
	With     string          `json:"with"`
	Limit    int             `json:"limit"`
	Before   string          `json:"before"`
}

// reply is one answer line.
type reply struct {
	ID     json.RawMessage `json:"id"`
	OK     bool            `json:"ok"`
	Result any             `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// errQuit ends the session after the reply is written.
var errQuit = errors.New("quit")

type command func(ctx context.Context, c *app.Client, r *request) (any, error)

// commands is the command table of protocol version 1.
var commands = map[string]command{
	"whoami":   cmdWhoami,
	"status":   cmdStatus,
	"add":      cmdAdd,
	"requests": cmdRequests,
	"accept": func(ctx context.Context, c *app.Client, r *request) (any, error) {
		return empty, c.Accept(ctx, peer(r))
	},
	"decline": func(ctx context.Context, c *app.Client, r *request) (any, error) {
		return empty, c.Decline(ctx, peer(r))
	},
	"contacts": cmdContacts,
	"send":     cmdSend,
	"history":  cmdHistory,
	"mark_read": func(ctx context.Context, c *app.Client, r *request) (any, error) {
		return empty, c.MarkRead(ctx, with(r))
	},
	"safety_number": cmdSafetyNumber,
	"verify": func(ctx context.Context, c *app.Client, r *request) (any, error) {
		return empty, c.Verify(ctx, with(r))
	},
	"trust": func(ctx context.Context, c *app.Client, r *request) (any, error) {
		return empty, c.TrustNewKey(ctx, with(r))
	},
	"remove_contact": func(ctx context.Context, c *app.Client, r *request) (any, error) {
		return empty, c.RemoveContact(ctx, peer(r))
	},
	"claim": func(ctx context.Context, c *app.Client, r *request) (any, error) {
		return empty, c.Claim(ctx, r.Username)
	},
	"quit": func(context.Context, *app.Client, *request) (any, error) { return empty, errQuit },
}

var empty = struct{}{}

// peer returns the peer a command names: peer_id, or with as a fallback.
func peer(r *request) app.PeerID {
	if r.PeerID != "" {
		return app.PeerID(r.PeerID)
	}
	return app.PeerID(r.With)
}

// with returns the conversation a command names: with, or peer_id.
func with(r *request) app.PeerID {
	if r.With != "" {
		return app.PeerID(r.With)
	}
	return app.PeerID(r.PeerID)
}

// handle serves one line; it reports whether the session should end.
func (s *session) handle(ctx context.Context, l lineResult) bool {
	if l.tooLong {
		s.out.write(reply{ID: null, Error: fmt.Sprintf("the request line is longer than %d bytes", maxLine)})
		return false
	}
	var r request
	if err := json.Unmarshal(l.line, &r); err != nil {
		s.out.write(reply{ID: null, Error: "the request is not valid JSON"})
		return false
	}
	if len(r.ID) == 0 {
		r.ID = null
	}
	cmd, ok := commands[r.Cmd]
	if !ok {
		s.out.write(reply{ID: r.ID, Error: fmt.Sprintf("unknown command %q", r.Cmd)})
		return false
	}
	res, err := cmd(ctx, s.c, &r)
	switch {
	case errors.Is(err, errQuit):
		s.out.write(reply{ID: r.ID, OK: true, Result: empty})
		return true
	case err != nil:
		s.out.write(reply{ID: r.ID, Error: app.ProblemOf(err).Sentence()})
	default:
		s.out.write(reply{ID: r.ID, OK: true, Result: res})
	}
	return false
}

var null = json.RawMessage("null")

func cmdWhoami(_ context.Context, c *app.Client, _ *request) (any, error) {
	me := c.Me()
	return map[string]any{"peer_id": me.PeerID, "name": me.Name, "invite": me.Invite, "nodes": nonNil(me.Nodes), "version": ProtocolVersion}, nil
}

func cmdStatus(_ context.Context, c *app.Client, _ *request) (any, error) {
	st := c.Status()
	return map[string]any{"node_reachable": st.NodeReachable, "outbox": st.Outbox, "embedded": st.Embedded, "nodes": nonNil(st.Nodes)}, nil
}

func cmdAdd(ctx context.Context, c *app.Client, r *request) (any, error) {
	target := r.Invite
	if target == "" && r.Username != "" {
		target = "@" + trimAt(r.Username)
	}
	p, err := c.AddContact(ctx, target, r.Greeting)
	return map[string]any{"peer_id": p}, err
}

func trimAt(s string) string {
	if len(s) > 0 && s[0] == '@' {
		return s[1:]
	}
	return s
}

func cmdRequests(_ context.Context, c *app.Client, _ *request) (any, error) {
	out := []map[string]any{}
	for _, q := range c.Requests() {
		out = append(out, map[string]any{"peer_id": q.PeerID, "name": q.Name, "greeting": q.Greeting, "received_at": timeJSON(q.ReceivedAt)})
	}
	return out, nil
}

func cmdContacts(_ context.Context, c *app.Client, _ *request) (any, error) {
	out := []map[string]any{}
	for _, ct := range c.Contacts() {
		out = append(out, map[string]any{
			"peer_id": ct.PeerID, "name": ct.Name, "state": ct.State, "online": ct.Online,
			"verified": ct.Verified, "unread": ct.Unread,
		})
	}
	return out, nil
}

func cmdSend(ctx context.Context, c *app.Client, r *request) (any, error) {
	to := app.PeerID(r.To)
	if to == "" {
		to = peer(r)
	}
	id, err := c.Send(ctx, to, r.Text)
	return map[string]any{"message_id": id}, err
}

func cmdHistory(ctx context.Context, c *app.Client, r *request) (any, error) {
	limit := r.Limit
	if limit <= 0 {
		limit = 50
	}
	msgs, err := c.History(ctx, with(r), app.MsgID(r.Before), limit)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, map[string]any{
			"id": m.ID, "from": m.From, "text": m.Text, "sent_at": timeJSON(m.SentAt),
			"status": m.Status, "outgoing": m.Outgoing,
		})
	}
	return out, nil
}

func cmdSafetyNumber(_ context.Context, c *app.Client, r *request) (any, error) {
	sn, err := c.SafetyNumber(with(r))
	return map[string]any{"digits": sn.Digits}, err
}

// timeJSON formats times as RFC 3339 with nanoseconds, in UTC.
func timeJSON(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
