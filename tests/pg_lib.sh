# A throwaway PostgreSQL server for tests.  Source it, then:
#
#   pg_available || skip        # initdb and pg_ctl found?
#   pg_start "$T/pg"            # PG_DIR, PG_PORT, PG_BASE_URL exported
#   trap pg_stop EXIT
#   url=$(pg_new_db atsb)       # postgresql://atsb@127.0.0.1:PORT/atsb
#   pg_psql "$url" -c 'SELECT 1'
#   pg_down; pg_up              # a database outage, same port and data
#   pg_stop                     # gone, data dir and all
#
# The server listens on 127.0.0.1 only (a free port found at start), its
# socket is in its data dir, every login is trusted, and durability is off
# (fsync): it is a test fixture.  It runs as the invoking user, or as
# `postgres` under root, because the server refuses to run as root.
# Everything is quiet on success; a failure says what and shows the
# server's log.  Safe under `set -u`.

_PG_BIN=

# The directory of the newest installed PostgreSQL (Debian keeps each
# version apart), else whatever PATH has.
_pg_find_bin() {
    [ -n "$_PG_BIN" ] && return 0
    local d best='' bestv=-1 v
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || continue
        v=${d#/usr/lib/postgresql/}
        v=${v%%/*}
        v=${v%%.*}
        case $v in '' | *[!0-9]*) continue ;; esac
        if [ "$v" -gt "$bestv" ]; then bestv=$v best=$d; fi
    done
    if [ -z "$best" ]; then
        local i
        i=$(command -v initdb 2>/dev/null) || return 1
        best=$(dirname "$i")
        [ -x "$best/pg_ctl" ] || return 1
    fi
    _PG_BIN=$best
}

pg_available() {
    _pg_find_bin >/dev/null 2>&1
}

_pg_err() {
    echo "pg_lib: $*" >&2
}

# The server's own tools run as its owner; from / so that a cwd postgres
# cannot enter does not matter.
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

_pg_show_log() {
    if [ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/server.log" ]; then
        echo "pg_lib: server log ($PG_DIR/server.log), last lines:" >&2
        tail -n 20 "$PG_DIR/server.log" >&2
    fi
}

# A port nothing listens on.  Another process may take it before the
# server binds; pg_start then tries another.
_pg_free_port() {
    local p i
    for i in $(seq 1 50); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

_pg_wait_ready() {
    local i
    for i in $(seq 1 60); do
        "$_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres -U atsb && return 0
        sleep 0.5
    done
    _pg_err "the server on port $PG_PORT did not accept connections within 30 s"
    _pg_show_log
    return 1
}

# pg_start DIR: a new cluster in DIR, started.
pg_start() {
    if [ $# -ne 1 ] || [ -z "$1" ]; then
        _pg_err "usage: pg_start DIR"
        return 2
    fi
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
        _pg_err "a server is already set up here ($PG_DIR); pg_stop it first"
        return 1
    fi
    if ! _pg_find_bin; then
        _pg_err "PostgreSQL not found (initdb, pg_ctl); install the postgresql package"
        return 1
    fi
    local dir=$1 parent data
    parent=$(dirname "$dir")
    if [ ! -d "$parent" ]; then
        _pg_err "pg_start: $parent does not exist"
        return 1
    fi
    if [ -e "$dir" ]; then
        _pg_err "pg_start: $dir already exists"
        return 1
    fi
    dir=$(cd "$parent" && pwd)/$(basename "$dir")
    # The server must reach its dir, and its socket path must fit in
    # sun_path (107 bytes): otherwise the data lives in a fresh dir under
    # /tmp and DIR links to it.
    if [ "$(id -u)" -eq 0 ]; then
        if ! id postgres >/dev/null 2>&1; then
            _pg_err "running as root needs a 'postgres' user to run the server"
            return 1
        fi
        if runuser -u postgres -- test -x "$parent" 2>/dev/null &&
            [ ${#dir} -le 80 ]; then
            mkdir "$dir" && chown postgres: "$dir" || return 1
            data=$dir
        else
            data=$(mktemp -d "${TMPDIR:-/tmp}/atsb-pg.XXXXXX") || return 1
            chown postgres: "$data" && ln -s "$data" "$dir" || return 1
        fi
    elif [ ${#dir} -le 80 ]; then
        mkdir "$dir" || return 1
        data=$dir
    else
        data=$(mktemp -d "${TMPDIR:-/tmp}/atsb-pg.XXXXXX") || return 1
        ln -s "$data" "$dir" || return 1
    fi
    chmod 700 "$data"
    export PG_DIR=$data
    _PG_LINK=
    [ "$data" != "$dir" ] && _PG_LINK=$dir

    local out
    if ! out=$(_pg_as_owner "$_PG_BIN/initdb" -D "$PG_DIR" -U atsb -A trust -E UTF8 \
        --no-locale --no-sync 2>&1); then
        _pg_err "initdb failed:"
        echo "$out" >&2
        return 1
    fi
    # atsb is the cluster's bootstrap superuser (initdb -U): a SUPERUSER
    # LOGIN role from the start.
    cat >>"$PG_DIR/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
    local _
    for _ in 1 2 3 4 5; do
        if ! PG_PORT=$(_pg_free_port); then
            _pg_err "no free TCP port found on 127.0.0.1"
            return 1
        fi
        export PG_PORT
        if _pg_as_owner "$_PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -t 30 \
            -o "-p $PG_PORT" start >/dev/null 2>&1; then
            export PG_BASE_URL="postgresql://atsb@127.0.0.1:$PG_PORT"
            _pg_wait_ready
            return
        fi
        # Lost the port to someone else: try another.
        grep -q 'could not bind\|Address already in use' "$PG_DIR/server.log" 2>/dev/null ||
            break
    done
    _pg_err "the server in $PG_DIR did not start"
    _pg_show_log
    return 1
}

_pg_need() {
    if [ -z "${PG_DIR:-}" ] || [ ! -d "$PG_DIR" ] || [ -z "${PG_PORT:-}" ]; then
        _pg_err "no server: call pg_start first"
        return 1
    fi
    _pg_find_bin
}

# pg_psql URL [psql args...]
pg_psql() {
    if [ $# -lt 1 ]; then
        _pg_err "usage: pg_psql URL [psql args...]"
        return 2
    fi
    _pg_find_bin || { _pg_err "psql not found"; return 1; }
    local url=$1
    shift
    "$_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$url" "$@"
}

# pg_new_db NAME: an empty database NAME (dropped first if it exists),
# owned by atsb, C collation (so text sorts byte-wise, as in SQLite).
pg_new_db() {
    if [ $# -ne 1 ] || [ -z "$1" ]; then
        _pg_err "usage: pg_new_db NAME"
        return 2
    fi
    _pg_need || return 1
    local q=${1//\"/\"\"}
    pg_psql "$PG_BASE_URL/postgres" -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS \"$q\" WITH (FORCE)" \
        -c "CREATE DATABASE \"$q\" OWNER atsb TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'" \
        >/dev/null || { _pg_err "could not create database $1"; return 1; }
    echo "$PG_BASE_URL/$1"
}

# pg_down: stop the server, keeping its data (a database outage).
pg_down() {
    _pg_need || return 1
    if ! _pg_as_owner "$_PG_BIN/pg_ctl" -D "$PG_DIR" -m fast -w -t 30 stop >/dev/null 2>&1; then
        _pg_err "could not stop the server in $PG_DIR"
        _pg_show_log
        return 1
    fi
}

# pg_up: start it again, same data and port.
pg_up() {
    _pg_need || return 1
    if ! _pg_as_owner "$_PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -t 30 \
        -o "-p $PG_PORT" start >/dev/null 2>&1; then
        _pg_err "could not restart the server in $PG_DIR on port $PG_PORT"
        _pg_show_log
        return 1
    fi
    _pg_wait_ready
}

# pg_reap DIR: stop and delete every server whose data dir is DIR/* (or a
# link there): for a test whose EXIT trap was replaced before pg_stop ran.
pg_reap() {
    local d real pid
    for d in "$1"/*; do
        [ -f "$d/postmaster.pid" ] || continue
        real=$(readlink -f "$d")
        pid=$(head -n 1 "$d/postmaster.pid" 2>/dev/null)
        case $pid in '' | *[!0-9]*) ;; *) kill -9 "$pid" 2>/dev/null || true ;; esac
        case $real in "${TMPDIR:-/tmp}"/atsb-pg.*) rm -rf "$real" ;; esac
    done
    return 0
}

# pg_stop: stop at once and delete everything; a no-op the second time.
pg_stop() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
        if [ -f "$PG_DIR/postmaster.pid" ] && _pg_find_bin; then
            _pg_as_owner "$_PG_BIN/pg_ctl" -D "$PG_DIR" -m immediate -w -t 30 stop \
                >/dev/null 2>&1
        fi
        rm -rf "$PG_DIR"
    fi
    [ -n "${_PG_LINK:-}" ] && [ -L "$_PG_LINK" ] && rm -f "$_PG_LINK"
    _PG_LINK=
    unset PG_DIR PG_PORT PG_BASE_URL
    return 0
}
