#!/usr/bin/env bash
# CI's e2e tier (called at the end of .ci/run): install Prometheus, build the Collector, Jaeger and Tempo (cached in
# .cache/, keyed by manifest/version), then `npm run test:e2e`. A build that fails or runs past its budget is
# reported and its tests print "SKIPPED <what>: <why>"; only the Collector is required for the tier to mean anything.
# Budgets (seconds, 2-core CI, cold caches): OPENJOULES_E2E_BUDGET_{COLLECTOR,JAEGER,TEMPO}; 0 skips that build.
set -uo pipefail
cd "$(dirname "$0")/../.."

say() { printf '[e2e] %s\n' "$*"; }
timed_build() { # name budget_s command...
  local name="$1" budget="$2"; shift 2
  if [ "$budget" = "0" ]; then say "SKIPPED build of $name: budget 0 (OPENJOULES_E2E_BUDGET_${name^^}=0)"; return 0; fi
  local t0=$SECONDS
  if timeout --kill-after=10 "$budget" "$@"; then
    say "$name ready in $(( SECONDS - t0 ))s"
  else
    local rc=$?
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then say "SKIPPED $name: build ran past its ${budget}s budget (cache it in .cache/ or raise OPENJOULES_E2E_BUDGET_${name^^})"
    else say "SKIPPED $name: build failed (exit $rc; see .cache/logs/)"; fi
  fi
}

if ! command -v prometheus >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  say "installing Prometheus (Debian package)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null) \
    || say "prometheus could not be installed; the Prometheus checks will say SKIPPED"
fi

if ! command -v go >/dev/null 2>&1; then
  say "SKIPPED Go builds: Go is not installed (the e2e tests will say SKIPPED for each missing binary)"
else
  timed_build collector "${OPENJOULES_E2E_BUDGET_COLLECTOR:-1200}" bash scripts/build-collector.sh
  timed_build jaeger "${OPENJOULES_E2E_BUDGET_JAEGER:-1200}" bash scripts/build-jaeger.sh
  timed_build tempo "${OPENJOULES_E2E_BUDGET_TEMPO:-600}" bash scripts/build-tempo.sh
fi

npm run test:e2e
