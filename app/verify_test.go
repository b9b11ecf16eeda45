package app

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"
)

// TestIngestVerifiesInParallel: a batch of a friend's envelopes, taken by
// the parallel signature check before the transaction, mixed with a forged
// copy (one flipped signature bit), a stranger's valid envelope, a
// malformed packet and an empty envelope, gets the same verdicts as one
// packet at a time would: the friend's messages are stored once each, the
// rest refused.
func TestIngestVerifiesInParallel(t *testing.T) {
	alice, bob := newUser(t, "alice"), newUser(t, "bob")
	connect(t, alice, bob)
	befriend(t, alice, bob)
	const n = 40
	aliceID := alice.id()
	packets := sealMany(t, alice, bob.id(), n)
	forged := bytes.Clone(packets[n-1])
	var p Packet
	if err := proto.Unmarshal(forged, &p); err != nil {
		t.Fatal(err)
	}
	env := p.GetEnvelope()
	env[len(env)-1] ^= 1 // the last byte belongs to the signature
	forged = mustMarshal(&p)

	empty := mustMarshal(&Packet{Body: &Packet_Envelope{}}) // an envelope field of no bytes
	batch := append([][]byte{forged, strangerPacket(t, "from mallory"), []byte("\xff not a packet"), empty}, packets[:n-1]...)
	verdicts, err := bob.c.ingest("", batch)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	for i, v := range verdicts {
		want := Verdict_VERDICT_OK
		if i < 4 {
			want = Verdict_VERDICT_REFUSED
		}
		if v != want {
			t.Errorf("packet %d: verdict %v, want %v", i, v, want)
		}
	}
	hist, err := bob.c.History(t.Context(), aliceID, "", 2*n)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != n-1 {
		t.Fatalf("bob holds %d messages, want %d", len(hist), n-1)
	}
	// The genuine last packet, after its forged copy was refused, opens.
	verdicts, err = bob.c.ingest("", [][]byte{packets[n-1]})
	if err != nil || verdicts[0] != Verdict_VERDICT_OK {
		t.Fatalf("genuine packet after a forged copy: %v, %v", verdicts, err)
	}
	// Over a direct stream from bob's own peer ID, alice's envelopes are
	// not pre-verified (the stream's peer is not the sender) and refused.
	_, pkt := sealedFor(t, alice, bob.id(), "wrong stream")
	verdicts, err = bob.c.ingest(bob.c.host.ID(), [][]byte{pkt})
	if err != nil || verdicts[0] != Verdict_VERDICT_REFUSED {
		t.Fatalf("envelope on another peer's stream: %v, %v", verdicts, err)
	}
}

// TestIngestInterleavedSenders: a mailbox batch whose envelopes alternate
// between two friends is taken whole, each message filed under its own
// sender (prepare keeps the last sender's peer ID, which must change with
// the key each envelope carries).
func TestIngestInterleavedSenders(t *testing.T) {
	alice, bob, carol := newUser(t, "alice"), newUser(t, "bob"), newUser(t, "carol")
	connect(t, alice, bob)
	connect(t, carol, bob)
	befriend(t, alice, bob)
	befriend(t, carol, bob)
	const n = 6
	senders := []PeerID{alice.id(), carol.id()}
	fromAlice, fromCarol := sealMany(t, alice, bob.id(), n), sealMany(t, carol, bob.id(), n)
	var batch [][]byte
	for i := range n {
		batch = append(batch, fromAlice[i], fromCarol[i])
	}
	verdicts, err := bob.c.ingest("", batch)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	for i, v := range verdicts {
		if v != Verdict_VERDICT_OK {
			t.Errorf("packet %d: verdict %v", i, v)
		}
	}
	for _, p := range senders {
		hist, err := bob.c.History(t.Context(), p, "", 2*n)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != n {
			t.Fatalf("bob holds %d messages from %s, want %d", len(hist), p, n)
		}
		for _, m := range hist {
			if m.From != p {
				t.Fatalf("message %s in %s's conversation is from %s", m.ID, p, m.From)
			}
		}
	}
}
