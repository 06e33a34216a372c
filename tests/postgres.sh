# Sourced by tests/run.sh: start a throwaway PostgreSQL server (Debian's package) for the class
# dataset's tests, export its URL, and stop it when the shell exits.
#   CLASS_DATASET_TEST_PG_URL   postgresql+psycopg2://postgres@127.0.0.1:<port>/postgres
#   CLASS_DATASET_PG_REQUIRED=1 the PostgreSQL tests fail (not skip) if that server is unusable
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update
  apt-get install -y postgresql
fi
PG_BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"
PG_DIR="$(mktemp -d /tmp/class-dataset-pg.XXXXXX)"
PG_PORT="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
chown postgres:postgres "$PG_DIR"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >"$PG_DIR/initdb.log"
as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
  -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off" start >/dev/null
stop_postgres() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; }
trap stop_postgres EXIT
export CLASS_DATASET_TEST_PG_URL="postgresql+psycopg2://postgres@127.0.0.1:$PG_PORT/postgres"
export CLASS_DATASET_PG_REQUIRED=1
