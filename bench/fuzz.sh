#!/usr/bin/env bash
# libFuzzer targets for WeiminCore's five parsers of untrusted input (Fuzz/<Target>/main.swift, seeds in Fuzz/corpus/<Target>/).
#
#   bench/fuzz.sh                      build, then run each target for 1,000,000 inputs
#   bench/fuzz.sh --short              CI pass: each target for 50,000 inputs or 25 seconds, whichever comes first
#   bench/fuzz.sh --runs N [Target…]   N inputs each, only the named targets
#
# WeiminCore is compiled with plain swiftc (not SwiftPM: the instrumentation must not ship in the package) into
# .build-fuzz/, once, as a static library with -sanitize=fuzzer,address; each target links against it.
# Exits non-zero if a build fails or any target finds a crash, a hang or a broken invariant; the input is kept
# in .build-fuzz/crashes/<Target>/ — minimise it, add it to Fuzz/corpus/<Target>/ and fix the parser.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(MessageBatchJSON XMLDocument MultipartForm ChatExport SatisfactionReply)
runs=1000000
max_time=0
selected=()
while [ $# -gt 0 ]; do
    case "$1" in
        --short) runs=50000; max_time=25 ;;
        --runs) runs="$2"; shift ;;
        --runs=*) runs="${1#--runs=}" ;;
        -h|--help) sed -n 2,11p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
        *) selected+=("$1") ;;
    esac
    shift
done
if [ ${#selected[@]} -gt 0 ]; then
    for t in "${selected[@]}"; do
        [ -f "Fuzz/$t/main.swift" ] || { echo "fuzz.sh: no target $t (have: ${TARGETS[*]})" >&2; exit 2; }
    done
    TARGETS=("${selected[@]}")
fi

SWIFTC="${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}"
OUT=.build-fuzz
# Same language settings as Package.swift, so the fuzzed code is the code that ships.
FLAGS=(-swift-version 6 -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility
       -O -g "-sanitize=${FUZZ_SANITIZE:-fuzzer,address}")
mkdir -p "$OUT/module" "$OUT/bin" "$OUT/logs"

build_failed() {
    echo "fuzz.sh: FAILED to compile $1 with $SWIFTC (log: $2)" >&2
    grep -E "error:" "$2" | head -20 >&2
    exit 3
}

# The whole module rather than a hand-picked file set: the parsers' dependencies (LocalDate, CaseNumber, RegionCode,
# the String helpers) change, and a shim for SwiftPM's generated Bundle.module is all it needs.
CORE_SOURCES=()
while IFS= read -r f; do CORE_SOURCES+=("$f"); done < <(find Sources/WeiminCore -name '*.swift' | LC_ALL=C sort)
lib="$OUT/libWeiminCore.a"
stamp="$OUT/module/flags"
if [ ! -f "$lib" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${FLAGS[*]}" ] \
    || [ -n "$(find Sources/WeiminCore Fuzz/Support -name '*.swift' -newer "$lib" | head -1)" ]; then
    echo "== compiling WeiminCore (${#CORE_SOURCES[@]} files) with ${FLAGS[*]}"
    rm -f "$lib"
    "$SWIFTC" -module-name WeiminCore -parse-as-library -wmo -emit-library -static \
        -emit-module -emit-module-path "$OUT/module/WeiminCore.swiftmodule" -o "$lib" "${FLAGS[@]}" \
        "${CORE_SOURCES[@]}" Fuzz/Support/BundleModule.swift > "$OUT/logs/build-WeiminCore.log" 2>&1 \
        || build_failed WeiminCore "$OUT/logs/build-WeiminCore.log"
    echo "${FLAGS[*]}" > "$stamp"
fi
for t in "${TARGETS[@]}"; do
    bin="$OUT/bin/$t"
    if [ ! -x "$bin" ] || [ -n "$(find "$lib" "Fuzz/$t" Fuzz/Support/Check.swift -newer "$bin" | head -1)" ]; then
        echo "== compiling fuzz target $t"
        "$SWIFTC" -parse-as-library -module-name "Fuzz$t" "${FLAGS[@]}" -I "$OUT/module" \
            "Fuzz/$t/main.swift" Fuzz/Support/Check.swift "$lib" -o "$bin" > "$OUT/logs/build-$t.log" 2>&1 \
            || build_failed "$t" "$OUT/logs/build-$t.log"
    fi
done

# Swift's own crash reporter would catch the trap first (and trips ASan reading memory); let libFuzzer report it.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-$(dirname "$SWIFTC")/llvm-symbolizer}"

failed=()
printf '%-18s %10s %8s %9s %6s %6s  %s\n' target inputs seconds exec/s cov ft result
for t in "${TARGETS[@]}"; do
    # New inputs go to a scratch folder; the committed seeds are only read.
    work="$OUT/corpus/$t"; crashes="$OUT/crashes/$t"; log="$OUT/logs/$t.log"
    mkdir -p "$work" "$crashes"
    args=(-runs="$runs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/")
    [ "$max_time" -gt 0 ] && args+=(-max_total_time="$max_time")
    start=$(date +%s.%N)
    set +e
    "$OUT/bin/$t" "${args[@]}" "$work" "Fuzz/corpus/$t" > "$log" 2>&1
    rc=$?
    set -e
    seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    # A crash while loading the seeds leaves no status line; the parsing below must not end the script.
    done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    done_runs=${done_runs:-$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')}
    rate=$(awk -v n="${done_runs:-0}" -v s="$seconds" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
    if [ $rc -eq 0 ]; then result=ok; else result="FAILED (exit $rc, log $log)"; failed+=("$t"); fi
    printf '%-18s %10s %8s %9s %6s %6s  %s\n' "$t" "${done_runs:-?}" "$seconds" "$rate" "${cov:-?}" "${ft:-?}" "$result"
    if [ $rc -ne 0 ]; then
        grep -E -m3 "ERROR|invariant failed|Fatal error|SUMMARY" "$log" | sed 's/^/    /' || true
        ls "$crashes" | sed "s|^|    $crashes/|"
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
    echo "  minimise: $OUT/bin/<Target> -minimize_crash=1 -runs=100000 <crash file>" >&2
    exit 1
fi
