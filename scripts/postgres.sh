# Throwaway PostgreSQL for tests and benchmarks: sourced by scripts/test.sh.
# Starts a private cluster (own data folder, 127.0.0.1, a free port) and stops it on exit.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.

pg_bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_ensure_installed() {
    if [ -z "$(pg_bin_dir)" ] || [ ! -x "$(pg_bin_dir)/initdb" ]; then
        if [ "$(id -u)" = "0" ]; then
            echo "PostgreSQL server not found; installing it from Debian…" >&2
            apt-get update -qq >/dev/null
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        else
            echo "PostgreSQL server (initdb) not found. Install it: sudo apt-get install postgresql" >&2
            return 1
        fi
    fi
}

pg_as_owner() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Sets WEIMIN_PG_DIR, WEIMIN_PG_PORT and WEIMIN_PG_URL (the admin database URL).
pg_start() {
    pg_ensure_installed || return 1
    local bin; bin="$(pg_bin_dir)"
    WEIMIN_PG_DIR="$(mktemp -d /tmp/weimin-pg.XXXXXX)"
    chmod 755 "$WEIMIN_PG_DIR"
    if [ "$(id -u)" = "0" ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
        chown postgres "$WEIMIN_PG_DIR"
    fi
    WEIMIN_PG_PORT="$(pg_free_port)"
    pg_as_owner "$bin/initdb" -D "$WEIMIN_PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$WEIMIN_PG_DIR/initdb.log" 2>&1 \
        || { cat "$WEIMIN_PG_DIR/initdb.log" >&2; return 1; }
    # fsync off: this cluster is thrown away; durability of the product is tested on SQLite and by design.
    pg_as_owner "$bin/pg_ctl" -D "$WEIMIN_PG_DIR/data" -l "$WEIMIN_PG_DIR/server.log" -w -t 60 \
        -o "-p $WEIMIN_PG_PORT -k $WEIMIN_PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off" start >/dev/null \
        || { cat "$WEIMIN_PG_DIR/server.log" >&2; return 1; }
    WEIMIN_PG_URL="postgres://postgres@127.0.0.1:${WEIMIN_PG_PORT}/postgres?sslmode=disable"
    export WEIMIN_PG_DIR WEIMIN_PG_PORT WEIMIN_PG_URL
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') started on 127.0.0.1:${WEIMIN_PG_PORT} (data in $WEIMIN_PG_DIR)" >&2
}

pg_stop() {
    [ -n "${WEIMIN_PG_DIR:-}" ] || return 0
    local bin; bin="$(pg_bin_dir)"
    pg_as_owner "$bin/pg_ctl" -D "$WEIMIN_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$WEIMIN_PG_DIR"
    unset WEIMIN_PG_DIR
}
