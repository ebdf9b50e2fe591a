#!/bin/bash
# Runs once, when the PostgreSQL volume is new (the image's /docker-entrypoint-initdb.d): a user and a
# database for the backend, and one user owning Rasa's two databases (tracker store, event broker), so no
# service connects as the superuser.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v backend_user="$BACKEND_DB_USER" -v backend_password="$BACKEND_DB_PASSWORD" \
  -v backend_db="$BACKEND_DB_NAME" \
  -v tracker_user="$TRACKER_DB_USER" -v tracker_password="$TRACKER_DB_PASSWORD" \
  -v tracker_db="$TRACKER_DB_NAME" -v events_db="$EVENT_BROKER_DB_NAME" <<'SQL'
CREATE ROLE :"backend_user" LOGIN PASSWORD :'backend_password';
CREATE DATABASE :"backend_db" OWNER :"backend_user";
CREATE ROLE :"tracker_user" LOGIN PASSWORD :'tracker_password';
CREATE DATABASE :"tracker_db" OWNER :"tracker_user";
CREATE DATABASE :"events_db" OWNER :"tracker_user";
SQL
