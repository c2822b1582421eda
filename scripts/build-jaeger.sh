#!/usr/bin/env bash
# Build Jaeger v2 (the `jaeger` all-in-one binary, an OTel Collector distribution) from the Go module proxy.
# `go install …/cmd/jaeger@v2.x` is impossible (module path has no /v2) and v1.76.0 (= Jaeger v2.13.0, the last
# release the proxy serves under this module path) has a replace directive, so we download the module and build
# it as the main module. Result: .cache/bin/jaeger
set -euo pipefail
OJ_COMPONENT=jaeger
source "$(dirname "${BASH_SOURCE[0]}")/e2e/go-build-lib.sh"
OJ_T0=$(date +%s)
JAEGER_MODULE=github.com/jaegertracing/jaeger
JAEGER_VERSION="${JAEGER_VERSION:-v1.76.0}"   # v1.76.0 == Jaeger v2.13.0 (dual-tagged)
KEY="$JAEGER_VERSION"
oj_cached jaeger "$KEY" && exit 0
oj_require_go 1.24
oj_go_env
oj_build_module "$JAEGER_MODULE" "$JAEGER_VERSION" ./cmd/jaeger jaeger "$KEY"
oj_publish jaeger "$KEY"
