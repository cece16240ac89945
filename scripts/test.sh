#!/usr/bin/env bash
# Builds Herald and runs every test: unit tests and the broker conformance suite on every backend.
#
# Backends that need a server (NATS, PostgreSQL: coming) get a real one from Debian's packages, started
# here on a loopback port in a temporary directory; its address is exported in an environment variable.
# Locally an unset variable skips those tests with a printed reason; under CI (CI=true)
# HERALD_REQUIRE_SERVICES=1 turns a missing server into a failure.
#
# Fails if the build prints a warning from Herald's own code or if any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${CI:-}" = "true" ]; then
    export HERALD_REQUIRE_SERVICES=1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "==> swift build --build-tests"
swift build --build-tests 2>&1 | tee "$log"
# Warnings from Herald's sources and tests (dependencies' own warnings are not ours to fix).
if grep -E "^$(pwd)/(Sources|Tests)/.*warning:" "$log" | sort -u | grep .; then
    echo "error: the build printed warnings from Herald's code (listed above)" >&2
    exit 1
fi

echo "==> swift test"
swift test
