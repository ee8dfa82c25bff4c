#!/usr/bin/env bash
# The prepared GPU check (issue 17): on a machine with a GPU and a local PyTorch, and no network,
# in under 8 minutes on an H200-class machine:
#   1. build DJL's JNI for the local torch (build-djl-jni.sh) and export the variables it prints,
#   2. `moe doctor`,
#   3. every DynMoE conformance case on the GPU (`moe reference-check --device gpu`),
#   4. `moe bench train --device gpu` on the three configurations of the issue's table, fp32
#      and bf16 (`--precision`; native bf16 kernels with the JNI of step 1, which
#      build-djl-jni.sh patches for bfloat16; the summary says native or emulated),
# writing every JSON line under the output directory and a summary table (summary.md).
# `--cpu` runs the same sequence on the CPU with tiny step counts: the check of its CPU parts.
# Run with --help for the options.
set -euo pipefail

die() { echo "error: $*" >&2; exit 1; }
usage_error() { echo "error: $*" >&2; echo "run $0 --help for usage" >&2; exit 2; }

usage() {
  cat <<'EOF'
Usage: docker/gpu/gpu-check.sh [--cpu] [--out DIR] [--djl-src DIR|TARBALL] [options]

Options:
  --cpu                 Run the sequence on the CPU (DJL's bundled libtorch, no JNI build), with
                        tiny step counts and the small configuration only.
  --out DIR             Output directory (default: $OUT if set, else target/gpu-check).
  --djl-src DIR|TAR     DJL's sources at v0.35.1 for the JNI build (default: $DJL_SRC, else the
                        first of target/djl-0.35.1-src.tar.gz, shared/djl-0.35.1-src.tar.gz,
                        ../shared/djl-0.35.1-src.tar.gz that exists).
  --python EXE          Python whose torch to build against (passed to build-djl-jni.sh).
  --steps N             bench train steps per configuration (default: 60 on a GPU, 6 with --cpu).
  --warmup N            Leading steps left out of the timing (default: 10 on a GPU, 2 with --cpu).
  --budget-s N          Stop starting new stages after N seconds (default: 470); a stage left
                        unrun for lack of time fails the check. The Maven and JNI builds count.
  --cases DIR           Also run the conformance cases (*.json) under DIR; repeatable. Always run:
                        the bundled cases and shared/conformance or ../shared/conformance.
  --jar-dir DIR         Directory holding moe-pipeline.jar and lib/ (default: jobs/target).
  --pack DIR            After the run, copy moe-pipeline.jar and only the lib/ jars the run loaded
                        (DJL's CPU libtorch jar left out) to DIR: a jar directory small enough to
                        carry to a GPU machine (use with --cpu, then --jar-dir there).
  -h, --help            Show this help and exit.

Needs: java 17 on PATH; moe-pipeline.jar with its lib/ (jobs/target, or --jar-dir), or mvn to
build them. Exit: 0 every stage ran and passed (what this build of moe lacks, and --cpu's medium and
large configurations, are listed as skipped); 1 a stage failed, a stage did not run because the
budget was spent, or a tool is missing; 2 bad usage.
EOF
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cpu=0
out="${OUT:-}"
djl_src="${DJL_SRC:-}"
python_arg=()
steps=""
warmup=""
budget=470
jar_dir="$root/jobs/target"
pack=""
case_dirs=("$root/operators/moe-core/src/test/resources/conformance" "$root/shared/conformance" "$root/../shared/conformance")
need_value() { [[ $# -ge 2 && -n "$2" ]] || usage_error "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cpu) cpu=1; shift ;;
    --out) need_value "$@"; out="$2"; shift 2 ;;
    --djl-src) need_value "$@"; djl_src="$2"; shift 2 ;;
    --python) need_value "$@"; python_arg=(--python "$2"); shift 2 ;;
    --steps) need_value "$@"; steps="$2"; shift 2 ;;
    --warmup) need_value "$@"; warmup="$2"; shift 2 ;;
    --budget-s) need_value "$@"; budget="$2"; shift 2 ;;
    --cases) need_value "$@"; [[ -d "$2" ]] || usage_error "--cases $2 is not a directory"; case_dirs+=("$2"); shift 2 ;;
    --jar-dir) need_value "$@"; jar_dir="$2"; shift 2 ;;
    --pack) need_value "$@"; pack="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
for n in "${steps:-1}" "${warmup:-0}" "$budget"; do
  [[ "$n" =~ ^[0-9]+$ ]] || usage_error "--steps, --warmup and --budget-s take whole numbers, not $n"
done
if [[ "$cpu" == 1 ]]; then steps="${steps:-6}"; warmup="${warmup:-2}"; else steps="${steps:-60}"; warmup="${warmup:-10}"; fi
(( warmup < steps )) || usage_error "--warmup ($warmup) must be below --steps ($steps)"
out="${out:-$root/target/gpu-check}"
mkdir -p "$out" || die "cannot create output directory $out"
out="$(cd "$out" && pwd)"
log_file="$out/gpu-check.log"
: > "$log_file"
# A rerun into the same directory starts a new table: the stages append their JSON lines.
rm -f "$out/bench-train.jsonl"
say() { echo "gpu-check: $*" | tee -a "$log_file" >&2; }
started=$SECONDS
left() { echo $(( budget - (SECONDS - started) )); }

# ---- Tools and the jar -------------------------------------------------------------------------
command -v java >/dev/null 2>&1 || die "java not found: install a Java 17 runtime (the check runs ./moe, a Java program)"
jar="$jar_dir/moe-pipeline.jar"
if [[ ! -f "$jar" ]]; then
  [[ "$jar_dir" == "$root/jobs/target" ]] || die "no moe-pipeline.jar in --jar-dir $jar_dir"
  command -v mvn >/dev/null 2>&1 \
    || die "no $jar and no mvn to build it: build it elsewhere (mvn -DskipTests package) and carry jobs/target/moe-pipeline.jar and jobs/target/lib (or a --pack directory)"
  say "building $jar with Maven (within the budget of $budget s)"
  t="$(left)"
  (( t >= 10 )) || die "no time left for the Maven build (budget $budget s, --budget-s)"
  rc=0
  (cd "$root" && timeout "$t" mvn -B -q -o -DskipTests package) >> "$log_file" 2>&1 || rc=$?
  [[ "$rc" != 124 ]] || die "the Maven build did not finish within the budget of $budget s (--budget-s; log: $log_file)"
  [[ "$rc" == 0 ]] || die "Maven build failed (log: $log_file)"
fi
[[ -d "$jar_dir/lib" ]] || die "no lib/ next to $jar: carry it with the jar"
# The same JVM options as ./moe (kept in step with it), with the jar directory made a choice so a
# carried, trimmed one works, and class loading logged when --pack wants the jars a run uses.
export TORCH_CPP_LOG_LEVEL="${TORCH_CPP_LOG_LEVEL:-ERROR}"
# The allocator settings of ./moe (jobs/malloc-env.sh), for the java runs only: not for the JNI
# build's compilers and python, nor nvidia-smi.
mapfile -t malloc_env < <(
  # shellcheck source=../../jobs/malloc-env.sh
  source "$root/jobs/malloc-env.sh"
  for v in LD_PRELOAD MALLOC_CONF MALLOC_TRIM_THRESHOLD_ MALLOC_MMAP_THRESHOLD_; do
    [[ -z "${!v:-}" ]] || echo "$v=${!v}"
  done
)
say "allocator: ${malloc_env[*]}"
moe_cmd=(env "${malloc_env[@]}" java ${MOE_JAVA_OPTS:--Xmx4g} -Dai.djl.offline=true
         -Dorg.apache.avro.limits.string.maxLength=1048576 -Dorg.apache.avro.limits.bytes.maxLength=1048576)
if [[ -n "$pack" ]]; then
  mkdir -p "$out/classload" && rm -f "$out"/classload/*.log
  moe_cmd+=("-Xlog:class+load=info:file=$out/classload/%p.log")
fi
moe_cmd+=(-jar "$jar")
help_of() { "${moe_cmd[@]}" "$@" --help 2>&1 || true; }
top_help="$(help_of)"
has_doctor=0; grep -qE '^\s+doctor\b' <<<"$top_help" && has_doctor=1
ref_help="$(help_of reference-check)"
bench_help="$(help_of bench train)"
ref_device=0; grep -q -- '--device' <<<"$ref_help" && ref_device=1
has_precision=0; grep -q -- '--precision' <<<"$bench_help" && has_precision=1
device="gpu"; [[ "$cpu" == 1 ]] && device="cpu"
say "mode: $device; output: $out; java: $(java -version 2>&1 | head -1)"

failures=()
skipped=()   # what this build of moe lacks, or --cpu leaves out: reported, not a failure
unrun=()     # stages not started because the budget was spent: a failure
record() { # stage, rc
  if [[ "$2" == 0 ]]; then say "$1: ok"; else say "$1: FAILED (exit $2)"; failures+=("$1 (exit $2)"); fi
}
run_stage() { # name, file, command...: run within the budget, stdout to file, stderr to the log
  local name="$1" file="$2"; shift 2
  local t; t="$(left)"
  if (( t < 10 )); then say "$name: NOT RUN, the budget of $budget s is spent"; unrun+=("$name"); return 0; fi
  local rc=0
  timeout "$t" "$@" >> "$file" 2>> "$log_file" || rc=$?
  [[ "$rc" == 124 ]] && say "$name: stopped at the budget of $budget s"
  record "$name" "$rc"
}

# ---- 1. DJL's JNI for the local torch (GPU mode) -----------------------------------------------
if [[ "$cpu" == 0 ]]; then
  command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
    > "$out/gpus.txt" 2>> "$log_file" && say "GPUs: $(paste -sd ';' "$out/gpus.txt")"
  if [[ -z "$djl_src" ]]; then
    for candidate in "$root/target/djl-0.35.1-src.tar.gz" "$root/shared/djl-0.35.1-src.tar.gz" "$root/../shared/djl-0.35.1-src.tar.gz"; do
      [[ -e "$candidate" ]] && { djl_src="$candidate"; break; }
    done
  fi
  jni_args=(--env-file "$out/djl-env.sh" "${python_arg[@]}")
  [[ -n "$djl_src" ]] && jni_args+=(--djl-src "$djl_src")
  t0=$SECONDS
  t="$(left)"
  (( t >= 10 )) || die "no time left for the JNI build (budget $budget s, --budget-s)"
  rc=0
  timeout "$t" "$here/build-djl-jni.sh" "${jni_args[@]}" > "$out/build-djl-jni.txt" 2>> "$log_file" || rc=$?
  [[ "$rc" != 124 ]] || die "the JNI build did not finish within the budget of $budget s (--budget-s; log: $log_file)"
  [[ "$rc" == 0 ]] || die "the JNI build failed: $(grep -E '^error:' "$log_file" | tail -1 | cut -c8-) (log: $log_file)"
  say "JNI ready in $((SECONDS - t0)) s: $(paste -sd ' ' "$out/djl-env.sh")"
  # shellcheck disable=SC1091
  source "$out/djl-env.sh"
  [[ "${PYTORCH_FLAVOR:-}" == cu* ]] || die "the local torch is not a CUDA build (flavor ${PYTORCH_FLAVOR:-none}): no GPU to check; use --cpu"
fi

# ---- 2. moe doctor -----------------------------------------------------------------------------
if [[ "$has_doctor" == 1 ]]; then
  run_stage "doctor" "$out/doctor.txt" "${moe_cmd[@]}" doctor
else
  say "doctor: skipped, this build of moe has no doctor command"; skipped+=("doctor: no such command in this build")
fi

# ---- 3. Conformance cases ----------------------------------------------------------------------
cases=()
seen=" "
for dir in "${case_dirs[@]}"; do
  [[ -d "$dir" ]] || continue
  while IFS= read -r -d '' f; do
    # The shared cases are also bundled: run each distinct case once.
    sum="$(sha256sum "$f" | cut -c1-16)"
    [[ "$seen" == *" $sum "* ]] && continue
    seen+="$sum "
    cases+=(--case "$f")
  done < <(find "$dir" -name '*.json' -print0 | sort -z)
done
(( ${#cases[@]} > 0 )) || die "no conformance cases found under operators/moe-core/src/test/resources/conformance"
device_flag=()
if [[ "$ref_device" == 1 ]]; then
  device_flag=(--device "$device")
else
  say "reference-check: this build has no --device; it runs on DJL's default device (gpu(0) when a GPU is visible)"
  skipped+=("reference-check --device: no such option in this build (ran on the default device)")
fi
say "reference-check: $(( ${#cases[@]} / 2 )) case files"
run_stage "reference-check" "$out/reference-check.jsonl" "${moe_cmd[@]}" reference-check "${device_flag[@]}" "${cases[@]}"

# ---- 4. bench train ----------------------------------------------------------------------------
# The issue's table: name | flags (DynMoE 4/16 unless noted).
configs=(
  "small|--d 128 --layers 2 --heads 4 --ctx 128 --ff 256 --experts 4 --emax 16 --batch 8"
  "medium|--d 512 --layers 2 --heads 8 --ctx 128 --ff 1024 --experts 4 --emax 16 --batch 64"
  "large|--d 1024 --layers 4 --heads 16 --ctx 256 --ff 4096 --experts 8 --emax 16 --batch 32"
)
if [[ "$cpu" == 1 ]]; then
  configs=("${configs[0]}")
  skipped+=("bench medium and large: --cpu runs the small configuration only")
fi
if ! grep -q -- '--device' <<<"$bench_help"; then
  bench_device=()
  say "bench train: this build has no --device; it runs on DJL's default device"
  skipped+=("bench train --device: no such option in this build (ran on the default device)")
else
  bench_device=(--device "$device")
fi
for precision in fp32 bf16; do
  precision_flag=()
  if [[ "$precision" == bf16 ]]; then
    if [[ "$has_precision" == 0 ]]; then
      say "bench bf16: skipped, bench train has no --precision in this build"
      skipped+=("bench bf16: bench train has no --precision in this build")
      continue
    fi
    precision_flag=(--precision bf16)
  elif [[ "$has_precision" == 1 ]]; then
    precision_flag=(--precision fp32)
  fi
  for entry in "${configs[@]}"; do
    name="${entry%%|*}"
    read -r -a flags <<<"${entry#*|}"
    run_stage "bench $name $precision" "$out/bench-train.jsonl" "${moe_cmd[@]}" bench train "${flags[@]}" \
      "${bench_device[@]}" "${precision_flag[@]}" --steps "$steps" --warmup "$warmup"
  done
done

# ---- Summary -----------------------------------------------------------------------------------
{
  echo "# gpu-check ($device) $(date -u +%Y-%m-%dT%H:%M:%SZ), $((SECONDS - started)) s"
  [[ -f "$out/gpus.txt" ]] && echo "GPUs: $(paste -sd ';' "$out/gpus.txt")"
  echo
  # A line the table cannot read (a null field, a line that is not JSON) is shown as such; should
  # python fail anyway, the summary, the pack and the exit status still follow.
  if [[ -s "$out/bench-train.jsonl" ]] && command -v python3 >/dev/null 2>&1; then
    if ! python3 - "$out/bench-train.jsonl" <<'PY'
import json, sys
print("| config | precision | device | tok/s | ms/step | TFLOP/s | vs sgemm"
      " | libtorch calls/step | host reads/step | forward / backward / optimizer ms |")
print("|---|---|---|---|---|---|---|---|---|---|")


def num(v, fmt):
    return fmt % v if isinstance(v, (int, float)) else "—"  # a field an older build lacks
for n, line in enumerate(open(sys.argv[1]), 1):
    if not line.strip():
        continue
    try:
        r = json.loads(line)
        c = r["config"]
        tokens = c["batch"] * c["ctx"]
        ms = 1000.0 * tokens / r["tokens_per_s"] if r["tokens_per_s"] else float("nan")
        name = "d%d L%d h%d ctx%d ff%d E %d/%d batch %d" % (
            c["d"], c["layers"], c["heads"], c["ctx"], c["ff"], c["experts"], c["emax"], c["batch"])
        # bf16 is "bf16 (native)" on a JNI from build-djl-jni.sh, "bf16 (emulated)" at fp32 speed
        precision = r.get("precision", "fp32")
        if precision != "fp32" and r.get("precision_kernels"):
            precision += " (%s)" % r["precision_kernels"]
        timed = r.get("expert_dispatch", {}).get("timed")
        phases = r.get("expert_dispatch", {}).get(timed, {}).get("phase_ms_per_step", {})
        split = " / ".join(num(phases.get(k), "%.1f") for k in ("forward", "backward", "optimizer"))
        # each tenth against the sgemm measured after it, where the run had ten (README
        # "Benchmarks"), else the whole run against one sgemm (marked *)
        paired = r.get("achieved_vs_sgemm_median_of_tenths")
        vs = "%.0f%%" % (100.0 * paired) if paired is not None else "%.0f%%*" % (
            100.0 * r["achieved_vs_sgemm"])
        print("| %s | %s | %s | %.0f | %.1f | %.3g | %s | %s | %s | %s |" % (
            name, precision, r["device"], r["tokens_per_s"], ms,
            r["achieved_gflops"] / 1000.0, vs,
            num(r.get("libtorch_calls_per_step"), "%.0f"), num(r.get("host_reads_per_step"), "%.2f"),
            split))
    except Exception as e:
        print("| (line %d of bench-train.jsonl unreadable: %s: %s) | | | | | | | | | |" % (n, type(e).__name__, e))
PY
    then
      echo "(the table could not be made, see gpu-check.log: the JSON lines are in bench-train.jsonl)"
    fi
    echo
    echo "vs sgemm: the median, over the tenths of the timed steps, of each tenth's achieved speed over"
    echo "the sgemm measured right after it; * the run over one sgemm (under ten timed steps, or an older build)."
  elif [[ -s "$out/bench-train.jsonl" ]]; then
    echo "(no python3 for the table: the JSON lines are in bench-train.jsonl)"
  fi
  echo
  for f in "${failures[@]}"; do echo "FAILED: $f"; done
  for u in "${unrun[@]}"; do echo "NOT RUN (the budget of $budget s was spent): $u"; done
  for s in "${skipped[@]}"; do echo "skipped: $s"; done
} > "$out/summary.md" 2>> "$log_file"
cat "$out/summary.md"
if [[ -n "$pack" ]]; then
  mkdir -p "$pack/lib" || die "cannot create --pack $pack"
  cp "$jar" "$pack/" || die "cannot copy $jar to $pack"
  # Jars the runs loaded a class from; DJL's CPU libtorch jar is not needed where
  # PYTORCH_LIBRARY_PATH points at a local torch.
  used="$(grep -ho 'source: .*' "$out"/classload/*.log 2>/dev/null | sed -n 's#^source: \(file:\)\{0,1\}\(/.*\.jar\)$#\2#p' \
    | sort -u | grep -F "$jar_dir/lib/" | grep -v '/pytorch-native-' || true)"
  if [[ -z "$used" ]]; then
    say "warning: --pack: no class-load log names a jar of $jar_dir/lib (did any stage run?): $pack/lib is empty"
  else
    while IFS= read -r j; do cp "$j" "$pack/lib/" || die "cannot copy $j to $pack/lib"; done <<<"$used"
  fi
  say "packed $(ls "$pack/lib" | wc -l) jars, $(du -sh "$pack" | cut -f1), in $pack"
fi
if (( ${#failures[@]} + ${#unrun[@]} > 0 )); then
  (( ${#failures[@]} == 0 )) || echo "gpu-check: ${#failures[@]} stage(s) failed: ${failures[*]} (details in $log_file)" >&2
  if (( ${#unrun[@]} > 0 )); then
    printf -v list '%s, ' "${unrun[@]}"
    echo "gpu-check: ${#unrun[@]} stage(s) not run, the budget of $budget s was spent (--budget-s): ${list%, }" >&2
  fi
  exit 1
fi
echo "gpu-check: every stage ran and passed ($((SECONDS - started)) s; skipped for lack of a feature: ${#skipped[@]}, see summary.md); results in $out" >&2
