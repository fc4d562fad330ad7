#!/usr/bin/env bash
# trnfft on a Trainium instance (trn2 is the target; see docs/benchmarks-on-trainium.md):
# install trnfft into the Neuron SDK's PyTorch venv, run the test suite with nki-hardware
# selected, cross-check nki-hardware with `trnfft check`, then run the asv suite.
#
# Run from a trnfft checkout ON the instance, with the Neuron venv active:
#   source /opt/aws_neuronx_venv_pytorch_*/bin/activate
#   benchmarks/run_on_trainium.sh [--dry-run] [--machine NAME] [--target trn1|trn2|trn3] [--quick]
#
#   --dry-run   print the steps, run nothing (works anywhere)
#   --machine   asv machine name for the results (default: trn2)
#   --target    compile for this chip (sets TRNFFT_NKI_TARGET; default: the chip nki detects)
#   --quick     asv --quick: every benchmark once (a smoke run, not figures to keep)
set -euo pipefail

dry_run=0 machine=trn2 target= quick=()
while [ $# -gt 0 ]; do
    case $1 in
        --dry-run) dry_run=1 ;;
        --machine) machine=${2:?--machine needs a name}; shift ;;
        --target) target=${2:?--target needs trn1, trn2 or trn3}; shift ;;
        --quick) quick=(--quick) ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "run_on_trainium.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
case $target in ''|trn1|trn2|trn3) ;; *) echo "run_on_trainium.sh: --target must be trn1, trn2 or trn3" >&2; exit 2 ;; esac

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
