package e2e

//go:generate protoc --go_out=. --go_opt=paths=source_relative wire.proto
