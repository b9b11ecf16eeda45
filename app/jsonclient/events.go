package jsonclient

import (
	"context"

	"github.com/parley-chat/parley/app"
)

// pump writes every event as a JSON line until ctx ends or the client
// closes. On Resync it subscribes again and writes a resync event (events
// were lost; the consumer may re-read contacts and history).
func (s *session) pump(ctx context.Context, events <-chan app.Event) {
	for {
		for ev := range events {
			if _, ok := ev.(app.Resync); ok {
				break
			}
			if line := eventJSON(ev); line != nil {
				s.out.write(line)
			}
		}
		if ctx.Err() != nil || s.c.Me().PeerID == "" {
			return // done, or the client closed
		}
		s.out.write(map[string]any{"event": "resync"})
		_, events = s.c.SubscribeQueue(ctx, eventQueue)
	}
}

// eventJSON maps an event to its JSON line, or nil for events the protocol
// does not report.
func eventJSON(ev app.Event) map[string]any {
	switch e := ev.(type) {
	case app.FriendRequestReceived:
		return map[string]any{"event": "friend_request", "peer_id": e.Request.PeerID, "name": e.Request.Name, "greeting": e.Request.Greeting}
	case app.FriendAccepted:
		return map[string]any{"event": "friend_accepted", "peer_id": e.Contact.PeerID, "name": e.Contact.Name}
	case app.MessageArrived:
		m := e.Msg
		return map[string]any{"event": "message", "from": m.From, "id": m.ID, "text": m.Text, "sent_at": timeJSON(m.SentAt)}
	case app.MessageStatusChanged:
		if e.Status != app.StatusDelivered {
			return nil
		}
		return map[string]any{"event": "delivered", "id": e.ID, "to": e.To}
	case app.PresenceChanged:
		return map[string]any{"event": "presence", "peer_id": e.Peer, "online": e.Online}
	case app.ContactRemoved:
		return map[string]any{"event": "contact_removed", "peer_id": e.Peer}
	case app.KeyChanged:
		return map[string]any{"event": "key_changed", "peer_id": e.Peer}
	case app.ProblemOccurred:
		p := e.Problem
		return map[string]any{"event": "error", "error": p.Sentence(), "title": p.Title, "detail": p.Detail, "hint": p.Hint}
	case app.Ready:
		return map[string]any{"event": "ready"}
	}
	return nil
}
