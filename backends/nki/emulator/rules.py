"""The NKI 0.3 rules the emulator enforces, each with the documentation page it follows.

Pages are from the AWS Neuron SDK 2.29.0 documentation (NKI 0.3.0), base
https://awsdocs-neuron.readthedocs-hosted.com/en/v2.29.0 (written ``D/`` below).
Every rejection raises :class:`NkiRuleError` naming the rule and its page.
"""
from __future__ import annotations

D = "https://awsdocs-neuron.readthedocs-hosted.com/en/v2.29.0"

PAGES = {
    "matmul": f"{D}/nki/api/generated/nki.isa.nc_matmul.html",
    "tensor_copy": f"{D}/nki/api/generated/nki.isa.tensor_copy.html",
    "transpose": f"{D}/nki/api/generated/nki.isa.nc_transpose.html",
    "tensor_tensor": f"{D}/nki/api/generated/nki.isa.tensor_tensor.html",
    "tensor_scalar": f"{D}/nki/api/generated/nki.isa.tensor_scalar.html",
    "activation": f"{D}/nki/api/generated/nki.isa.activation.html",
    "iota": f"{D}/nki/api/generated/nki.isa.iota.html",
    "memset": f"{D}/nki/api/generated/nki.isa.memset.html",
    "dma_copy": f"{D}/nki/api/generated/nki.isa.dma_copy.html",
    "isa": f"{D}/nki/api/nki.api.shared.html",
    "language": f"{D}/nki/api/nki.language.html",
    "update_guide": f"{D}/nki/deep-dives/nki-0-3-0-update-guide.html",
    "beta2": f"{D}/nki/deep-dives/nki-beta2-migration-guide.html",
    "language_guide": f"{D}/nki/get-started/nki-language-guide.html",
    "tiling": f"{D}/nki/get-started/about/tiling-overview.html",
    "tile_size": f"{D}/nki/api/nki.language.tile_size.html",
    "simulator": f"{D}/nki/guides/nki_simulator.html",
    "arch_trn1": f"{D}/nki/guides/architecture/trainium_inferentia2_arch.html",
    "arch_trn2": f"{D}/nki/guides/architecture/trainium2_arch.html",
    "dma_guide": f"{D}/nki/deep-dives/nki-dma-bandwidth-guide.html",
    "perf_guide": f"{D}/nki/deep-dives/nki_perf_guide.html",
    "indexing": f"{D}/nki/get-started/about/indexing-overview.html",
    "aps": f"{D}/nki/deep-dives/nki-aps.html",
    "release_notes": f"{D}/release-notes/components/nki.html",
}
for _name in ("scalar_tensor_tensor", "tensor_tensor_scan", "tensor_reduce", "tensor_partition_reduce",
              "reciprocal", "activation_reduce"):
    PAGES[_name] = f"{D}/nki/api/generated/nki.isa.{_name}.html"


class NkiRuleError(Exception):
    """A kernel did something NKI 0.3 rejects (or the hardware cannot do)."""

    def __init__(self, rule: str, message: str, page: str) -> None:
        self.rule = rule
        self.page = PAGES.get(page, page)
        super().__init__(f"[{rule}] {message} (see {self.page})")


def require(condition: bool, rule: str, message: str, page: str) -> None:
    """Raise the rule's error unless ``condition`` (rule "not-emulated": a NotEmulatedError)."""
    if not condition:
        raise (NotEmulatedError if rule == "not-emulated" else NkiRuleError)(rule, message, page)


class NotEmulatedError(NkiRuleError):
    """A documented 0.3.0 name the emulator does not implement (not a rule of NKI)."""


def api_page(module: str, name: str) -> str:
    return f"{D}/nki/api/generated/{module}.{name}.html"


def not_emulated_attribute(module: str, name: str) -> None:
    """Module ``__getattr__``: documented 0.3.0 names raise "not emulated", others AttributeError."""
    from .api_names import PUBLIC_NAMES
    if name in PUBLIC_NAMES.get(module, ()):
        raise NotEmulatedError("not-emulated", f"not emulated: {module}.{name} (documented in NKI 0.3.0, "
                               f"not implemented by trnfft's emulator; run on the real nki)",
                               api_page(module, name))
    raise AttributeError(f"module {module!r} (trnfft emulator) has no attribute {name!r}")
