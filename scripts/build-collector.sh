#!/usr/bin/env bash
# Build the openjoules Collector from collector-config/manifest.yaml with the OpenTelemetry Collector Builder
# (ocb, `go install go.opentelemetry.io/collector/cmd/builder`). Result: .cache/bin/otelcol-openjoules
# Cached by sha256(manifest + builder version + Go version): an unchanged manifest is never rebuilt.
set -euo pipefail
OJ_COMPONENT=collector
source "$(dirname "${BASH_SOURCE[0]}")/e2e/go-build-lib.sh"
OJ_T0=$(date +%s)
BUILDER_VERSION="${OCB_VERSION:-v0.161.0}"
MANIFEST="$OJ_ROOT/collector-config/manifest.yaml"
oj_require_go 1.25
oj_go_env
KEY="$( { cat "$MANIFEST"; echo "$BUILDER_VERSION"; go env GOVERSION; } | sha256sum | cut -c1-12)"
oj_cached otelcol-openjoules "$KEY" && exit 0

BUILDER="$OJ_CACHE/tools/builder-$BUILDER_VERSION/builder"
if [ ! -x "$BUILDER" ]; then
  oj_log "installing ocb (go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION)"
  GOBIN="$(dirname "$BUILDER")" go install -trimpath -ldflags='-s -w' "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION" \
    || oj_die "could not install the Collector Builder from the Go module proxy"
fi
OUT="$OJ_CACHE/bin/otelcol-openjoules-$KEY"
SRC="$OJ_CACHE/src/otelcol-openjoules"
rm -rf "$SRC"; mkdir -p "$SRC" "$OUT"
# Same manifest, with the generated sources in .cache/src (ocb compiles there; we copy the binary out).
sed "s#^\(  output_path:\).*#\1 $SRC#" "$MANIFEST" > "$SRC.manifest.yaml"
oj_log "building with $BUILDER (cold module cache: several minutes; log: .cache/logs/otelcol-openjoules.log)"
if ! "$BUILDER" --config="$SRC.manifest.yaml" --ldflags='-s -w' >"$OJ_CACHE/logs/otelcol-openjoules.log" 2>&1; then
  tail -40 "$OJ_CACHE/logs/otelcol-openjoules.log" >&2; rm -rf "$OUT"
  oj_die "ocb build failed (full log: .cache/logs/otelcol-openjoules.log)"
fi
mv "$SRC/otelcol-openjoules" "$OUT/otelcol-openjoules"
oj_publish otelcol-openjoules "$KEY"
"$OUT/otelcol-openjoules" components >/dev/null || oj_die "the built collector does not run"
