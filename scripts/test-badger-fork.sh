#!/usr/bin/env bash
# Upstream Badger's tests and parley's crash test on the patched Badger in
# third_party/badger (see its PARLEY.md). The tree is its own Go module, so
# `go test ./...` at the repository root does not reach it.
#   scripts/test-badger-fork.sh          the packages the patches touch (CI)
#   BADGER_FULL=1 scripts/test-badger-fork.sh   every upstream test (long)
set -euo pipefail
cd "$(dirname "$0")/../third_party/badger"
if [ "${BADGER_FULL:-}" = 1 ]; then
	go test -count=1 -timeout 60m ./...
	exit
fi
go test -count=1 -timeout 20m ./table ./y ./skl
# The root package's tests that write, replay and read the WAL, value log
# and tables (the patched paths), and parley's crash test.
go test -count=1 -timeout 20m -run 'Parley|WAL|Replay|Recover|Crash|Truncate|Vlog|ValueLog|ValueGC|Write|Sync|Flush|Open|Reopen|Compaction|Backup|Stream|Txn|Iterate|Get|Set' .
