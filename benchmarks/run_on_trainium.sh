#!/usr/bin/env bash
# trnfft on a Trainium instance (trn2 is the target; docs/benchmarks-on-trainium.md):
# tests, a cross-check and the asv benchmarks on nki-hardware, in the Neuron SDK's venv.
#
# Usage, on the instance, with the Neuron SDK's PyTorch venv active:
#   source /opt/aws_neuronx_venv_pytorch_*/bin/activate
#   benchmarks/run_on_trainium.sh [--dry-run] [--machine NAME] [--target CHIP] [--quick]
#
# Steps, in order, each printed before it runs; the script stops at the first that fails:
#   1. the SDK imports (nki, torch, torch_neuronx) and /dev/neuron0 exists;
#   2. pip install -e ".[test,bench]" into the active venv, without constraints.txt (the
#      venv's Neuron torch stays); `trnfft info`; stop unless nki-hardware is available;
#   3. the test suite with --trnfft-backends=nki-hardware (declined problems skip with the
#      reason; the tests that assert a machine without Trainium are deselected);
#   4. trnfft check --backends nki-hardware --dtypes complex64 -> reports/check-NAME.json;
#   5. asv machine NAME, asv run --python=same (the venv itself) on this commit, then
#      benchmarks/report.py -> docs/NAME/.
# Results: .asv/results/NAME/, docs/NAME/, reports/check-NAME.json, in the checkout this
# script belongs to (it runs there, from wherever it is called).
#
# Options:
#   --dry-run       print the steps, run none (no venv, SDK or device needed)
#   --machine NAME  asv machine name, also naming the check report and the report directory
#                   (default: trn2)
#   --target CHIP   trn1, trn2 or trn3: sets TRNFFT_NKI_TARGET, the chip the kernels are planned,
#                   checked and compiled for (trnfft sets NEURON_PLATFORM_TARGET_OVERRIDE from
#                   it; one of yours naming another chip is an error).
#                   Default: TRNFFT_NKI_TARGET as already set; unset, plans follow this machine's
#                   chip when sysfs names a trn1 or trn2 (else trn2) and nki compiles for the chip
#                   it finds
#   --quick         asv --quick: every benchmark once (a smoke run, not figures to keep); the
#                   tests and the check run in full
#   -h, --help      this text
#
# Environment: TRNFFT_CACHE_DIR (FFTW wisdom, auto's remembered choices) defaults to
# .trnfft-cache in the checkout. Exit status: 0 done; a failed step's own (non-zero);
# 1 no venv active; 2 a usage error.
set -euo pipefail

usage_error() { echo "run_on_trainium.sh: $1 (see --help)" >&2; exit 2; }

dry_run=0 machine=trn2 target= quick=()
while [ $# -gt 0 ]; do
    case $1 in
        --dry-run) dry_run=1 ;;
        --machine) case ${2:-} in ''|-*) usage_error "--machine needs a name, got '${2:-}'" ;; esac
                   machine=$2; shift ;;
        --target) case ${2:-} in ''|-*) usage_error "--target needs trn1, trn2 or trn3, got '${2:-}'" ;; esac
                  target=$2; shift ;;
        --quick) quick=(--quick) ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) usage_error "unknown argument '$1'" ;;
    esac
    shift
done
case $target in ''|trn1|trn2|trn3) ;; *) usage_error "--target must be trn1, trn2 or trn3, got '$target'" ;; esac

# Tests that assert this machine has NO Trainium: on an instance their premise is false.
no_trainium_tests=(
    tests/nki/test_nki_backend.py::test_nki_without_the_simulator_flag_needs_hardware
    tests/nki/test_nki_backend.py::test_hardware_executor_fails_clearly_here
    tests/nki/test_nki_cost.py::test_trnfft_info_shows_the_engine
    tests/core/test_selection.py::test_nki_without_hardware_or_simulator_says_which_to_provide
    tests/nki/test_nki_device.py::test_without_the_sdk_the_device_layer_names_what_is_missing
)
deselect=()
for t in "${no_trainium_tests[@]}"; do deselect+=(--deselect "$t"); done

run() {  # print a step, then run it (unless --dry-run)
    printf '+'; printf ' %q' "$@"; printf '\n'
    [ "$dry_run" = 1 ] || "$@"
}

cd "$(dirname "$0")/.."   # the checkout this script belongs to
if [ "$dry_run" = 0 ]; then
    [ -n "${VIRTUAL_ENV:-}" ] || { echo "activate the Neuron venv first (source /opt/aws_neuronx_venv_pytorch_*/bin/activate)" >&2; exit 1; }
fi
[ -z "$target" ] || export TRNFFT_NKI_TARGET=$target
export TRNFFT_CACHE_DIR=${TRNFFT_CACHE_DIR:-$PWD/.trnfft-cache}
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)

echo "== 1. the SDK and the device"
run python -c "import nki, torch, torch_neuronx; print('nki', nki.__version__, '| torch', torch.__version__)"
run ls /dev/neuron0
echo "== 2. install trnfft into this venv (its torch stays: no constraints file here)"
run python -m pip install --quiet -e ".[test,bench]"
run trnfft info
run python -c "import sys, trnfft; r = {b['name']: b for b in trnfft.backends_info()}['nki-hardware']; sys.exit(0 if r['available'] else 'nki-hardware unavailable: ' + str(r['reason']))"
echo "== 3. the test suite, backend-parametrised tests on nki-hardware (declined problems skip with the reason)"
run python -m pytest -q -rs --trnfft-backends=nki-hardware "${deselect[@]}" tests
echo "== 4. cross-check nki-hardware against float64"
run mkdir -p reports
run trnfft check --backends nki-hardware --dtypes complex64 --json "reports/check-$machine.json"
echo "== 5. the asv suite (DeviceResident: device sync inside the timed call, copies in setup)"
run asv machine --machine "$machine" --yes
run asv run --python=same --set-commit-hash "$commit" --machine "$machine" --launch-method forkserver "${quick[@]}"
run python benchmarks/report.py --machine "$machine" --out "docs/$machine"
echo "== done: results in .asv/results/$machine, report in docs/$machine, check in reports/check-$machine.json"
