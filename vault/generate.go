package vault

// The generated file registers as "vault/records.proto" (protoc runs from the
// module root) so that it cannot clash with another package's records.proto.
//go:generate protoc --proto_path=.. --go_out=.. --go_opt=paths=source_relative vault/records.proto
