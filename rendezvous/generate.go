package rendezvous

// The proto is compiled from the module root so that it registers as
// "rendezvous/wire.proto": protobuf's global registry panics on two files of
// the same path, and other packages have a wire.proto too.
//go:generate protoc -I=.. --go_out=.. --go_opt=paths=source_relative ../rendezvous/wire.proto
