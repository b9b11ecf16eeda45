#!/usr/bin/env bash
# Release builds into dist/ (not part of CI: the Fyne packaging rebuilds the C
# code with hardening flags, about 2 minutes, and the Windows cross-build
# takes about 4.5 minutes cold).
#
#   dist/parley-linux-amd64-gui          desktop app (cgo, links libGL/libX11)
#   dist/parley.tar.xz                   `fyne package -os linux`: binary, .desktop file, icon
#   dist/parley-windows-amd64.exe        desktop app for Windows (mingw-w64, -H windowsgui)
#   dist/parley-linux-amd64              static headless node + client (CGO_ENABLED=0)
#   dist/parley-linux-arm64              the same for arm64
#
# Android (not built here: no NDK on this machine). With the Android NDK
# installed and ANDROID_NDK_HOME pointing at it:
#
#   GOFLAGS=-ldflags=-checklinkname=0 fyne package -os android -app-id chat.parley.app -icon Icon.png
#
# The -checklinkname=0 link flag is needed by github.com/wlynxg/anet (a libp2p
# dependency that links to net.zoneCache). On Android the profile lives under
# the app's storage root (gui.go), and nothing outside Fyne uses cgo.
#
# Usage: scripts/package.sh [VERSION]   (default: the Version in FyneApp.toml)
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:-$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)}
ldflags="-s -w -X main.version=$version"
mkdir -p dist
step() { printf '\n=== %s\n' "$*"; }

step "linux/amd64 desktop app (cgo)"
CGO_ENABLED=1 go build -trimpath -ldflags "$ldflags" -o dist/parley-linux-amd64-gui .

step "fyne package -os linux"
fyne=$(command -v fyne || true)
if [ -z "$fyne" ]; then
	go install fyne.io/tools/cmd/fyne@v1.7.4
	fyne=$(go env GOPATH)/bin/fyne
fi
# fyne package reads FyneApp.toml (name, app ID, version, icon) and writes
# parley.tar.xz into the current directory.
"$fyne" package -os linux -release
mv -f parley.tar.xz dist/parley.tar.xz

step "windows/amd64 desktop app (mingw-w64)"
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
	go build -trimpath -ldflags "$ldflags -H windowsgui" -o dist/parley-windows-amd64.exe .

for arch in amd64 arm64; do
	step "linux/$arch static headless (CGO_ENABLED=0)"
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags "$ldflags" -o "dist/parley-linux-$arch" .
done

step "done"
ls -l dist/
file dist/* | sed -e 's/, Go BuildID=[^,]*//' -e 's/, BuildID\[[^]]*\]=[^,]*//'
