#!/bin/sh
# One-shot job (temporalio/admin-tools image): create the `temporal` and `temporal_visibility`
# PostgreSQL databases if needed and bring both schemas to the versions this image ships.
# Safe to run again: existing databases are kept, and update-schema only applies what is missing.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS must name the PostgreSQL host}"
: "${POSTGRES_USER:?POSTGRES_USER must be set}"
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set (deploy/temporal-db.env)}"
DB_PORT="${DB_PORT:-5432}"
DBNAME="${DBNAME:-temporal}"
VISIBILITY_DBNAME="${VISIBILITY_DBNAME:-temporal_visibility}"
SCHEMA_ROOT="${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}"

# temporal-sql-tool reads its connection from these.
export SQL_PLUGIN=postgres12
export SQL_HOST="${POSTGRES_SEEDS%%,*}"
export SQL_PORT="$DB_PORT"
export SQL_USER="$POSTGRES_USER"
export SQL_PASSWORD="$POSTGRES_PASSWORD"

tries=0
until nc -z "$SQL_HOST" "$SQL_PORT" 2>/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "PostgreSQL at $SQL_HOST:$SQL_PORT is not reachable after 120 s" >&2
    exit 1
  fi
  echo "waiting for PostgreSQL at $SQL_HOST:$SQL_PORT"
  sleep 2
done

setup_db() {
  db="$1"
  schema_dir="$2"
  if [ ! -d "$schema_dir" ]; then
    echo "schema folder $schema_dir is missing from this admin-tools image" >&2
    exit 1
  fi
  if out=$(temporal-sql-tool --db "$db" create-database 2>&1); then
    echo "created database $db"
  else
    case "$out" in
      *"already exists"*) echo "database $db already exists" ;;
      *) echo "$out" >&2; exit 1 ;;
    esac
  fi
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$schema_dir"
  echo "schema of $db is up to date"
}

setup_db "$DBNAME" "$SCHEMA_ROOT/temporal/versioned"
setup_db "$VISIBILITY_DBNAME" "$SCHEMA_ROOT/visibility/versioned"
echo "Temporal schema setup complete"
