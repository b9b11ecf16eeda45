package app

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// packetSeeds are Packet and Batch encodings for the fuzz targets: each
// kind of body, a message ID, a repeated oneof field, an unknown field, a
// known field with another wire type, and broken encodings.
func packetSeeds(t testing.TB) [][]byte {
	mk := func(m proto.Message) []byte {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	env := &Packet{Body: &Packet_Envelope{Envelope: []byte("sealed")}, MessageId: "01HZY"}
	seeds := [][]byte{
		nil,
		mk(env),
		mk(&Packet{Body: &Packet_Request{Request: []byte("req")}}),
		mk(&Packet{Body: &Packet_Accept{Accept: []byte{}}}),
		mk(&Batch{Packets: [][]byte{mk(env), {}, []byte("x")}}),
		append(mk(env), mk(&Packet{Body: &Packet_Accept{Accept: []byte("last wins")}})...),
		protowire.AppendBytes(protowire.AppendTag(nil, 9, protowire.BytesType), []byte("unknown")),
		protowire.AppendVarint(protowire.AppendTag(nil, fPacketEnvelope, protowire.VarintType), 7),
		protowire.AppendString(protowire.AppendTag(nil, fPacketID, protowire.BytesType), "\xff"),
		{0x0a, 0x05, 'a'},        // length beyond the end
		{0x0c},                   // end group without a start
		{0x00, 0x00},             // field number 0
		{0x0b, 0x0a, 0x00, 0x0c}, // a group
	}
	return seeds
}

// FuzzDecodePacket holds decodePacket to proto.Unmarshal: the same inputs
// fail, and the rest give the same body and message ID.
func FuzzDecodePacket(f *testing.F) {
	for _, s := range packetSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var want, got Packet
		errWant := proto.Unmarshal(in, &want)
		errGot := decodePacket(in, &got)
		if (errWant == nil) != (errGot == nil) {
			t.Fatalf("decodePacket(%x) error %v, proto.Unmarshal %v", in, errGot, errWant)
		}
		if errGot != nil {
			return
		}
		if got.MessageId != want.MessageId {
			t.Fatalf("decodePacket(%x): message_id %q, proto.Unmarshal %q", in, got.MessageId, want.MessageId)
		}
		gb, wb := bodyOf(&got), bodyOf(&want)
		if gb.kind != wb.kind || !bytes.Equal(gb.b, wb.b) || (gb.b == nil) != (wb.b == nil) {
			t.Fatalf("decodePacket(%x): body %d %x, proto.Unmarshal %d %x", in, gb.kind, gb.b, wb.kind, wb.b)
		}
	})
}

type body struct {
	kind int
	b    []byte
}

func bodyOf(p *Packet) body {
	switch b := p.Body.(type) {
	case *Packet_Envelope:
		return body{1, b.Envelope}
	case *Packet_Request:
		return body{2, b.Request}
	case *Packet_Accept:
		return body{3, b.Accept}
	}
	return body{}
}

// FuzzDecodeBatch holds decodeBatch to proto.Unmarshal the same way.
func FuzzDecodeBatch(f *testing.F) {
	for _, s := range packetSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var want Batch
		errWant := proto.Unmarshal(in, &want)
		got, errGot := decodeBatch(in)
		if (errWant == nil) != (errGot == nil) {
			t.Fatalf("decodeBatch(%x) error %v, proto.Unmarshal %v", in, errGot, errWant)
		}
		if errGot != nil {
			return
		}
		if len(got) != len(want.Packets) {
			t.Fatalf("decodeBatch(%x): %d packets, proto.Unmarshal %d", in, len(got), len(want.Packets))
		}
		for i := range got {
			if !bytes.Equal(got[i], want.Packets[i]) {
				t.Fatalf("decodeBatch(%x): packet %d is %x, proto.Unmarshal %x", in, i, got[i], want.Packets[i])
			}
		}
	})
}

// TestDecodeAliases: the decoded envelope is the input's own bytes, not a
// copy (the point of decoding by hand).
func TestDecodeAliases(t *testing.T) {
	env := bytes.Repeat([]byte{0xe7}, 70<<10)
	pkt, err := proto.Marshal(&Packet{Body: &Packet_Envelope{Envelope: env}, MessageId: "01HZY"})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := proto.Marshal(&Batch{Packets: [][]byte{pkt}})
	if err != nil {
		t.Fatal(err)
	}
	packets, err := decodeBatch(batch)
	if err != nil || len(packets) != 1 || !bytes.Equal(packets[0], pkt) {
		t.Fatalf("decodeBatch = %d packets, %v", len(packets), err)
	}
	var p Packet
	if err := decodePacket(packets[0], &p); err != nil || p.MessageId != "01HZY" || !bytes.Equal(p.GetEnvelope(), env) {
		t.Fatalf("decodePacket = %q, %d-byte envelope, %v", p.MessageId, len(p.GetEnvelope()), err)
	}
	got := p.GetEnvelope()
	if i := bytes.Index(batch, env); i < 0 || &got[0] != &batch[i] {
		t.Error("the envelope was copied out of the batch")
	}
}
