#!/usr/bin/env bash
# The multi-process cluster test on this machine, no Docker: a KRaft broker, a Flink JobManager and
# two TaskManagers as separate JVMs on loopback, the job jar submitted over REST, one TaskManager
# killed with SIGKILL mid-stream, results compared with a single-process run, everything stopped.
# It is StandaloneClusterITCase (jobs module); this runs only that test. Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B -pl jobs -am verify \
  -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=StandaloneClusterITCase -Dfailsafe.failIfNoSpecifiedTests=false \
  "$@"
