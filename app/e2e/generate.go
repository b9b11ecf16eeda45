package e2e

// The protobuf messages of wire.proto are generated into internal/wirepb, so
// that they do not widen this package's API.
//go:generate protoc --go_out=internal/wirepb --go_opt=paths=source_relative wire.proto
