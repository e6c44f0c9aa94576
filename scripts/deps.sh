# Sourced by run.sh and test.sh: make sure the Debian packages hwplan builds
# with are present. As root, installs what is missing (and says why); as
# another user, names what is missing and how to install it, and fails.
#
# usage: hwplan_ensure_packages core|all

hwplan_core_packages=(
  "cmake:build system"
  "ninja-build:fast incremental builds"
  "g++:C++20 compiler"
  "libeigen3-dev:least-squares fits (model/)"
  "libboost-dev:Boost.Units quantities (model/)"
  "libfmt-dev:formatting"
  "libyaml-cpp-dev:hardware/model database (hwdb/)"
  "nlohmann-json3-dev:JSON output and HF config.json import"
  "libcli11-dev:command-line parsing (cli/)"
)
hwplan_test_packages=(
  "catch2:unit tests"
  "qt6-base-dev:desktop app (gui/)"
  "qt6-charts-dev:desktop app charts"
  "libqt6opengl6-dev:CMake config that Qt6Charts needs (gui/)"
  "qt6-svg-dev:SVG chart export"
  "libopenmpi-dev:network probe (calibrate/net)"
  "openmpi-bin:mpirun for the network probe tests"
  "libbenchmark-dev:benchmarks (bench/)"
)

hwplan_ensure_packages() {
  local want=("${hwplan_core_packages[@]}")
  [ "$1" = all ] && want+=("${hwplan_test_packages[@]}")
  local missing=() why=() entry pkg
  for entry in "${want[@]}"; do
    pkg=${entry%%:*}
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
      why+=("  $pkg - ${entry#*:}")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "hwplan: cannot check packages (not a Debian system); assuming they are installed" >&2
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "hwplan: missing Debian packages:" >&2
    printf '%s\n' "${why[@]}" >&2
    echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "hwplan: installing missing Debian packages:"
  printf '%s\n' "${why[@]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
    echo "hwplan: apt-get install failed for: ${missing[*]}" >&2
    return 1
  }
}
