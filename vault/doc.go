// Package vault is parley's encrypted local store: a Badger v4 database
// unlocked with the user's passphrase, holding the profile and identity
// keys, contacts, ratchet sessions, messages, outbox, settings, pending
// friend requests and the replay (seen) set as typed records.
//
// Open a vault with [Create] or [Open], then group reads in [Vault.View] and
// writes that belong together in [Vault.Update]; every typed accessor is a
// method on [Tx]. Concurrent Updates are group-committed: one transaction
// and one sync per batch (see Group commit). Missing records are [ErrNotFound]; a record altered on disk is
// [ErrIntegrity].
//
// # Key hierarchy
//
//	passphrase ──Argon2id(salt, params)──▶ key-encryption key (32 B, wiped after use)
//	  └─ NaCl secretbox(nonce) wraps ──▶ data key (32 B, random, never changes)
//	       ├─ Badger EncryptionKey (AES-256-CTR of tables, value log, WAL;
//	       │    Badger wraps its own rotating block keys with it in KEYREGISTRY)
//	       └─ HKDF-SHA256(info "parley/v1/vault-record") ──▶ record key
//	            XChaCha20-Poly1305 seals every stored value, AD = 0x01 || Badger key
//
// Badger's AES-CTR is checked only by CRCs, so it hides data but does not
// authenticate it; the record layer does. A value moved under another key,
// or a flipped bit, fails to open ([ErrIntegrity]) and is never returned as
// a wrong value. Changing the passphrase rewraps the data key only.
//
// # Header byte layout
//
// The file vault.header (version 1, 140 bytes, integers big endian):
//
//	offset size field
//	0      8    magic "PARLEYVT"
//	8      2    format version = 1
//	10     1    KDF id = 1 (Argon2id)
//	11     1    Argon2id threads (lanes)
//	12     4    Argon2id time (passes)
//	16     4    Argon2id memory (KiB)
//	20     16   salt
//	36     24   secretbox nonce
//	60     48   secretbox(data key) = 32 B + 16 B tag
//	108    32   SHA-256 of bytes 0..107
//
// The checksum tells a damaged header ([ErrCorruptHeader]) from a wrong
// passphrase ([ErrWrongPassphrase]: the checksum is fine but secretbox
// fails). The header is replaced atomically: write vault.header.tmp, fsync,
// rename over vault.header, fsync the directory. A crash leaves the old or the
// new header, and Open removes a stale temp file. Create writes the header
// before the database and refuses ([ErrExists]) a directory that holds a
// header or Badger files, so a vault is never silently replaced. The Badger
// files live in the db/ subdirectory.
//
// # Record key prefixes
//
// Badger keys are ASCII prefixes plus binary parts; len16 is a 16-bit big
// endian length, time64 is Unix nanoseconds with the sign bit flipped
// (big endian, so byte order is time order). Values are the protobuf
// messages of records.proto (raw bytes for sessions and settings), sealed.
//
//	m/schema                          SchemaRecord (schema version)
//	p/profile                         ProfileRecord
//	c/<peer>                          ContactRecord
//	s/<peer>                          session blob
//	h/<len16 conv><time64 sentAt><id> MessageRecord (time order per conversation)
//	hi/<len16 conv><id>               message key (O(1) lookup, dedupe, status)
//	hb/<len16 conv><time64 sentAt><id> the text of a message of ≥ 4 KiB (raw),
//	                                  so that a status change rewrites only
//	                                  the small MessageRecord (schema 2)
//	o/<time64 createdAt><id>          OutboxRecord (creation order)
//	oi/<id>                           outbox key
//	t/<name>                          setting value
//	x/<len16 ns><id>                  SeenRecord (expiry); MarkFirstSeen's carry a Badger TTL instead of an index entry
//	xe/<time64 expires><len16 ns><id> empty (expiry index for PruneSeen; MarkSeen only)
//	r/<peer>                          RequestRecord
//
// History pages with a reverse iterator that seeks to the cursor message's
// key (found through hi/), so a page costs the same however long the
// conversation is. [Tx.DeleteConversation] removes a whole conversation
// by its h/ and hi/ prefixes in batches of [DeleteBatch] records, since
// Badger refuses a transaction of more than ≈ 26,000 writes. Record encodings are pinned by golden files in
// testdata/golden; a change must be deliberate and come with a schema
// version bump and a migration (see [SchemaVersion]).
//
// # KDF parameters and their cost
//
// [DefaultKDF] is Argon2id with 128 MiB of memory, 12 passes and 2 lanes.
// Measured on the 2-core machine kind parley is built and tested on (Debian
// 12, Go 1.26.8, amd64): one derivation takes ≈ 1.16 s of CPU, i.e. ≈ 0.6 s
// wall on an idle machine (the two lanes run in parallel; ≈ 45 ms per pass
// over 128 MiB), and 0.75–1.7 s wall while other CI jobs load the machine
// (BenchmarkDefaultKDF, and a CPU-time probe with getrusage). It is paid once
// per unlock and twice per passphrase change. 128 MiB keeps unlocking
// possible on low-memory phones; the time cost is bought with passes
// instead of memory. Header parameters are bounded (time ≤ 1024, memory ≤
// 4 GiB) so a hostile header cannot demand unbounded work. Tests use
// [TestKDF] (64 KiB, 1 pass), except one that checks the default parameters
// round-trip through a header.
//
// # Group commit
//
// With SyncWrites, Badger v4 batches concurrent commits into one write but
// still syncs its write-ahead log once per transaction. [Vault.Update]
// therefore queues functions: the first caller leads and runs everything
// queued in one Badger transaction (one sync), then hands leadership to the
// next waiting caller. A lone caller commits immediately. If one function of
// a batch fails, every function of that batch is re-run in a transaction of
// its own, so each caller sees exactly its own outcome. Measured with
// BenchmarkConcurrentUpdate on the 2-core machine (synced writes, ext4):
// one writer ≈ 3,500 msgs/s (one fsync each), 8 writers ≈ 10–17k msgs/s,
// 64 writers ≈ 30–63k msgs/s.
//
// # Value log
//
// Sealed values above 4 KiB (long texts, large payloads) are stored in
// Badger's value log rather than in the LSM tree, so they neither fill the
// memtable nor get rewritten by compactions. Badger does not reclaim value
// log space by itself: the vault runs its value log GC every 10 minutes on a
// goroutine that Close stops ([Options].GCInterval), and
// [Vault.CollectGarbage] runs it on demand.
//
// # Times
//
// Times are stored as Unix nanoseconds and returned in UTC; the zero
// time is stored as 0 and comes back as the zero time.
package vault
