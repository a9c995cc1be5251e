#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benches (issue 17), as an unprivileged user.
#
#   scripts/postgres-cluster.sh start DIR   # initdb into DIR, start on a free loopback port,
#                                           # print the admin URL (postgres://postgres@127.0.0.1:PORT/postgres)
#   scripts/postgres-cluster.sh stop DIR    # stop it and remove DIR
#   scripts/postgres-cluster.sh pause DIR   # stop the server, keeping its data (an outage, for tests)
#   scripts/postgres-cluster.sh resume DIR  # start it again on the same port
#
# pg_ctl's output goes to files in DIR: the server it starts must not hold the caller's pipes
# (a test reading them to the end would wait for the server to exit).
# initdb refuses root: as root the cluster runs as the `postgres` user (made by Debian's package),
# in a folder that user owns. Needs Debian's `postgresql` (the Makefile installs it).
set -euo pipefail
command=${1:?usage: postgres-cluster.sh start|stop|pause|resume DIR}
dir=${2:?usage: postgres-cluster.sh start|stop|pause|resume DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres-cluster.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 69; }

# Descriptors inherited beyond stdin, stdout and stderr (a caller's pipes that were not marked
# close-on-exec) would be held open by the server for its whole life: close them first.
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 70; }
    # A free port: ask the kernel for one, then give it to the server.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    # fsync stays on (acknowledged means durable, as in production); more connections for two
    # routers and the tests' databases.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=1000 -c shared_buffers=128MB" start >/dev/null 2>>"$dir/pg_ctl.log" \
        || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 70; }
    echo "$port" > "$dir/port"
    echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    ;;
pause)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>>"$dir/pg_ctl.log"
    ;;
resume)
    port=$(cat "$dir/port")
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=1000 -c shared_buffers=128MB" start >/dev/null 2>>"$dir/pg_ctl.log" \
        || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 70; }
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
*)
    echo "postgres-cluster.sh: unknown command $command (start, stop, pause or resume)" >&2; exit 64
    ;;
esac
