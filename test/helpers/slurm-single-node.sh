#!/usr/bin/env bash
# Starts a single-node Slurm cluster with accounting (munge, MariaDB, slurmdbd, slurmctld, slurmd)
# in a container without systemd, as root, for the Slurm launcher test:
#   apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge slurmdbd mariadb-server
#   source test/helpers/slurm-single-node.sh        # exports SLURM_CONF
#   UNTANGLE_SLURM=real npx vitest run test/sweep-slurm.test.ts
#   test/helpers/slurm-single-node.sh stop
# sacct needs slurmdbd (hence MariaDB): accounting_storage/none makes it print
# "Slurm accounting storage is disabled". Verified with Debian 12's slurm-wlm 22.05.8.
set -euo pipefail
DIR=${UNTANGLE_SLURM_DIR:-/tmp/untangle-slurm}
HOST=$(hostname)
export SLURM_CONF=$DIR/slurm.conf

stop() {
  for p in slurmd slurmctld slurmdbd; do [ -f "$DIR/$p.pid" ] && kill "$(cat "$DIR/$p.pid")" 2>/dev/null || true; done
  [ -f /run/mysqld/untangle-mariadb.pid ] && kill "$(cat /run/mysqld/untangle-mariadb.pid)" 2>/dev/null || true
  [ -f /run/munge/munged.pid ] && kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
}
if [ "${1:-}" = stop ]; then stop; return 0 2>/dev/null || exit 0; fi

mkdir -p "$DIR"/{state,spool,log} /run/munge /run/mysqld /var/lib/munge /var/log/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge; chown -R munge:munge /var/log/munge
chown mysql:mysql /run/mysqld
pgrep -x munged >/dev/null || su -s /bin/sh munge -c 'munged --force'
if ! pgrep -x mariadbd >/dev/null; then
  mariadbd --user=mysql --bind-address=127.0.0.1 --pid-file=/run/mysqld/untangle-mariadb.pid >"$DIR/log/mariadb.log" 2>&1 &
  for _ in $(seq 30); do mariadb -e 'select 1' >/dev/null 2>&1 && break; sleep 1; done
fi
mariadb -e "create database if not exists slurm_acct_db; create or replace user 'slurm'@'localhost' identified by 'slurm'; grant all on slurm_acct_db.* to 'slurm'@'localhost'; flush privileges;"

cat >"$DIR/slurm.conf" <<CONF
ClusterName=untangle
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$HOST CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
cat >"$DIR/slurmdbd.conf" <<CONF
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
LogFile=$DIR/log/slurmdbd.log
PidFile=$DIR/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurm
StorageLoc=slurm_acct_db
CONF
chmod 600 "$DIR/slurmdbd.conf"
# slurmdbd reads slurmdbd.conf next to SLURM_CONF. The cluster must exist before slurmctld registers.
pgrep -x slurmdbd >/dev/null || slurmdbd
for _ in $(seq 30); do sacctmgr -n list cluster >/dev/null 2>&1 && break; sleep 1; done
sacctmgr -n list cluster format=cluster | grep -q untangle || sacctmgr -i add cluster untangle
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
for _ in $(seq 30); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo
