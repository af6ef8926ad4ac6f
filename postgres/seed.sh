#!/bin/sh
# Run by the `oltp-seed` compose service (extractor image, `generate` CLI) after the OLTP
# PostgreSQL is healthy. The schema itself is applied by the postgres image's initdb hook from
# generator/schema.sql; `generate init` re-applies it idempotently in case the volume predates it.
# Seeds one batch only into an empty database, so restarting the stack adds nothing.
set -eu

generate init
if generate stats | grep -q '"campaigns":0,'; then
  generate batch --advertisers 5 --campaigns 4 --impressions 2000 --ctr 0.04 --seed "${OLTP_SEED:-42}"
else
  echo "oltp-seed: campaigns already exist; not seeding again"
fi
generate stats
