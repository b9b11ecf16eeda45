#!/usr/bin/env bash
# Long variants of the adversarial and fault suite (issue 6; see SECURITY.md).
# Not run by scripts/test.sh. Needs root for the tmpfs disk-full tests (they
# skip otherwise).
#
#   PARLEY_LONG=1: 100 sender and 100 receiver SIGKILL trials, 200
#   passphrase-change kills, a 1,000-message Debug-level leak scan, 400
#   stranger requests; PARLEY_NODE_KILLS=20 node kills during deposits;
#   the e2e conversation property test without the race detector (200 seeds).
#   Then every fuzz target for FUZZTIME (default 60s), reporting how long
#   each ran without a finding.
#
# RACE=1 adds -race to the long tests (≈ 3× slower). SKIP_TESTS=1 or
# SKIP_FUZZ=1 runs only the other half.
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=C.UTF-8
FUZZTIME=${FUZZTIME:-60s}
race=()
[ "${RACE:-0}" = 1 ] && race=(-race)
step() { printf '\n=== %s\n' "$*"; }
failed=0 # a failing step is reported; the script goes on and exits 1 at the end

if [ "${SKIP_TESTS:-0}" != 1 ]; then
  step "long adversarial and fault tests (PARLEY_LONG=1)"
  start=$(date +%s)
  PARLEY_LONG=1 PARLEY_NODE_KILLS=20 go test "${race[@]}" -count=1 -timeout 90m -v \
    -run '^(TestFault.*|TestLeak.*|TestCardSubstitution|TestKeyChangeJSON|TestHostileTexts|TestMailboxFloodOverTheWire|TestSlowLorisAndLyingFrames|TestStrangerRequestFlood|TestClientHostileFrames|TestMailboxReplayedFetchAck|TestNodeKillDuringPuts)$' . \
    2>&1 | grep -E '^(---|ok|FAIL|PASS|panic)|^\s+\S+_test\.go:[0-9]+: ' || failed=1
  echo "long root-package tests took $(( $(date +%s) - start ))s"

  step "e2e conversation property test, no race detector (200 seeds)"
  go test -count=1 -run '^TestConversationProperty$' -v ./app/e2e | grep -E '^(---|ok|FAIL)' || failed=1

  step "app reorder/loss/duplication test (PARLEY_LONG=1)"
  PARLEY_LONG=1 go test -count=1 -run '^TestReorderLossDuplication$' -v ./app | grep -E '^(---|ok|FAIL)' || failed=1
fi

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  step "fuzz targets (${FUZZTIME} each)"
  summary=()
  for pkg in $(go list ./...); do
    for f in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
      log=$(mktemp)
      s=$(date +%s)
      for try in 1 2; do
        if go test -run '^$' -fuzz "^${f}\$" -fuzztime "$FUZZTIME" "$pkg" >"$log" 2>&1; then
          execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo '?')
          line="$pkg $f: $(( $(date +%s) - s ))s without a finding ($execs execs)"
          break
        elif grep -q 'Failing input written to' "$log"; then
          cat "$log"
          line="$pkg $f: FINDING after $(( $(date +%s) - s ))s ($(grep -o 'testdata/fuzz/[^ ]*' "$log" | head -1))"
          break
        else
          # No crasher written: the fuzzing engine itself stopped (e.g. its
          # "context deadline exceeded" at the end of -fuzztime). Retry once.
          tail -5 "$log"
          line="$pkg $f: engine error without a crasher (twice), see above"
        fi
      done
      rm -f "$log"
      echo "$line"
      summary+=("$line")
    done
  done
  step "fuzz summary"
  printf '%s\n' "${summary[@]}"
  if printf '%s\n' "${summary[@]}" | grep -qE 'FINDING|engine error'; then failed=1; fi
fi
echo
if [ "$failed" != 0 ]; then echo "long tests: FAILED (see above)"; exit 1; fi
echo "long tests passed"
