#!/usr/bin/env bash
# Syncs and WAL frames per durable run of the peer workload on SQLite (bench/Keel.Sqlite.Benchmarks), counted
# with strace: runs of N1 and of N2 runs on fresh files, the difference divided by N2 - N1, so opening the
# store and creating its schema cancel out. A WAL frame is one page written to the -wal file.
#   bench/syscalls.sh [full|normal] [N1] [N2]
set -euo pipefail
mode=${1:-full}; n1=${2:-50}; n2=${3:-250}
dll=${KEEL_SQLITE_BENCH_DLL:-$(dirname "$0")/Keel.Sqlite.Benchmarks/bin/Release/net10.0/Keel.Sqlite.Benchmarks.dll}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
count() {
    local db=$dir/run-$1.db
    strace -f -qq -y -e trace=fsync,fdatasync,pwrite64 -o "$dir/trace-$1" dotnet "$dll" loop "$mode" "$1" "$db" >/dev/null
    local syncs frames
    syncs=$(grep -cE '^[0-9]+ +f(data)?sync\(' "$dir/trace-$1" || true)
    # A frame is a 24-byte header then the page, each one pwrite64 to the -wal file: count the headers.
    frames=$(grep -E 'pwrite64\([0-9]+<[^>]*-wal>' "$dir/trace-$1" | grep -cE ', 24, [0-9]+\) += 24$' || true)
    echo "$syncs $frames"
}
read -r s1 f1 < <(count "$n1")
read -r s2 f2 < <(count "$n2")
runs=$(( n2 - n1 ))
awk -v s1="$s1" -v s2="$s2" -v f1="$f1" -v f2="$f2" -v runs="$runs" -v mode="$mode" -v n1="$n1" -v n2="$n2" 'BEGIN {
    printf "synchronous=%s: %.2f syncs and %.2f WAL frames per 3-step run (%d/%d syncs, %d/%d frames for %d/%d runs)\n", mode, (s2 - s1) / runs, (f2 - f1) / runs, s1, s2, f1, f2, n1, n2 }'
