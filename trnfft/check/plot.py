"""The accuracy picture: norm-wise error against N per backend, log-log, with the tolerance."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import InvalidArgumentError, TrnfftError

if TYPE_CHECKING:
    from .sweep import CrossCheckReport


def _pyplot() -> Any:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise TrnfftError("--plot needs matplotlib: pip install 'trnfft[plot]'") from exc
    return plt


def check_plot_path(path: str) -> None:
    """Raise InvalidArgumentError unless matplotlib can write ``path``'s format (by its extension)."""
    _pyplot()  # matplotlib is there (else a clear error now, not after the sweep)
    from matplotlib.backend_bases import FigureCanvasBase
    formats = FigureCanvasBase.get_supported_filetypes()
    extension = Path(path).suffix.lstrip(".").lower()
    if extension not in formats:
        raise InvalidArgumentError(f"--plot {path}: the file name must end in one of "
                                   f"{', '.join('.' + f for f in sorted(formats))} (e.g. check.png)")


def plot_errors(reports: list["CrossCheckReport"], path: str) -> None:
    """Write a PNG: one panel per precision, one line per backend over the 1-D c2c/r2c/c2r problems,
    and the batched and n-D rows as hollow markers at their points per transform."""
    plt = _pyplot()

    precisions = sorted({r.problem.precision for r in reports}, reverse=True)
    # one colour and marker per backend across both panels
    names = sorted({res.backend for r in reports for res in r.results})
    style = {name: (f"C{i % 10}", "os^vDP*X"[i % 8]) for i, name in enumerate(names)}
    fig, axes = plt.subplots(1, len(precisions), figsize=(6.5 * len(precisions), 4.8), squeeze=False)
    for ax, precision in zip(axes[0], precisions):
        lines: dict[str, dict[int, float]] = defaultdict(dict)
        others: dict[str, list[tuple[int, float]]] = defaultdict(list)
        tol: dict[int, float] = {}
        for rep in reports:
            p = rep.problem
            if p.precision != precision:
                continue
            if len(p.axes) != 1 or p.batch != 1:
                for res in rep.results:
                    if res.error is not None:
                        others[res.backend].append((p.size, max(res.error, 1e-18)))
                continue
            tol[p.size] = rep.tolerance
            for res in rep.results:
                if res.error is not None:
                    # worst error over the kinds at this size, so each backend is one line
                    prev = lines[res.backend].get(p.size, 0.0)
                    lines[res.backend][p.size] = max(prev, res.error, 1e-18)
        for backend, points in sorted(lines.items()):
            ns = sorted(points)
            color, marker = style[backend]
            ax.loglog(ns, [points[n] for n in ns], color=color, marker=marker, label=backend)
        for backend, pts in sorted(others.items()):
            color, marker = style[backend]
            ax.scatter([n for n, _ in pts], [e for _, e in pts], facecolors="none", edgecolors=color,
                       marker=marker, label=f"{backend} (batched / n-D)")
        if tol:
            ns = sorted(tol)
            ax.loglog(ns, [tol[n] for n in ns], "k--", label="tolerance c*eps*log2(N)")
        dtype = ("complex64 / float32 (reference: float64)" if precision == "single"
                 else "complex128 / float64 (reference: long double)")
        ax.set_title(f"{dtype}: worst of c2c, r2c, c2r")
        ax.set_xlabel("points per transform N")
        ax.set_ylabel("norm-wise relative error vs reference")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("trnfft check: accuracy per backend")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
