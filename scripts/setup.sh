#!/usr/bin/env bash
# Installs what a fresh Debian machine with Go needs to build and test parley:
# the C toolchain and X11/GL headers for the Fyne GUI, Xvfb + ImageMagick +
# xdotool for the window smoke test, mingw-w64 for the Windows cross-build.
set -euo pipefail
pkgs=(gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
      libxinerama-dev libxi-dev libxxf86vm-dev xvfb xauth imagemagick xdotool jq file
      gcc-mingw-w64-x86-64)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
go mod download
