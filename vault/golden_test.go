package vault

import (
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden")

// TestGolden pins the Badger key and the (pre-sealing) value encoding of
// every record type, as putProto encodes it. If it fails, the stored format
// changed: bump SchemaVersion, add a migration, then run
// `go test -run Golden -update`.
func TestGolden(t *testing.T) {
	m, o := sampleMessage(), sampleOutbox()
	mk, _ := messageKey(&m)
	mik, _ := messageIndexKey(m.Conv, m.ID)
	ok, _ := outboxKey(&o)
	oik, _ := outboxIndexKey(o.ID)
	ck, _ := contactKey(sampleContact().PeerID)
	sk, _ := sessionKey("12D3KooWBob")
	tk, _ := settingKey("theme")
	xk, xek, _ := seenKeys("env", "e1", t0.Add(time.Hour))
	rk, _ := requestKey(sampleRequest().PeerID)
	cases := []struct {
		name  string
		key   []byte
		value proto.Message // nil: raw value below
		raw   []byte
	}{
		{"schema", keySchema, &SchemaRecord{Version: SchemaVersion}, nil},
		{"profile", keyProfile, ptr(sampleProfile()).record(), nil},
		{"contact", ck, ptr(sampleContact()).record(), nil},
		{"session", sk, nil, []byte("ratchet-state")},
		{"message", mk, m.record(), nil},
		{"message_index", mik, nil, mk},
		{"message_text_apart", mk, apart(m.record()), nil},
		{"message_text", bodyKey(mk), nil, []byte(m.Text)},
		{"outbox", ok, o.record(), nil},
		{"outbox_index", oik, nil, ok},
		{"setting", tk, nil, []byte("dark")},
		{"seen", xk, &SeenRecord{Expires: nanos(t0.Add(time.Hour))}, nil},
		{"seen_expiry", xek, nil, nil},
		{"request", rk, ptr(sampleRequest()).record(), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			val := c.raw
			if c.value != nil {
				var err error
				if val, err = encode(c.value); err != nil {
					t.Fatal(err)
				}
				val = val[sealHead:] // what sealInPlace seals
			}
			got := fmt.Sprintf("key: %s\nvalue: %s\n", hex.EncodeToString(c.key), hex.EncodeToString(val))
			path := filepath.Join("testdata", "golden", c.name+".txt")
			if *updateGolden {
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if got != string(want) {
				t.Errorf("%s encoding changed:\n got %s\nwant %s", c.name, strings.TrimSpace(got), strings.TrimSpace(string(want)))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
