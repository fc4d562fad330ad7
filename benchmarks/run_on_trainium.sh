#!/usr/bin/env bash
# Run the asv suite on a Trainium host inside its Neuron venv and copy the results back.
# Usage: benchmarks/run_on_trainium.sh user@host [machine-name] [venv-activate-glob]
set -euo pipefail
host=${1:?usage: $0 user@host [machine-name] [venv]}
machine=${2:-trn1-2xl}
venv=${3:-/opt/aws_neuronx_venv_pytorch_*/bin/activate}
commit=$(git rev-parse HEAD)
git bundle create /tmp/trnfft.bundle HEAD
scp /tmp/trnfft.bundle "$host:/tmp/trnfft.bundle"
ssh "$host" bash -s <<REMOTE
set -euo pipefail
source $venv
rm -rf ~/trnfft-bench && git clone -q /tmp/trnfft.bundle ~/trnfft-bench && cd ~/trnfft-bench
git checkout -q $commit
pip install -q -e ".[bench]"
trnfft info
asv machine --machine $machine --yes
asv run --python=same --set-commit-hash $commit --machine $machine --launch-method forkserver
REMOTE
mkdir -p .asv/results
scp -r "$host:~/trnfft-bench/.asv/results/$machine" .asv/results/
scp "$host:~/trnfft-bench/.asv/results/benchmarks.json" ".asv/results/benchmarks-$machine.json"
python benchmarks/report.py --machine "$machine" --out "docs/$machine"
