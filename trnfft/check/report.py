"""``trnfft check``: run the sweep with a progress bar, print the table, write JSON/PNG."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..core.accuracy import DEFAULT_C
from ..core.problem import COMPLEX_DTYPE, KINDS, REAL_DTYPE
from .sweep import CrossCheckReport, available_backends, check_problem, default_problems
from ..core.errors import InvalidArgumentError
from ..core.registry import REGISTRY
from ..core.selection import resolve_names
from ..core.terminal import make_console

SHORT_DTYPE = {"complex64": "c64", "complex128": "c128", "float32": "f32", "float64": "f64"}
# --dtypes takes a precision or one of its float/complex dtype names (from core's dtype tables)
PRECISION_NAMES = {name: p for p in ("single", "double")
                   for name in (p, REAL_DTYPE[p].name, COMPLEX_DTYPE[p].name)}


def _list(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _options(args: argparse.Namespace) -> dict[str, Any]:
    backends = _list(args.backends)
    named = bool(backends)
    if backends:
        backends = [REGISTRY.canonical(b) for b in backends]
        resolve_names(tuple(backends))  # unknown or unavailable names fail here, clearly
    else:
        backends = available_backends()
    try:
        sizes = [int(s) for s in names] if (names := _list(args.sizes)) is not None else None
    except ValueError:
        raise InvalidArgumentError(f"--sizes must be comma-separated integers, got {args.sizes!r}") from None
    if sizes is not None and any(n < 1 for n in sizes):
        raise InvalidArgumentError("--sizes must all be >= 1")
    precisions = []
    for d in _list(args.dtypes) or []:
        if d not in PRECISION_NAMES:
            raise InvalidArgumentError(f"unknown dtype {d!r} in --dtypes; use complex64/complex128")
        precisions.append(PRECISION_NAMES[d])
    kinds = _list(args.kinds) or []
    for k in kinds:
        if k not in KINDS:
            raise InvalidArgumentError(f"unknown kind {k!r} in --kinds; use {', '.join(KINDS)}")
    if args.json and args.json != "-":
        _check_output("--json", args.json)
    if args.plot:
        _check_output("--plot", args.plot)
        from .plot import check_plot_path
        check_plot_path(args.plot)
    return {"backends": backends, "named": named, "sizes": sizes, "precisions": dict.fromkeys(precisions),
            "kinds": kinds, "c": args.c or DEFAULT_C}


def _check_output(flag: str, path: str) -> None:
    """Fail before the sweep, not after it, when a report could not be written to ``path``."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise InvalidArgumentError(f"{flag} {path}: is a directory; give a file name")
    if not folder.is_dir():
        raise InvalidArgumentError(f"{flag} {path}: the directory {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise InvalidArgumentError(f"{flag} {path}: not writable here")


def run_check_command(args: argparse.Namespace) -> int:
    opts = _options(args)
    problems = default_problems(opts["sizes"], opts["precisions"], opts["kinds"])
    if opts["sizes"] is not None:  # an explicit size list means 1-D problems only
        problems = [p for p in problems if len(p.shape) == 1]
    to_stdout = args.json == "-"
    console = make_console(sys.stderr if to_stdout else sys.stdout)
    reports: list[CrossCheckReport] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=args.no_progress) as progress:
        task = progress.add_task("checking", total=len(problems))
        for problem in problems:
            progress.update(task, description=f"{problem.kind} {problem.input_dtype.name} n={problem.lengths}")
            reports.append(check_problem(problem, opts["backends"], c=opts["c"]))
            progress.advance(task)
    console.print(render_table(reports, opts["backends"]))
    failed = [r for r in reports if not r.passed]
    idle = not_run(reports, opts["backends"])
    unchecked = idle if opts["named"] else []   # a backend the user named that checked nothing: no PASS
    verdict = ("[green]PASS[/]" if not failed and not unchecked else
               f"[red]FAIL[/]: {len(failed)} of {len(reports)} problems" if failed else "[red]NOT RUN[/]")
    console.print(f"{len(reports)} problems x {len(opts['backends'])} backends "
                  f"({', '.join(opts['backends'])}), tolerance c={opts['c']:g}*eps*log2(N): {verdict}")
    for name in idle:
        console.print(f"{'[red]NOT RUN[/]' if name in unchecked else '[yellow]note[/]'}: no problem ran on "
                      f"{name} (it declined every one: see its cells)", highlight=False)
    if args.json:
        payload = json.dumps({"backends": opts["backends"], "c": opts["c"], "passed": not failed and not unchecked,
                              "not_run": idle, "problems": [r.to_dict() for r in reports]}, indent=1)
        if to_stdout:
            print(payload)
        else:
            with open(args.json, "w") as fh:
                fh.write(payload)
            console.print(f"report written to {args.json}")
    if args.plot:
        from .plot import plot_errors
        plot_errors(reports, args.plot)
        console.print(f"plot written to {args.plot}")
    return 0 if not failed and not unchecked else 1


def not_run(reports: list[CrossCheckReport], backends: list[str]) -> list[str]:
    """The backends on which no problem ran (each declined, or there were no problems)."""
    ran = {r.backend for rep in reports for r in rep.results if not r.declined}
    return [b for b in backends if b not in ran]


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1e6:,.1f} us" if seconds < 1e-2 else f"{seconds * 1e3:,.2f} ms"


def declined_reason(message: str, backend: str, limit: int = 48) -> str:
    """The backend's own reason from a 'no selected backend can compute ...' message, shortened for a cell."""
    text = message.split(f"{backend}: ", 1)[-1].split(". List a fallback", 1)[0]
    text = text.split(" (", 1)[0] if len(text) > limit else text
    return text if len(text) <= limit else text[:limit - 3] + "..."


def render_table(reports: list[CrossCheckReport], backends: list[str]) -> Table:
    table = Table(title="trnfft check: norm-wise error against a high-precision reference",
                  title_justify="left")
    table.add_column("problem", overflow="fold")
    table.add_column("dtype")
    table.add_column("tolerance", justify="right")
    for b in backends:
        table.add_column(f"{b}\nerror / time", justify="right")
    table.add_column("agree", justify="right")
    table.add_column("verdict")
    for rep in reports:
        p = rep.problem
        direction = "" if p.kind != "c2c" else (" fwd" if p.forward else " inv")
        desc = f"{p.kind}{direction} n={'x'.join(map(str, p.lengths))}"
        if p.batch > 1:
            desc += f" batch={p.batch}"
        cells = []
        by_name = {r.backend: r for r in rep.results}
        for b in backends:
            r = by_name.get(b)
            if r is None:
                cells.append("-")
            elif r.declined:
                cells.append(f"[dim]declined: {escape(declined_reason(r.declined, b))}[/]")
            elif r.failure:
                cells.append(f"[red]{r.failure[:60]}[/]")
            else:
                color = "green" if r.passed else "red"
                cells.append(f"[{color}]{r.error:.2e}[/] / {_fmt_time(r.seconds)}")
        agree = max(rep.agreement.values()) if rep.agreement else None
        table.add_row(desc, SHORT_DTYPE[p.input_dtype.name], f"{rep.tolerance:.1e}", *cells,
                      "-" if agree is None else f"{agree:.1e}",
                      "[red]FAIL[/]" if not rep.passed else "[green]pass[/]" if any(not r.declined for r in rep.results)
                      else "[yellow]not run[/]")
    return table
