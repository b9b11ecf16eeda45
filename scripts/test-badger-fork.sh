#!/usr/bin/env bash
# Upstream Badger's own tests and parley's crash test, run on the patched
# Badger in third_party/badger (see its PARLEY.md). That tree is its own Go
# module, so `go test ./...` at the repository root does not reach it.
# About 6 minutes on 2 cores, most of it the root package.
set -euo pipefail
cd "$(dirname "$0")/../third_party/badger"
# pb's only test regenerates the protobuf code with protoc (not installed,
# and pb is not patched): left out.
go test -count=1 -timeout 30m $(go list ./... | grep -v '/pb$')
