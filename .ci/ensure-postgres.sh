#!/usr/bin/env bash
# Make sure PostgreSQL server binaries (initdb, pg_ctl) exist, so the storage tests
# run against a real server (tests/conftest.py starts one per test session).
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null || command -v initdb > /dev/null; then
    exit 0
fi
if ! command -v apt-get > /dev/null; then
    echo "ensure-postgres: no initdb and no apt-get; PostgreSQL tests will be skipped" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql > /dev/null
compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null
