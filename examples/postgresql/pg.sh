#!/bin/sh
# PostgreSQL for devup: `pg.sh init DATA` creates the cluster when DATA is
# missing; `exec sh pg.sh run DATA PORT` becomes the postmaster itself (every
# step is an exec, so the pid devup records is the postgres process).
#
# Gotchas handled here:
# - postgres and initdb refuse to run as root: as root, both run as the
#   `postgres` user via setpriv (it execs; runuser and su fork and wait,
#   which would leave devup holding the wrong pid).
# - Debian keeps the server binaries in /usr/lib/postgresql/N/bin, off PATH.
# - the data directory must be owned by the server's user, mode 0700, and
#   every directory above it must be traversable by that user (as root, init
#   opens up the one above it, .devup/; a project under a 0700 home needs
#   PG_DATA elsewhere, see daemons.yaml).
# - unix sockets are off (-k ''): a socket path longer than 107 bytes (deep
#   temp directories) is refused, and root's directories are not writable
#   by postgres. Clients use TCP on 127.0.0.1.
set -eu

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -n "$pgbin" ]; then PATH="$pgbin:$PATH"; export PATH; fi

as_server_user() {
    if [ "$(id -u)" = 0 ]; then
        exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
    fi
    exec "$@"
}

data=$2
case $1 in
init)
    if [ -f "$data/PG_VERSION" ]; then exit 0; fi
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$data"
        # .devup/ may have been made under a 077 umask: let postgres through.
        chmod go+x "$(dirname "$data")"
    fi
    chmod 700 "$data"
    as_server_user initdb --pgdata="$data" --username=postgres --auth=trust \
        --encoding=UTF8 --no-instructions
    ;;
run)
    as_server_user postgres -D "$data" -p "$3" -k '' -c listen_addresses=127.0.0.1
    ;;
*)
    echo "usage: pg.sh init DATA | pg.sh run DATA PORT" >&2
    exit 2
    ;;
esac
