package rendezvous

// Sizes shared by the client and the node.
const (
	// DefaultMaxEnvelopeBytes is the default largest sealed envelope a
	// mailbox accepts.
	DefaultMaxEnvelopeBytes = 300 << 10
	// MaxCardBytes is the largest contact card the directory stores.
	MaxCardBytes = 16 << 10
	// MaxRecordBytes is the largest signed peer record REGISTER accepts.
	MaxRecordBytes = 8 << 10
	// MaxLookupIDs is the most peer IDs one LOOKUP may ask about.
	MaxLookupIDs = 512
	// MaxFetchItems is the most envelopes one FETCH returns.
	MaxFetchItems = 256
	// MaxFetchBytes bounds the envelope bytes of one FETCH response (at
	// least one envelope is always returned if any is waiting).
	MaxFetchBytes = 4 << 20
	// MaxAckIDs is the most IDs one ACK may carry.
	MaxAckIDs = 1024

	// MaxRequestFrame bounds every request frame on the node's protocols:
	// a largest-possible envelope plus protobuf overhead.
	MaxRequestFrame = 1 << 20
	// MaxResponseFrame bounds every response frame: a full FETCH.
	MaxResponseFrame = MaxFetchBytes + 1<<20
)
