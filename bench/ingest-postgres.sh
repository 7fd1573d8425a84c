#!/usr/bin/env bash
# Runs `weimin bench ingest` against a throwaway PostgreSQL 15 cluster (same helper as the tests),
# with a release build. Usage: bench/ingest-postgres.sh [extra weimin bench ingest options]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
trap pg_stop EXIT INT TERM
pg_start
su postgres -c "psql -q -h 127.0.0.1 -p $WEIMIN_PG_PORT -c 'CREATE DATABASE weimin_bench'"
swift build -c release --product weimin
.build/release/weimin bench ingest --database-url "postgres://postgres@127.0.0.1:${WEIMIN_PG_PORT}/weimin_bench?sslmode=disable" "$@"
