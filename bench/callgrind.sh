#!/usr/bin/env bash
# Instructions per run of one peer of bench/Keel.Peers.Benchmarks, counted by callgrind: the difference
# between a run of N2 and one of N1 operations, divided by N2 - N1, so start-up and JIT cancel out.
# Fully optimised JIT from the first call (no tiering), so the count is the same from one try to the next
# whatever else the machine is doing.
#   bench/callgrind.sh <peer> [N1] [N2]     peer: floor, keel, stateless, af-lockstep, af-default,
#                                           or pipeline (the 100-step pipeline of bench/Keel.Benchmarks)
set -euo pipefail
peer=$1; n1=${2:-2000}; n2=${3:-12000}
if [ "$peer" = pipeline ]; then
    dll=${KEEL_BENCHMARKS_DLL:-$(dirname "$0")/Keel.Benchmarks/bin/Release/net10.0/Keel.Benchmarks.dll}
    loop=(pipeline-loop)
else
    dll=${KEEL_PEERS_DLL:-$(dirname "$0")/Keel.Peers.Benchmarks/bin/Release/net10.0/Keel.Peers.Benchmarks.dll}
    loop=(loop "$peer")
fi
export DOTNET_TieredCompilation=0
count() {
    valgrind --tool=callgrind --smc-check=all --callgrind-out-file=/dev/null dotnet "$dll" "${loop[@]}" "$1" 2>&1 \
        | sed -n 's/.*Collected : //p'
}
a=$(count "$n1"); b=$(count "$n2")
echo "$peer: $(( (b - a) / (n2 - n1) )) instructions per run ($a for $n1 runs, $b for $n2)"
