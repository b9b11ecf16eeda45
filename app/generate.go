package app

//go:generate protoc --go_out=. --go_opt=paths=source_relative content.proto
