#!/usr/bin/env bash
# Build Grafana Tempo (single binary, local storage) from the Go module proxy. Result: .cache/bin/tempo
# `go install` is impossible (replace directives; tags v2/v3 are not valid Go versions for the module path), so we
# download the module and build ./cmd/tempo as the main module. The proxy reachable from CI serves
# github.com/grafana/tempo only up to v1.5.0 (Tempo 1.5, 2022) — the trace-by-id API we assert on is the same.
set -euo pipefail
OJ_COMPONENT=tempo
source "$(dirname "${BASH_SOURCE[0]}")/e2e/go-build-lib.sh"
OJ_T0=$(date +%s)
TEMPO_MODULE=github.com/grafana/tempo
TEMPO_VERSION="${TEMPO_VERSION:-v1.5.0}"
KEY="$TEMPO_VERSION-oj1"   # -oj1: with the codec patch below
oj_cached tempo "$KEY" && exit 0
oj_require_go 1.18
oj_go_env
# Tempo 1.5's golang.org/x/net reaches into syscall via go:linkname, which Go >= 1.23 refuses to link
# ("invalid reference to syscall.recvmsg") unless the check is switched off.
export OJ_EXTRA_LDFLAGS="-checklinkname=0"
# Tempo 1.5 registers its gogo gRPC codec from a package init(); since Go 1.21 packages initialise in import-path
# order, so grpc's own "proto" codec (google.golang.org/...) registers after it and wins, and the distributor panics
# on its first push ("invalid Go type tempopb.PreallocBytes"). Re-register it from package main, which runs last.
oj_patch_tempo() {
  cat > "$1/pkg/gogocodec/openjoules_export.go" <<'GO'
package gogocodec

import "google.golang.org/grpc/encoding"

// NewCodec is added by openjoules' scripts/build-tempo.sh (see there).
func NewCodec() encoding.Codec { return newCodec() }
GO
  cat > "$1/cmd/tempo/openjoules_codec.go" <<'GO'
package main

import (
	"github.com/grafana/tempo/pkg/gogocodec"
	"google.golang.org/grpc/encoding"
)

// Added by openjoules' scripts/build-tempo.sh: package main initialises last, so this registration wins.
func init() { encoding.RegisterCodec(gogocodec.NewCodec()) }
GO
}
OJ_PATCH=oj_patch_tempo
oj_build_module "$TEMPO_MODULE" "$TEMPO_VERSION" ./cmd/tempo tempo "$KEY"
oj_publish tempo "$KEY"
