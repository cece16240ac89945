#!/usr/bin/env bash
# Builds Herald and runs every test: unit tests and the broker conformance suite on every backend.
#
# Backends that need a server (NATS, PostgreSQL with a streaming replica) get a real one from Debian's
# packages, started here on a loopback port in a temporary directory; its address is exported in an
# environment variable (HERALD_NATS_URL, HERALD_POSTGRES_URL, HERALD_POSTGRES_REPLICA_URL).
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
nats_dir=""
nats_pid=""
pg_dir=""
pg_bin=""
cleanup() {
    if [ -n "$nats_pid" ]; then
        kill "$nats_pid" 2>/dev/null || true
        wait "$nats_pid" 2>/dev/null || true
    fi
    if [ -n "$nats_dir" ]; then rm -rf "$nats_dir"; fi
    if [ -n "$pg_dir" ]; then
        for cluster in replica primary; do
            if [ -f "$pg_dir/$cluster/postmaster.pid" ]; then as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/$cluster" -m immediate -w stop >/dev/null 2>&1 || true; fi
        done
        rm -rf "$pg_dir"
    fi
    rm -f "$log"
}
trap cleanup EXIT

# A free loopback TCP port (the kernel picks one; it is released before the server binds it).
free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    return 1
}

# Waits up to 15 s until 127.0.0.1:$1 accepts a TCP connection.
wait_for_port() {
    for _ in $(seq 1 150); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

# openssl makes the certificates of the TLS tests (server and NATS client).
if ! command -v openssl >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> apt-get install openssl"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null 2>&1; } || true
fi

# NATS: install the Debian package if missing and we are root, start it with JetStream on a loopback
# port in a temporary store, and export its address. Tests that restart their own servers find the
# binary through HERALD_NATS_SERVER.
nats_server=$(command -v nats-server || true)
if [ -z "$nats_server" ] && [ -x /usr/sbin/nats-server ]; then nats_server=/usr/sbin/nats-server; fi
if [ -z "$nats_server" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "==> apt-get install nats-server"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null 2>&1 || true
    fi
    nats_server=$(command -v nats-server || true)
    if [ -z "$nats_server" ] && [ -x /usr/sbin/nats-server ]; then nats_server=/usr/sbin/nats-server; fi
fi
if [ -n "${HERALD_NATS_URL:-}" ]; then
    echo "==> using the NATS server at $HERALD_NATS_URL"
    if [ -n "$nats_server" ]; then export HERALD_NATS_SERVER="${HERALD_NATS_SERVER:-$nats_server}"; fi
elif [ -n "$nats_server" ]; then
    nats_dir=$(mktemp -d)
    nats_port=$(free_port)
    "$nats_server" -js -a 127.0.0.1 -p "$nats_port" -sd "$nats_dir/store" -l "$nats_dir/server.log" &
    nats_pid=$!
    if wait_for_port "$nats_port"; then
        export HERALD_NATS_URL="nats://127.0.0.1:$nats_port"
        export HERALD_NATS_SERVER="$nats_server"
        echo "==> nats-server $("$nats_server" --version | awk '{print $2}') on $HERALD_NATS_URL"
    else
        echo "warning: nats-server did not accept on port $nats_port; its log:" >&2
        cat "$nats_dir/server.log" >&2 || true
    fi
else
    echo "warning: nats-server is not installed; NATS tests will be skipped (or fail under CI)" >&2
fi

# PostgreSQL: Debian's packages (installed if missing and we are root), a throwaway primary cluster made
# with initdb in a temporary directory on a loopback port, and a streaming replica of it made with
# pg_basebackup -R on a second port. PostgreSQL refuses to run as root, so as root the clusters belong to
# the postgres user (created by the package).
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
find_pg_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ]; then pg_bin="$dir"; fi
    done
}
find_pg_bin
if [ -z "$pg_bin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> apt-get install postgresql"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1; then
        apt-get update -qq >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 || true
    fi
    find_pg_bin
fi
if [ -n "${HERALD_POSTGRES_URL:-}" ]; then
    echo "==> using the PostgreSQL server at $HERALD_POSTGRES_URL"
elif [ -n "$pg_bin" ] && { [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1; }; then
    pg_dir=$(mktemp -d)
    if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir"; fi
    pg_port=$(free_port)
    pg_replica_port=$(free_port)
    pg_ok=1
    as_postgres "$pg_bin/initdb" -D "$pg_dir/primary" -U herald --auth=trust -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 || pg_ok=0
    if [ "$pg_ok" = 1 ]; then
        {
            echo "listen_addresses = '127.0.0.1'"
            echo "port = $pg_port"
            echo "unix_socket_directories = '$pg_dir'"
            echo "wal_level = replica"
            echo "max_wal_senders = 4"
            echo "max_connections = 200"
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        } | as_postgres tee -a "$pg_dir/primary/postgresql.conf" >/dev/null
        echo "host replication herald 127.0.0.1/32 trust" | as_postgres tee -a "$pg_dir/primary/pg_hba.conf" >/dev/null
        as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/primary" -l "$pg_dir/primary.log" -w -t 30 start >/dev/null 2>&1 || pg_ok=0
    fi
    if [ "$pg_ok" = 1 ]; then
        export HERALD_POSTGRES_URL="postgres://herald@127.0.0.1:$pg_port/postgres"
        echo "==> PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"
        if as_postgres "$pg_bin/pg_basebackup" -h 127.0.0.1 -p "$pg_port" -U herald -D "$pg_dir/replica" -R -X stream >"$pg_dir/basebackup.log" 2>&1; then
            echo "port = $pg_replica_port" | as_postgres tee -a "$pg_dir/replica/postgresql.conf" >/dev/null
            if as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/replica" -l "$pg_dir/replica.log" -w -t 30 start >/dev/null 2>&1; then
                export HERALD_POSTGRES_REPLICA_URL="postgres://herald@127.0.0.1:$pg_replica_port/postgres"
                echo "==> PostgreSQL streaming replica on 127.0.0.1:$pg_replica_port"
            else
                echo "warning: the PostgreSQL replica did not start; its log:" >&2
                cat "$pg_dir/replica.log" >&2 || true
            fi
        else
            echo "warning: pg_basebackup failed; replica tests will be skipped (or fail under CI):" >&2
            cat "$pg_dir/basebackup.log" >&2 || true
        fi
    else
        echo "warning: PostgreSQL did not start; PostgreSQL tests will be skipped (or fail under CI):" >&2
        cat "$pg_dir/initdb.log" "$pg_dir/primary.log" 2>/dev/null >&2 || true
    fi
else
    echo "warning: PostgreSQL is not installed; PostgreSQL tests will be skipped (or fail under CI)" >&2
fi

# Python's official NATS client (nats-py, from PyPI) for the interop tests; they find Python through
# HERALD_PYTHON.
if command -v python3 >/dev/null; then
    if ! python3 -c 'import nats' 2>/dev/null; then
        echo "==> pip install nats-py"
        python3 -m pip install -q nats-py >/dev/null 2>&1 || echo "warning: pip install nats-py failed; interop tests will be skipped (or fail under CI)" >&2
    fi
    if python3 -c 'import nats' 2>/dev/null; then export HERALD_PYTHON="$(command -v python3)"; fi
    # The CloudEvents Python SDK, for the HTTP server's interop tests (HERALD_CLOUDEVENTS_PYTHON).
    if ! python3 -c 'import cloudevents.core' 2>/dev/null; then
        echo "==> pip install cloudevents"
        python3 -m pip install -q 'cloudevents>=2.2' >/dev/null 2>&1 || echo "warning: pip install cloudevents failed; its interop tests will be skipped (or fail under CI)" >&2
    fi
    if python3 -c 'import cloudevents.core' 2>/dev/null; then export HERALD_CLOUDEVENTS_PYTHON="$(command -v python3)"; fi
    # schemathesis checks the running server against its OpenAPI document (HERALD_SCHEMATHESIS).
    if ! command -v schemathesis >/dev/null; then
        echo "==> pip install schemathesis"
        python3 -m pip install -q 'schemathesis>=4' >/dev/null 2>&1 || echo "warning: pip install schemathesis failed; its test will be skipped (or fail under CI)" >&2
    fi
    if command -v schemathesis >/dev/null; then export HERALD_SCHEMATHESIS="$(command -v schemathesis)"; fi
fi

# The dashboard's browser tests: Debian's Chromium and its driver, and selenium from PyPI
# (HERALD_SELENIUM_PYTHON names the Python that has it).
if { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; } && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> apt-get install chromium chromium-driver"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; } \
        || echo "warning: apt-get install chromium chromium-driver failed; the dashboard's browser tests will be skipped (or fail under CI)" >&2
fi
if command -v python3 >/dev/null && command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    if ! python3 -c 'import selenium' 2>/dev/null; then
        echo "==> pip install selenium"
        python3 -m pip install -q selenium >/dev/null 2>&1 || echo "warning: pip install selenium failed; the dashboard's browser tests will be skipped (or fail under CI)" >&2
    fi
    if python3 -c 'import selenium' 2>/dev/null; then
        export HERALD_SELENIUM_PYTHON="$(python3 -c 'import sys; print(sys.executable)')"
        export HERALD_CHROMIUM="$(command -v chromium)" HERALD_CHROMEDRIVER="$(command -v chromedriver)"
    fi
fi

echo "==> swift format lint"
# The tree is formatted with the repository's .swift-format; a violation fails the run (fix: swift format -i -r Sources Tests Examples Package.swift).
swift format lint --strict -r Sources Tests Examples Package.swift

echo "==> README examples"
# Every Swift block of the README is a file the build compiles (Examples/, a test), exactly as printed.
python3 scripts/check-readme.py

echo "==> swift build --build-tests"
swift build --build-tests 2>&1 | tee "$log"
# Warnings from Herald's sources and tests (dependencies' own warnings are not ours to fix).
# SwiftPM's own warnings about the package (an unhandled file in a target) count too.
if grep -iE "^$(pwd)/(Sources|Tests)/.*warning:|^warning: '$(basename "$(pwd)")'" "$log" | sort -u | grep .; then
    echo "error: the build printed warnings from Herald's code (listed above)" >&2
    exit 1
fi

echo "==> README quick start: runs, handles its event, stops on SIGTERM"
quickstart_out=$(mktemp)
.build/debug/ReadmeQuickStart >"$quickstart_out" 2>&1 &
quickstart_pid=$!
for _ in $(seq 1 100); do
    if grep -q "brewing latte" "$quickstart_out"; then break; fi
    sleep 0.1
done
kill -TERM "$quickstart_pid"
quickstart_status=0
wait "$quickstart_pid" || quickstart_status=$?
if [ "$quickstart_status" != 0 ] || ! grep -q "order A-1 handled" "$quickstart_out"; then
    echo "error: the README quick start did not handle its event and stop on SIGTERM (exit $quickstart_status):" >&2
    cat "$quickstart_out" >&2
    exit 1
fi
rm -f "$quickstart_out"

echo "==> herald verify: the demo's handlers pass every applicable check, and a seed replays the same in another process"
verify_first=$(mktemp)
verify_second=$(mktemp)
.build/debug/herald verify --json >"$verify_first"
.build/debug/herald verify --json >"$verify_second"
python3 - "$verify_first" "$verify_second" <<'PY'
import json, sys
first, second = (json.load(open(path)) for path in sys.argv[1:3])
for report in (first, second):
    report.pop("wallSeconds", None)
if first != second:
    sys.exit("error: herald verify gave two different reports for seed 1 in two processes")
print(f"herald verify: {sum(p['status'] == 'survived' for p in first['profiles'])} profiles survived, "
      f"{sum(p['status'] == 'not applicable' for p in first['profiles'])} not applicable, the same in both processes")
PY
rm -f "$verify_first" "$verify_second"

# Four runs, one after another: the suites with servers and helper processes, the dashboard in a browser, then the broker conformance
# suites (their load cases: 100,000 events through each backend), then PostgreSQL's (its servers share the
# machine's cores). All at once, on two cores, the load cases ran past their time limits.
echo "==> swift test (all but the conformance suites, PostgreSQL and the dashboard in a browser)"
swift test --skip "ConformanceTests|HeraldPostgresTests|DashboardBrowserTests"
# Alone: its page-load times are measured, and the browser should not share the cores with other suites.
echo "==> swift test (the dashboard in a headless browser; screenshots in .build/dashboard-screenshots)"
swift test --filter DashboardBrowserTests
echo "==> swift test (broker conformance: in-memory, embedded log, NATS, over HTTP)"
swift test --filter ConformanceTests --skip HeraldPostgresTests
echo "==> swift test (PostgreSQL)"
swift test --filter HeraldPostgresTests
