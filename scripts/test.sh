#!/usr/bin/env bash
# The whole test suite: formatting, vet, staticcheck, unit + integration tests with the
# race detector, a short run of every fuzz target, the static headless build,
# cross-compile checks, the quick benchmark and the GUI window smoke test.
# FUZZTIME (default 10000x: ten thousand inputs) sets how long each fuzz
# target runs. A count, not a duration: Go 1.26's fuzzing coordinator can
# fail a duration-bounded run with "context deadline exceeded" at the end
# of -fuzztime without any crasher (golang/go#75804, fixed in Go 1.27); a
# count has no deadline to race.
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=en_US.UTF-8  # Fyne cannot parse "C" as a locale
step() { printf '\n=== %s\n' "$*"; }

step "gofmt"
bad=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$bad" ]; then echo "not gofmt-clean:"; echo "$bad"; exit 1; fi

step "go vet"
go vet ./...

step "staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

step "go test -race"
go test -race -count=1 -timeout 25m ./...

step "fuzz targets (${FUZZTIME:-10000x} each)"
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "fuzz $pkg $f"
    go test -run '^$' -fuzz "^${f}\$" -fuzztime "${FUZZTIME:-10000x}" "$pkg" >/tmp/parley-fuzz.log 2>&1 || { cat /tmp/parley-fuzz.log; exit 1; }
  done
done

step "static headless build"
CGO_ENABLED=0 go build -o /tmp/parley-static .
info=$(file /tmp/parley-static)
echo "$info"
grep -q 'statically linked' <<<"$info"
/tmp/parley-static version

step "cross-compile checks (android/arm64, darwin/arm64: non-GUI packages)"
nongui=$(go list ./... | grep -v -e '/ui$' -e '/ui/')
GOOS=android GOARCH=arm64 CGO_ENABLED=0 go build -ldflags=-checklinkname=0 $nongui
GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 go build $nongui
# bench is a Linux load tool (rlimits, rusage): not part of the Windows build
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build $(grep -v '/bench$' <<<"$nongui")

for extra in scripts/test-*.sh; do
  [ -e "$extra" ] || continue
  step "$extra"
  bash "$extra"
done
echo
echo "all checks passed"
