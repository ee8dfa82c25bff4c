#!/usr/bin/env bash
# Builds DJL's PyTorch JNI (libdjl_torch.so) for the PyTorch installed on this machine and puts it
# where DJL looks, so DJL runs on that PyTorch (and its GPUs) with no download.
#
# Why: DJL 0.35.1's prebuilt JNI is built for libtorch 2.7.1. Against another libtorch it loads
# but fails at the first tensor made from Java data (measured on PyTorch 2.11.0+cu130: "Cannot
# access data pointer of Tensor that doesn't have storage"). DJL's JNI sources at tag v0.35.1
# compile unchanged against the local torch (C++20 for torch >= 2.10, DJL pins 17).
#
# It never downloads. The DJL sources come from --djl-src: a directory or a .tar/.tar.gz holding
# DJL's tree at v0.35.1 (at least engines/pytorch/pytorch-native, engines/pytorch/pytorch-engine
# and api/src/main/native; gradle/libs.versions.toml, which states DJL's version, lets the script
# refuse sources of another version), e.g. from any clone of https://github.com/deepjavalibrary/djl:
#   git -C djl archive -o djl-0.35.1-src.tar.gz v0.35.1 gradle/libs.versions.toml \
#       engines/pytorch/pytorch-native engines/pytorch/pytorch-engine/src/main/java api/src/main/native
# Run with --help for the options; the last lines printed are the variables to export.
set -euo pipefail

die() { echo "error: $*" >&2; exit 1; }
usage_error() { echo "error: $*" >&2; echo "run $0 --help for usage" >&2; exit 2; }
log() { echo "build-djl-jni: $*" >&2; }

usage() {
  cat <<'EOF'
Usage: docker/gpu/build-djl-jni.sh --djl-src DIR|TARBALL [options]

Builds DJL's PyTorch JNI for the local PyTorch and installs it at
  <cache>/pytorch/<torch version>-<flavor>-<os>-<arch>/<djl version>-libdjl_torch.so
(the path DJL's LibUtils.findJniLibrary looks at first after PYTORCH_LIBRARY_PATH itself), then
prints the environment variables that make DJL use it. Idempotent: an up-to-date library built
from the same sources for the same torch is kept (use --force to rebuild).

Options:
  --djl-src DIR|TARBALL  DJL's sources at tag v0.35.1 (directory or .tar/.tar.gz/.tgz). Also read
                         from $DJL_SRC. Required unless the library is already up to date.
  --libtorch DIR         Use an unpacked libtorch (DIR/lib, DIR/include, DIR/build-version)
                         instead of the Python torch.
  --python EXE           Python whose torch to use (default: python3 on PATH, else /usr/bin/python3).
  --flavor F             DJL flavor (default: cu<CUDA version without dots> for a CUDA torch, e.g.
                         cu130, else cpu). For a GPU it must start with "cu".
  --expect-version V     Fail unless the detected torch version is V (e.g. 2.11.0).
  --cache-dir DIR        DJL engine cache directory (default: $ENGINE_CACHE_DIR, else
                         $DJL_CACHE_DIR, else ~/.djl.ai, as DJL resolves it).
  --djl-version V        DJL version of the engine jar that loads the library (default: the
                         djl.version of the project's pom.xml, else 0.35.1).
  --build-dir DIR        Work directory (default: ${TMPDIR:-/tmp}/djl-jni-<version>-<flavor>).
  --cmake-mode MODE      djl: DJL's CMakeLists.txt with find_package(Torch), its CUDA flags and
                         relink, as DJL's build.sh; plain: compile the same sources directly
                         against torch's headers and libraries (no CUDA toolkit needed);
                         auto (default): djl unless torch is a CUDA build and no nvcc is found.
  --cxx-std N            C++ standard (default: 20 for torch >= 2.10, else 17).
  -j, --jobs N           Parallel compile jobs (default: nproc).
  --env-file FILE        Also write the export lines to FILE (for `source FILE`).
  --force                Rebuild even if an up-to-date library is installed.
  --dry-run              Print what was detected and the plan; build and install nothing.
  -h, --help             Show this help and exit.

Exit: 0 built or up to date; 1 a tool, torch or the build failed; 2 a bad argument.
EOF
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

djl_src="${DJL_SRC:-}"
libtorch=""
python=""
flavor=""
expect_version=""
cache_dir=""
djl_version=""
build_dir=""
cmake_mode="auto"
cxx_std=""
jobs="$(nproc 2>/dev/null || echo 2)"
env_file=""
force=0
dry_run=0

need_value() { [[ $# -ge 2 && -n "$2" ]] || usage_error "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --djl-src) need_value "$@"; djl_src="$2"; shift 2 ;;
    --libtorch) need_value "$@"; libtorch="$2"; shift 2 ;;
    --python) need_value "$@"; python="$2"; shift 2 ;;
    --flavor) need_value "$@"; flavor="$2"; shift 2 ;;
    --expect-version) need_value "$@"; expect_version="$2"; shift 2 ;;
    --cache-dir) need_value "$@"; cache_dir="$2"; shift 2 ;;
    --djl-version) need_value "$@"; djl_version="$2"; shift 2 ;;
    --build-dir) need_value "$@"; build_dir="$2"; shift 2 ;;
    --cmake-mode) need_value "$@"; cmake_mode="$2"; shift 2 ;;
    --cxx-std) need_value "$@"; cxx_std="$2"; shift 2 ;;
    -j|--jobs) need_value "$@"; jobs="$2"; shift 2 ;;
    --env-file) need_value "$@"; env_file="$2"; shift 2 ;;
    --force) force=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
case "$cmake_mode" in auto|djl|plain) ;; *) usage_error "--cmake-mode must be auto, djl or plain, not $cmake_mode" ;; esac
[[ -z "$cxx_std" || "$cxx_std" =~ ^(17|20|23)$ ]] || usage_error "--cxx-std must be 17, 20 or 23, not $cxx_std"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || usage_error "--jobs must be a positive integer, not $jobs"
if [[ -n "$libtorch" && -n "$python" ]]; then usage_error "give --libtorch or --python, not both"; fi

# ---- 1. The torch to build against -------------------------------------------------------------
torch_version_full=""   # e.g. 2.11.0+cu130
torch_cuda=""           # e.g. 13.0, empty for a CPU build
torch_lib=""
torch_include=""
torch_cmake_prefix=""   # where TorchConfig.cmake lives, when known
torch_cxx11_abi=""      # 1 or 0
if [[ -n "$libtorch" ]]; then
  [[ -d "$libtorch" ]] || usage_error "--libtorch $libtorch is not a directory"
  libtorch="$(cd "$libtorch" && pwd)"
  [[ -f "$libtorch/lib/libtorch.so" ]] || die "no lib/libtorch.so in $libtorch: is it an unpacked libtorch?"
  [[ -f "$libtorch/build-version" ]] || die "no build-version file in $libtorch: cannot tell its torch version"
  torch_version_full="$(tr -d '[:space:]' < "$libtorch/build-version")"
  if [[ "$torch_version_full" =~ \+cu([0-9]+)$ ]]; then
    d="${BASH_REMATCH[1]}"; torch_cuda="${d%?}.${d: -1}"
  fi
  torch_lib="$libtorch/lib"
  torch_include="$libtorch/include"
  torch_cmake_prefix="$libtorch"
  # libtorch zips state the ABI in their TorchConfig; the cxx11 ABI is the default since 2.7.
  if grep -q 'D_GLIBCXX_USE_CXX11_ABI=0' "$libtorch/share/cmake/Torch/TorchConfig.cmake" 2>/dev/null; then
    torch_cxx11_abi=0
  else
    torch_cxx11_abi=1
  fi
else
  if [[ -z "$python" ]]; then
    for candidate in python3 /usr/bin/python3; do
      if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import torch' >/dev/null 2>&1; then
        python="$candidate"; break
      fi
    done
    [[ -n "$python" ]] || die "no Python with torch found (tried python3, /usr/bin/python3): pass --python EXE or --libtorch DIR"
  else
    command -v "$python" >/dev/null 2>&1 || usage_error "--python $python is not an executable"
    "$python" -c 'import torch' >/dev/null 2>&1 || die "$python cannot import torch"
  fi
  # One line of '|'-separated facts (tabs would merge an empty field); torch.utils.cmake_prefix_path is absent in old wheels.
  facts="$("$python" - <<'PY'
import os, torch
d = os.path.dirname(torch.__file__)
cm = getattr(torch.utils, "cmake_prefix_path", os.path.join(d, "share", "cmake"))
print("|".join([torch.__version__, torch.version.cuda or "", os.path.join(d, "lib"),
                 os.path.join(d, "include"), cm if os.path.isdir(cm) else "",
                 "1" if torch.compiled_with_cxx11_abi() else "0"]))
PY
)" || die "$python failed to describe its torch"
  IFS='|' read -r torch_version_full torch_cuda torch_lib torch_include torch_cmake_prefix torch_cxx11_abi <<<"$facts"
fi
[[ -e "$torch_lib/libtorch.so" ]] || die "no libtorch.so in $torch_lib"
[[ -f "$torch_include/torch/csrc/api/include/torch/torch.h" ]] \
  || die "no C++ headers in $torch_include (torch/csrc/api/include/torch/torch.h): install torch's headers (Debian: python3-torch ships them; pip wheels do)"

# DJL wants X.Y.Z: 2.11.0+cu130 -> 2.11.0; Debian's 1.13.0a0 -> 1.13.0.
[[ "$torch_version_full" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+) ]] || die "cannot read a version X.Y.Z from torch's $torch_version_full"
torch_version="${BASH_REMATCH[0]}"
torch_major="${BASH_REMATCH[1]}"; torch_minor="${BASH_REMATCH[2]}"
if [[ -n "$expect_version" && "$expect_version" != "$torch_version" ]]; then
  die "torch is $torch_version_full, not the expected $expect_version"
fi
if [[ -z "$flavor" ]]; then
  if [[ -n "$torch_cuda" ]]; then flavor="cu${torch_cuda//./}"; else flavor="cpu"; fi
fi
[[ "$flavor" =~ ^[a-z0-9._-]+$ ]] || usage_error "--flavor $flavor has characters DJL's cache path cannot hold"
if [[ -n "$torch_cuda" && "$flavor" != cu* ]]; then
  log "note: torch is a CUDA build but flavor $flavor does not start with \"cu\": DJL will load no CUDA library (CPU only)"
fi
if [[ -z "$torch_cuda" && "$flavor" == cu* ]]; then
  die "flavor $flavor asks for CUDA but torch $torch_version_full is a CPU build"
fi
if [[ -z "$cxx_std" ]]; then
  if (( torch_major > 2 || (torch_major == 2 && torch_minor >= 10) )); then cxx_std=20; else cxx_std=17; fi
fi
# DJL's build.sh compiles its 1.13 code path (c10::variant) for 1.13.x, 2.0.x and 2.1.x.
pt_define=""
if [[ "$torch_major.$torch_minor" =~ ^(1\.13|2\.0|2\.1)$ ]]; then pt_define="V1_13_X"; fi

# ---- 2. Where DJL looks (ai.djl.util.Utils.getEngineCacheDir + LibUtils.findJniLibrary) ---------
if [[ -z "$djl_version" ]]; then
  djl_version="$(sed -n 's:.*<djl.version>\(.*\)</djl.version>.*:\1:p' "$root/pom.xml" 2>/dev/null | head -1)"
  djl_version="${djl_version:-0.35.1}"
fi
if [[ -z "$cache_dir" ]]; then
  if [[ -n "${ENGINE_CACHE_DIR:-}" ]]; then cache_dir="$ENGINE_CACHE_DIR"
  elif [[ -n "${DJL_CACHE_DIR:-}" ]]; then cache_dir="$DJL_CACHE_DIR"
  elif [[ -w "${HOME:-/nonexistent}" ]]; then cache_dir="$HOME/.djl.ai"
  else cache_dir="${TMPDIR:-/tmp}/.djl.ai"  # DJL falls back to java.io.tmpdir the same way
  fi
fi
case "$(uname -m)" in
  x86_64|amd64) arch="x86_64" ;;
  aarch64|arm64) arch="aarch64" ;;
  *) die "unsupported machine $(uname -m): DJL's PyTorch engine runs on x86_64 and aarch64" ;;
esac
[[ "$(uname -s)" == Linux ]] || die "this script builds the Linux library only (uname: $(uname -s))"
classifier="linux-$arch"
# Absolute: the exported ENGINE_CACHE_DIR must not depend on the directory it is sourced from, and
# cmake runs from inside the build directory.
[[ "$cache_dir" == /* ]] || cache_dir="$PWD/$cache_dir"
dest_dir="$cache_dir/pytorch/$torch_version-$flavor-$classifier"
dest="$dest_dir/$djl_version-libdjl_torch.so"
build_dir="${build_dir:-${TMPDIR:-/tmp}/djl-jni-$torch_version-$flavor}"
[[ "$build_dir" == /* ]] || build_dir="$PWD/$build_dir"

# ---- 3. The build mode -------------------------------------------------------------------------
nvcc_path="$(command -v nvcc 2>/dev/null || true)"
if [[ -z "$nvcc_path" && -n "${CUDA_HOME:-}" && -x "${CUDA_HOME}/bin/nvcc" ]]; then nvcc_path="$CUDA_HOME/bin/nvcc"; fi
if [[ -z "$nvcc_path" && -x /usr/local/cuda/bin/nvcc ]]; then nvcc_path=/usr/local/cuda/bin/nvcc; fi
mode="$cmake_mode"
if [[ "$mode" == auto ]]; then
  # find_package(Torch) of a CUDA torch needs the CUDA toolkit; the JNI itself needs only libtorch
  # (its CUDA-only code is emptyCache and a separate inference stream, which this project never uses).
  if [[ -n "$torch_cuda" && -z "$nvcc_path" ]] || ! command -v cmake >/dev/null 2>&1; then mode=plain; else mode=djl; fi
fi
plan="$mode"
use_cuda=""
if [[ "$mode" == djl && -n "$torch_cuda" && "$flavor" == cu* ]]; then use_cuda=1; fi

# Everything that decides the library's contents: the same stamp means nothing to rebuild. It holds
# the mode asked for (--cmake-mode) and the one planned here, not the one a failed DJL configure fell
# back to (recorded as built=, outside the match): else an auto build that fell back to plain would
# never match again and rebuild on every run.
bf16_marker="moestream-djl-bf16-patch-v2"  # see patch_bf16 below
stamp_of() {
  printf 'torch=%s\nlib=%s\nflavor=%s\ncxx=%s\nrequest=%s\nplan=%s\ndjl=%s\npatch=%s\nsrc=%s\n' "$torch_version_full" \
    "$(readlink -f "$torch_lib")" "$flavor" "$cxx_std" "$cmake_mode" "$plan" "$djl_version" "$bf16_marker" "$1"
}
# Whether the installed library's stamp (less its built= line) matches; $1 = the sources' hash, or
# empty to compare all but the sources.
stamp_matches() {
  [[ "$force" == 0 && -f "$dest" && -f "$dest.stamp" ]] || return 1
  if [[ -n "$1" ]]; then
    [[ "$(grep -v '^built=' "$dest.stamp")" == "$(stamp_of "$1")" ]]
  else
    [[ "$(grep -v -e '^built=' -e '^src=' "$dest.stamp")" == "$(stamp_of x | grep -v '^src=')" ]]
  fi
}

print_plan() {
  cat <<EOF
torch:        $torch_version_full (CUDA ${torch_cuda:-none}, cxx11 ABI $torch_cxx11_abi)${python:+ from $python}
torch lib:    $torch_lib
torch include: $torch_include
cmake prefix: ${torch_cmake_prefix:-none, CMake searches its defaults}
DJL sources:  ${djl_src:-none given}
DJL version:  $djl_version
build:        mode $mode, C++$cxx_std${pt_define:+, -D$pt_define}${use_cuda:+, -DUSE_CUDA}, $jobs jobs, in $build_dir
nvcc:         ${nvcc_path:-none}
install:      $dest
installed:    $(if [[ ! -f "$dest" ]]; then echo "none"
                elif stamp_matches ""; then echo "up to date for this torch and mode ($(grep -m1 '^built=' "$dest.stamp" || echo 'built=?')), if the sources are unchanged"
                else echo "stale or built otherwise: would rebuild"; fi)
EOF
}

print_env() {
  local lines
  # %q: a path with spaces or quotes survives `source`.
  lines="$(printf 'export %s=%q\n' PYTORCH_LIBRARY_PATH "$torch_lib" PYTORCH_VERSION "$torch_version" \
    PYTORCH_FLAVOR "$flavor")"
  # DJL finds the library in the default cache by itself; a chosen cache must be exported too.
  local default_cache="${HOME:-/nonexistent}/.djl.ai"
  if [[ "$cache_dir" != "$default_cache" ]]; then
    lines+=$'\n'"$(printf 'export %s=%q' ENGINE_CACHE_DIR "$cache_dir")"
  fi
  echo "$lines"
  if [[ -n "$env_file" && "$dry_run" == 0 ]]; then
    mkdir -p "$(dirname "$env_file")" && echo "$lines" > "$env_file" || die "cannot write --env-file $env_file"
  fi
}

if [[ "$dry_run" == 1 ]]; then
  print_plan
  echo "dry run: nothing built or installed; the variables would be:"
  print_env
  exit 0
fi

# ---- bfloat16: the one change this script makes to DJL's sources ------------------------------
# DJL 0.35.1's JNI maps DJL data types 0-8 to torch's and executes a bare `throw;` for any other,
# so a cast to DataType.BFLOAT16 (ordinal 11) terminates the JVM. Two mappings fix it both ways;
# a marker string in the library (and the stamp's patch= line) lets the project tell this library
# from DJL's stock one by reading the file, never by trying a cast (io.moestream.moe.tensor.Bf16Kernels).
patch_bf16() {
  local dir="$1" h="$1/djl_pytorch_utils.h" cc="$1/ai_djl_pytorch_jni_PyTorchLibrary_tensor.cc"
  [[ -f "$h" && -f "$cc" ]] || die "no djl_pytorch_utils.h / ai_djl_pytorch_jni_PyTorchLibrary_tensor.cc in $dir: update this script's bf16 patch"
  if ! grep -q "$bf16_marker" "$h"; then  # idempotent: a patched tree is left as it is
    sed -i -e '/^      return torch::kComplexFloat;$/a\
    case 11:  // DJL DataType.BFLOAT16 ('"$bf16_marker"')\
      return torch::kBFloat16;' \
      -e 's/^  } else if (torch::kComplexFloat == type) {$/  } else if (torch::kBFloat16 == type) {  \/\/ '"$bf16_marker"'\
    return 11;\
&/' "$h"
  fi
  # torchTo runs every cast under a NoGradGuard, so a bf16 cast would cut the autograd graph and
  # the weights before it would get no gradient (measured: native bf16 training did not learn).
  # Casts to or from bfloat16 stay differentiable, as a mixed-precision cast must; every other
  # cast keeps DJL's guard, so nothing else changes.
  if ! grep -q "bf16 casts stay differentiable" "$cc"; then
    perl -0pi -e 's/(PyTorchLibrary_torchTo\(\n.*?API_BEGIN\(\)\n)  torch::NoGradGuard NoGradGuard;\n  const auto\* tensor_ptr = reinterpret_cast<torch::Tensor\*>\(jhandle\);\n/$1  const auto* tensor_ptr = reinterpret_cast<torch::Tensor*>(jhandle);\n  \/\/ '"$bf16_marker"': bf16 casts stay differentiable\n  const bool bf16_cast = utils::GetScalarTypeFromDType(jdtype) == torch::kBFloat16 || tensor_ptr->scalar_type() == torch::kBFloat16;\n  c10::AutoGradMode grad_mode(bf16_cast \&\& c10::GradMode::is_enabled());  \/\/ else DJL\x27s NoGradGuard\n/s' "$cc"
    grep -q "bf16 casts stay differentiable" "$cc" \
      || die "DJL's torchTo in $(basename "$cc") is not as expected (no NoGradGuard to relax): update this script's bf16 patch"
  fi
  if ! grep -q "moestream_djl_bf16_patch\[\]" "$cc"; then
    printf '\n// %s: read by the project to know this JNI maps bfloat16\nextern "C" __attribute__((visibility("default"), used)) const char moestream_djl_bf16_patch[] = "%s";\n' \
      "$bf16_marker" "$bf16_marker" >> "$cc"
  fi
  [[ "$(grep -c "$bf16_marker" "$h")" == 2 ]] && grep -q 'case 11:' "$h" && grep -q 'kBFloat16 == type' "$h" \
    || die "DJL's djl_pytorch_utils.h is not as expected (no kComplexFloat mapping to extend): update this script's bf16 patch"
}

# ---- 4. The sources ----------------------------------------------------------------------------
[[ -n "$djl_src" ]] || {
  if stamp_matches ""; then
    log "up to date (no --djl-src needed): $dest"
    print_env; exit 0
  fi
  usage_error "--djl-src (or \$DJL_SRC) is required: DJL's sources at v0.35.1 (see --help for how to make them)"
}
[[ -e "$djl_src" ]] || usage_error "--djl-src $djl_src does not exist"
for tool in javac c++; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found: install a JDK 17 (javac generates the JNI header) and a C++ compiler (g++)"
done
if [[ "$mode" == djl ]]; then command -v cmake >/dev/null 2>&1 || die "cmake not found: install CMake >= 3.18 or use --cmake-mode plain"; fi
if [[ -n "$use_cuda" ]]; then command -v make >/dev/null 2>&1 || die "make not found: the CUDA build needs CMake's Makefile generator (its relink reads link.txt)"; fi

mkdir -p "$build_dir" || die "cannot create --build-dir $build_dir"
src_root="$djl_src"
if [[ -f "$djl_src" ]]; then
  case "$djl_src" in *.tar|*.tar.gz|*.tgz) ;; *) usage_error "--djl-src $djl_src is a file but not .tar, .tar.gz or .tgz" ;; esac
  rm -rf "$build_dir/djl-src" && mkdir -p "$build_dir/djl-src"
  tar -xf "$djl_src" -C "$build_dir/djl-src" || die "cannot unpack $djl_src"
  src_root="$build_dir/djl-src"
  # A GitHub tarball has one top directory (djl-0.35.1/); git archive has none.
  if [[ ! -d "$src_root/engines" ]]; then
    only="$(find "$src_root" -mindepth 1 -maxdepth 1 -type d | head -2)"
    [[ "$(echo "$only" | wc -l)" == 1 && -d "$only/engines" ]] && src_root="$only"
  fi
fi
src_root="$(cd "$src_root" && pwd)"
native="$src_root/engines/pytorch/pytorch-native"
java_lib="$src_root/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
utils_dir="$src_root/api/src/main/native"
[[ -f "$native/CMakeLists.txt" && -d "$native/src/main/native" ]] || die "no engines/pytorch/pytorch-native/CMakeLists.txt under $djl_src: is it DJL's source tree?"
[[ -f "$java_lib" ]] || die "no engines/pytorch/pytorch-engine/src/main/java/.../PyTorchLibrary.java under $djl_src (it declares the JNI functions)"
[[ -f "$utils_dir/djl/utils.h" ]] || die "no api/src/main/native/djl/utils.h under $djl_src"
# The JNI declares what the Java side of the same DJL version calls: refuse other versions. DJL
# states its version in gradle/libs.versions.toml (djl = "0.35.1"); older trees in gradle.properties.
src_version=""
if [[ -f "$src_root/gradle/libs.versions.toml" ]]; then
  src_version="$(sed -n 's/^djl *= *"\([^"]*\)".*/\1/p' "$src_root/gradle/libs.versions.toml" | head -1)"
elif [[ -f "$src_root/gradle.properties" ]]; then
  src_version="$(sed -n 's/^djl_version=//p' "$src_root/gradle.properties" | tr -d '[:space:]' | head -1)"
fi
if [[ -z "$src_version" ]]; then
  log "warning: no DJL version in $djl_src (no gradle/libs.versions.toml): cannot check that the sources are v$djl_version"
elif [[ "$src_version" != "$djl_version" ]]; then
  die "DJL sources are version $src_version, the engine jar is $djl_version: check out tag v$djl_version"
fi
src_hash="$( (cd "$src_root" && find engines/pytorch/pytorch-native/CMakeLists.txt engines/pytorch/pytorch-native/src/main/native \
  "${java_lib#"$src_root/"}" api/src/main/native -type f -print0 | sort -z | xargs -0 cat) | sha256sum | cut -c1-16)"
stamp="$(stamp_of "$src_hash")"
if stamp_matches "$src_hash"; then
  log "up to date: $dest"
  print_env; exit 0
fi

print_plan >&2
started=$SECONDS

# ---- 5. Build ----------------------------------------------------------------------------------
work="$build_dir/pytorch-native"
rm -rf "$work" && mkdir -p "$work/build/include" "$work/build/classes"
cp -R "$native/CMakeLists.txt" "$native/src" "$work/"
patch_bf16 "$work/src/main/native"
# The JNI header, generated from the Java declarations as DJL's build.sh does.
javac -h "$work/build/include" -d "$work/build/classes" "$java_lib" \
  || die "javac could not generate the JNI header from $java_lib"
javac_path="$(readlink -f "$(command -v javac)")"
java_home="${JAVA_HOME:-$(dirname "$(dirname "$javac_path")")}"
[[ -f "$java_home/include/jni.h" ]] || die "no include/jni.h in $java_home: set JAVA_HOME to a JDK"

built="$work/build/libdjl_torch.so"
if [[ "$mode" == djl ]]; then
  # DJL pins C++17 on the target; torch >= 2.10's headers need C++20.
  sed -i -E "s/(PROPERTY CXX_STANDARD) 17/\1 $cxx_std/" "$work/CMakeLists.txt"
  grep -q "CXX_STANDARD $cxx_std" "$work/CMakeLists.txt" || die "DJL's CMakeLists.txt no longer sets CXX_STANDARD 17: update this script"
  cmake_args=(-S "$work" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DUTILS_INCLUDE_DIR="$utils_dir"
              -DJAVA_HOME="$java_home")
  [[ -n "$torch_cmake_prefix" ]] && cmake_args+=(-DCMAKE_PREFIX_PATH="$torch_cmake_prefix")
  [[ -n "$pt_define" ]] && cmake_args+=(-DPT_VERSION="$pt_define")
  [[ -n "$use_cuda" ]] && cmake_args+=(-DUSE_CUDA=1)
  # Ninja only without CUDA: the relink below edits link.txt, which only the Makefile generator writes.
  if [[ -z "$use_cuda" ]] && command -v ninja >/dev/null 2>&1; then cmake_args+=(-G Ninja); fi
  if ! (cd "$work/build" && JAVA_HOME="$java_home" cmake "${cmake_args[@]}") > "$build_dir/cmake-configure.log" 2>&1; then
    [[ "$cmake_mode" == auto ]] \
      || die "cmake configure failed (log: $build_dir/cmake-configure.log; a CUDA torch without a matching CUDA toolkit needs --cmake-mode plain)"
    # find_package(Torch) wants a CUDA toolkit that matches torch's: compile without it instead.
    log "note: DJL's CMake configure failed (log: $build_dir/cmake-configure.log); building with --cmake-mode plain"
    mode=plain; use_cuda=""
  fi
fi
if [[ "$mode" == djl ]]; then
  cmake --build "$work/build" --config Release -j "$jobs" > "$build_dir/cmake-build.log" 2>&1 \
    || die "compiling DJL's JNI failed (log: $build_dir/cmake-build.log; last error: $(grep -m1 -E 'error' "$build_dir/cmake-build.log" | cut -c1-200))"
  if [[ -n "$use_cuda" ]]; then
    # As DJL's build.sh: do not link the toolkit's libcudart/libnvrtc (torch brings its own).
    link="$work/build/CMakeFiles/djl_torch.dir/link.txt"
    [[ -f "$link" ]] || die "no $link to relink without the toolkit's libcudart (not CMake's Makefile generator?)"
    if grep -qE '/lib(cudart|nvrtc)\.so' "$link"; then
      sed -i -r 's#[^ ]*/lib(cudart|nvrtc)\.so[.0-9]*( |$)#\2#g' "$link"
      rm -f "$built"
      (cd "$work/build" && bash "$link") > "$build_dir/relink.log" 2>&1 || die "relinking without libcudart failed (log: $build_dir/relink.log)"
    fi
  fi
else
  # The same sources and flags as DJL's CMakeLists.txt, without find_package(Torch).
  flags=(-std=c++"$cxx_std" -O2 -DNDEBUG -fPIC -D_GLIBCXX_USE_CXX11_ABI="$torch_cxx11_abi"
         -I"$work/build/include" -I"$java_home/include" -I"$java_home/include/linux" -I"$utils_dir"
         -isystem "$torch_include" -isystem "$torch_include/torch/csrc/api/include")
  [[ -n "$pt_define" ]] && flags+=(-D"$pt_define")
  mkdir -p "$work/build/obj"
  export CXX_FLAGS_FILE="$work/build/flags"
  printf '%s\n' "${flags[@]}" > "$CXX_FLAGS_FILE"
  find "$work/src/main/native" -name '*.cc' -print0 \
    | xargs -0 -P "$jobs" -I{} sh -c 'o="$0/$(basename "$1" .cc).o"; xargs -d "\n" -a "$CXX_FLAGS_FILE" c++ -c "$1" -o "$o" || exit 255' \
        "$work/build/obj" {} > "$build_dir/compile.log" 2>&1 \
    || die "compiling DJL's JNI failed (log: $build_dir/compile.log; last error: $(grep -m1 -E 'error' "$build_dir/compile.log" | cut -c1-200))"
  link_libs=(-ltorch -ltorch_cpu -lc10)
  c++ -shared -o "$built" "$work"/build/obj/*.o -L"$torch_lib" "${link_libs[@]}" -Wl,-rpath,'$ORIGIN' \
    > "$build_dir/link.log" 2>&1 || die "linking libdjl_torch.so failed (log: $build_dir/link.log)"
fi
[[ -f "$built" ]] || die "the build produced no libdjl_torch.so in $work/build"
if [[ -n "$use_cuda" ]]; then
  command -v readelf >/dev/null 2>&1 || die "readelf (binutils) not found: cannot check that libdjl_torch.so does not need the toolkit's libcudart"
  cuda_needed="$(readelf -d "$built" | sed -n 's/.*(NEEDED).*\[\(lib\(cudart\|nvrtc\)\.so[^]]*\)\]/\1/p' | paste -sd ' ')"
  [[ -z "$cuda_needed" ]] || die "libdjl_torch.so still needs $cuda_needed after the relink (logs in $build_dir): it must use torch's own CUDA runtime"
fi
# A library whose own dependencies do not resolve against this torch would only fail later inside
# the JVM. Only direct ones count: torch's libraries find theirs (CUDA wheels) through RUNPATHs
# that DJL's loading order, not ldd, exercises.
missing="$(LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$built" 2>/dev/null | awk '/not found/ {print $1}')"
if [[ -n "$missing" ]]; then
  direct="$(readelf -d "$built" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
  for lib in $missing; do
    if grep -qxF "$lib" <<<"$direct"; then die "libdjl_torch.so needs $lib, which is not in $torch_lib"; fi
  done
  log "note: ldd does not find $(echo $missing | tr ' ' ',') (needed by torch's own libraries, not by the JNI)"
fi

# ---- 6. Install (atomically: a concurrent JVM sees the old file or the new one) ----------------
mkdir -p "$dest_dir" || die "cannot create $dest_dir: choose --cache-dir"
tmp="$(mktemp "$dest_dir/.jni.XXXXXX")"
cp "$built" "$tmp" && chmod 0755 "$tmp" && mv -f "$tmp" "$dest" || { rm -f "$tmp"; die "cannot install $dest"; }
printf '%s\nbuilt=%s\n' "$stamp" "$mode" > "$dest.stamp"
log "built in $((SECONDS - started)) s, installed $dest"
print_env
