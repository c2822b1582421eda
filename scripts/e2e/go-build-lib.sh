#!/usr/bin/env bash
# Shared helpers for scripts/build-{collector,jaeger,tempo}.sh (sourced, not run).
# Everything lands in .cache/ (gitignored):
#   .cache/go/{mod,build}     Go module + build caches (GOMODCACHE/GOCACHE), so a CI cache of .cache/ is complete
#   .cache/bin/<name>-<key>/  the built binary, keyed by manifest hash / version
#   .cache/bin/<name>         symlink to the current build (what the e2e tests run)
# Env knobs: OPENJOULES_USE_GLOBAL_GO_CACHE=1 (use your own GOMODCACHE/GOCACHE), OPENJOULES_REBUILD=1 (ignore the binary cache).
set -euo pipefail

OJ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OJ_CACHE="$OJ_ROOT/.cache"
mkdir -p "$OJ_CACHE/bin" "$OJ_CACHE/src" "$OJ_CACHE/logs"

oj_log() { printf '[%s] %s\n' "$OJ_COMPONENT" "$*" >&2; }
oj_die() { printf '[%s] ERROR: %s\n' "$OJ_COMPONENT" "$*" >&2; exit 1; }

oj_require_go() {
  if ! command -v go >/dev/null 2>&1; then
    oj_die "Go is not installed (or not on PATH). Building $OJ_COMPONENT needs Go >= ${1:-1.24} and the Go module proxy.
  Install it from https://go.dev/dl/ (or 'apt-get install golang-go' if your distribution's version is recent enough),
  then re-run this script. The e2e tests print 'SKIPPED ...' for every server whose binary is missing."
  fi
  local have; have="$(go env GOVERSION 2>/dev/null | sed 's/^go//')"
  oj_log "using $(command -v go) (go$have)"
}

oj_go_env() {
  if [ "${OPENJOULES_USE_GLOBAL_GO_CACHE:-0}" != "1" ]; then
    export GOMODCACHE="$OJ_CACHE/go/mod" GOCACHE="$OJ_CACHE/go/build"
  fi
  export GOFLAGS="-mod=mod" CGO_ENABLED=0
  # GOPROXY is left as the toolchain (or the machine, `go env -w GOPROXY=...`) has it configured.
  export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
}

# oj_cached <name> <key>: succeeds (and prints the path) when .cache/bin/<name>-<key>/<name> exists.
oj_cached() {
  local bin="$OJ_CACHE/bin/$1-$2/$1"
  if [ "${OPENJOULES_REBUILD:-0}" != "1" ] && [ -x "$bin" ]; then
    ln -sfn "$1-$2/$1" "$OJ_CACHE/bin/$1"
    oj_log "cached: $bin (key $2) — set OPENJOULES_REBUILD=1 to rebuild"
    return 0
  fi
  return 1
}

# oj_publish <name> <key>: point .cache/bin/<name> at the fresh build.
oj_publish() {
  ln -sfn "$1-$2/$1" "$OJ_CACHE/bin/$1"
  oj_log "built $OJ_CACHE/bin/$1 -> $1-$2/$1 ($(du -h "$OJ_CACHE/bin/$1-$2/$1" | cut -f1)) in $(( $(date +%s) - OJ_T0 ))s"
}

# oj_build_module <module> <version> <package> <name> <key>: build a main package of a module fetched
# from the module proxy (not 'go install', which refuses modules whose go.mod has replace directives).
oj_build_module() {
  local mod="$1" ver="$2" pkg="$3" name="$4" key="$5"
  local json dir src="$OJ_CACHE/src/$name-$ver"
  oj_log "downloading $mod@$ver from the module proxy ($(go env GOPROXY))"
  json="$(go mod download -json "$mod@$ver")" || oj_die "could not download $mod@$ver from the module proxy"
  dir="$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir" ] || oj_die "module download gave no source dir for $mod@$ver"
  rm -rf "$src"; mkdir -p "$src"; cp -R "$dir/." "$src/"; chmod -R u+w "$src"
  if [ -n "${OJ_PATCH:-}" ]; then oj_log "patching the source ($OJ_PATCH)"; "$OJ_PATCH" "$src"; fi
  oj_log "building $pkg (this takes minutes on a cold cache; log: .cache/logs/$name.log)"
  local out="$OJ_CACHE/bin/$name-$key"; mkdir -p "$out"
  ( cd "$src" && go build -trimpath -ldflags="-s -w ${OJ_EXTRA_LDFLAGS:-}" -o "$out/$name" "$pkg" ) >"$OJ_CACHE/logs/$name.log" 2>&1 \
    || { tail -40 "$OJ_CACHE/logs/$name.log" >&2; rm -rf "$out"; oj_die "go build of $mod@$ver failed (full log: .cache/logs/$name.log)"; }
}
