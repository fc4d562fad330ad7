"""One NeuronCore's memory limits, in one place: what the emulator enforces and the planners fit.

Per NeuronCore-v2 (trn1): SBUF 24 MiB = 128 partitions x 192 KiB; PSUM 2 MiB =
128 x 16 KiB = 8 banks of 2 KiB per partition
(D/nki/guides/architecture/trainium_inferentia2_arch.html). trn2's NeuronCore-v3
has the same PSUM but 28 MiB of SBUF, 224 KiB per partition
(D/about-neuron/arch/neuron-hardware/neuron-core-v3.html, .../trainium2_arch.html;
nki-reference.md section 2): the emulator and the planners hold every target to
trn1's 192 KiB, so a kernel that passes fits both.
"""
from __future__ import annotations

PMAX = 128                               # partitions: the largest partition dim of an on-chip tile
SBUF_PARTITION_BYTES = 192 * 1024
PSUM_PARTITION_BYTES = 16 * 1024
PSUM_BANK_BYTES = 2048
PSUM_BANKS = PSUM_PARTITION_BYTES // PSUM_BANK_BYTES          # 8
PSUM_BANK_FP32 = PSUM_BANK_BYTES // 4    # 512: nl.tile_size.psum_fmax, the matmul moving free size
GEMM_STATIONARY_FMAX = 128               # nl.tile_size.gemm_stationary_fmax
