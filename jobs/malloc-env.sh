# Sourced by ./moe and docker/gpu/gpu-check.sh: the native allocator a trainer's JVM runs on.
#
# libtorch's tensors are malloc'd, and glibc's malloc fragments under a trainer's mix of sizes:
# at the default size (top-k, 2,000 steps) the bytes it kept free grew from 0.4 to 1.0 GB while
# those in use stayed at 0.16-0.2 GB, and resident memory grew with them, to 1.5 GB. jemalloc (what
# the Flink image's TaskManagers already run on), keeping freed pages (no decay), grew 0.47 -> 0.83
# GB over the same steps and took 19-21% less time a step with half the page faults (README
# "Memory"). So preload it where the system has it (Debian/Ubuntu: libjemalloc2), unless LD_PRELOAD
# is set already or MOE_MALLOC=glibc; MALLOC_CONF, when set, is yours. Child processes (the
# embedded Kafka broker's JVM) inherit both.
if [[ -z "${LD_PRELOAD:-}" && "${MOE_MALLOC:-auto}" != "glibc" ]]; then
  for lib in "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" /usr/lib64/libjemalloc.so.2 \
             /usr/lib/libjemalloc.so.2 /usr/local/lib/libjemalloc.so.2; do
    if [[ -f "$lib" ]]; then
      export LD_PRELOAD="$lib"
      export MALLOC_CONF="${MALLOC_CONF:-dirty_decay_ms:-1,muzzy_decay_ms:-1}"
      break
    fi
  done
fi
# On glibc's malloc, buffers above its mmap threshold (the packed groups' temporaries, attention
# scores, logits) were mapped and page-faulted in afresh every step (~3,000 faults a step at the
# default size), and memory at the top of a heap went back to the OS: keep freed memory in the
# process instead (about 2.5x fewer page faults a run; README "Benchmarks"). jemalloc ignores
# these. Set either variable yourself to override.
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-4000000000}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
