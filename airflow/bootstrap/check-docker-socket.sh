#!/usr/bin/env bash
# Fails, saying what to set, unless this process (user and groups) may read and write the Docker
# socket given as $1. Run by init.sh in airflow-init, which has the scheduler's user and groups.
# Decided from the socket's owner, group and mode (as the kernel does), not by connecting, so it
# needs no Docker engine.
set -euo pipefail

socket="$1"
if [[ ! -e $socket ]]; then
  echo "airflow-init: no Docker socket at $socket: mount the host's /var/run/docker.sock (docker-compose.yml does)" >&2
  exit 1
fi
read -r owner group mode < <(stat -L -c '%u %g %a' "$socket")
uid="$(id -u)"
mode=$((8#$mode))
if [[ $uid == 0 ]] \
  || { [[ $uid == "$owner" ]] && (((mode & 8#600) == 8#600)); } \
  || { [[ " $(id -G) " == *" $group "* ]] && (((mode & 8#060) == 8#060)); } \
  || (((mode & 8#006) == 8#006)); then
  echo "airflow-init: the Docker socket is usable (group $group)"
  exit 0
fi
echo "airflow-init: user $uid (groups $(id -G)) cannot use the Docker socket $socket (owner $owner, group $group, mode $(printf '%o' "$mode")): every DockerOperator task would fail with \"Permission denied\". Set DOCKER_GID=$group in .env (on the host: stat -c %g /var/run/docker.sock), then docker compose up again." >&2
exit 1
