"""The ``trnfft`` command: ``info``, ``which`` and ``check``."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Sequence

from rich.table import Table

from ..core import cli_args
from ..core.array_kinds import NUMPY
from ..core.problem import KINDS
from ..api.introspection import FUNCTIONS
from ..core.terminal import make_console as _console

if TYPE_CHECKING:
    from ..core.choices import Choice


def cmd_info(args: argparse.Namespace) -> int:
    from ..api.introspection import auto_choice, backends_info
    from ..core.registry import REGISTRY
    from ..core.selection import get_backend
    rows = backends_info()
    engines = _engines()
    skipped = _selection_skips()
    from ..core.plan_cache import plan_cache
    cache = {"max_size": plan_cache.max_size, "max_bytes": plan_cache.max_bytes, "error": plan_cache.setting_error}
    if args.json:
        print(json.dumps({"backends": rows, "auto": auto_choice(), "selected": get_backend(),
                          "skipped": list(skipped), "engines": engines, "plan_cache": cache,
                          "load_backends": REGISTRY.load_note or None}, indent=2, default=str))
        return 0
    table = Table(title="trnfft backends", title_justify="left")
    for col in ("backend", "status", "version", "kinds", "precisions", "arrays", "notes"):
        table.add_column(col, overflow="fold")
    for r in rows:
        caps = r["capabilities"] or {}
        status = "[green]available[/]" if r["available"] else f"[red]unavailable[/]: {r['reason']}"
        if not r["available"] and r["fix"]:
            status += f" [dim](fix: {r['fix']})[/]"
        notes = r["description"]
        if r["details"]:
            notes += "  " + ", ".join(f"{k}={v}" for k, v in r["details"].items())
        table.add_row(r["name"], status, r["version"], ",".join(caps.get("kinds", [])),
                      ",".join(caps.get("precisions", [])), ",".join(caps.get("arrays", [])), notes)
    con = _console()
    con.print(table)
    if REGISTRY.load_note:
        con.print(f"[yellow]note[/]: {REGISTRY.load_note}", highlight=False)
    con.print(f"selection: [bold]{get_backend()}[/]   auto picks here: "
              f"{_planner_text() or f'[bold]{auto_choice()}[/]'}")
    for line in skipped:
        con.print(f"  skipped {line}")
    for name, engine in engines.items():
        con.print(f"{name} engine: {engine}")
    if cache["error"]:
        con.print(f"[red]plan cache misconfigured[/]: {cache['error']} (every transform raises until it is fixed)",
                  highlight=False)
    return 0


def _selection_skips() -> tuple[str, ...]:
    """The entries of the current backend list that are skipped here, with the reason."""
    from ..core.errors import TrnfftError
    from ..api.introspection import skipped_entries
    from ..core.selection import resolve
    try:
        return skipped_entries(resolve())
    except TrnfftError as exc:
        return (f"(the selection does not resolve: {exc})",)


def _planner_text() -> str:
    """What auto's planner chooses among here, and how ("" when it has no candidates)."""
    from ..core.autoplan import first_call_setting, planner_settings
    from ..core.errors import TrnfftError
    from ..core.selection import resolve_names
    try:
        candidates = resolve_names(("auto",)).candidates
        effort, budget = planner_settings()
        first = f", a new problem's first call: {first_call_setting()}" if effort == "measure" else ""
    except TrnfftError:
        return ""
    if not candidates:
        return ""
    return (f"per problem, the fastest of [bold]{', '.join(candidates)}[/] (planner effort "
            f"{effort}, budget {budget:g} s{first}; `trnfft which` shows a choice)")


def _engines() -> dict[str, str]:
    """The engine each backend reports in its details (e.g. a simulator and its version)."""
    from ..api.introspection import backends_info
    return {r["name"]: str(r["details"]["engine"]) for r in backends_info()
            if "engine" in (r["details"] or {})}


def cmd_which(args: argparse.Namespace) -> int:
    from ..api.introspection import forget_choices, which
    forgotten = None
    if args.forget_all or args.forget:
        forgotten = forget_choices(**({} if args.forget_all else dict(
            function=args.function, shape=args.shape, dtype=args.dtype, axes=args.axes, array=args.array,
            workers=args.workers)))
    w = which(args.function, args.shape, args.dtype, axes=args.axes, norm=args.norm,
              backend=args.backend, array=args.array, workers=args.workers)
    choice = w.choice.to_json() if w.choice is not None else None
    if args.json:
        print(json.dumps({"backend": w.backend, "source": w.source, "passes": w.passes,
                          "problem": w.problem.describe(), "skipped": list(w.skipped),
                          "array": w.array, "conversion": w.conversion,
                          "candidates": list(w.candidates), "choice": choice, "forgotten": forgotten}))
        return 0
    passes = f" in {w.passes} passes" if w.passes > 1 else ""
    console = _console()
    if forgotten is not None:
        console.print(f"forgot {forgotten} remembered choice{'' if forgotten == 1 else 's'} "
                      f"{'of this machine' if args.forget_all else 'for this problem'}")
    console.print(f"{args.function}: [bold]{w.backend}[/]{passes} (chosen by {w.source})\n"
                  f"  problem: {w.problem.describe()}\n"
                  f"  {w.array} input, conversion: {w.conversion}", highlight=False)
    for line in w.skipped:
        console.print(f"  skipped {line}")
    if w.choice is not None:
        for line in describe_choice(w.choice):
            console.print(f"  {line}")
    return 0


def describe_choice(choice: "Choice") -> list[str]:
    """The planner's decision as lines: effort, when, each candidate's figure, exclusions, and
    what the budget cut short."""
    when = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(choice.when))
    verb = "measured" if choice.effort == "measure" else "estimated (nothing run)"
    lines = [f"planner: {verb} on {when}, among {', '.join(choice.candidates)}"]
    for name, seconds in sorted(choice.seconds.items(), key=lambda kv: kv[1]):
        mark = "  <- chosen" if name == choice.backend else ""
        runs = choice.runs.get(name)
        how = "" if runs is None else (" (one run, first touches of memory included)" if runs == 1
                                       else f" (best of {runs} runs)")
        lines.append(f"  {name}: {seconds * 1e6:,.1f} us per call{how}{mark}")
    lines += [f"  {name}: {why}" for name, why in choice.excluded.items()]
    if choice.limited:
        from ..core.autoplan import when_measured_again
        times = f"cut short {choice.attempts} times: " if choice.attempts > 1 else ""
        again = times + when_measured_again(choice)
        lines.append(f"  the {choice.budget:g} s budget cut this measurement short ({again})")
        lines += [f"  {name}: {why}" for name, why in choice.limited.items() if name not in choice.excluded]
    return lines


def cmd_check(args: argparse.Namespace) -> int:
    from ..check.report import run_check_command
    return run_check_command(args)


def build_parser(warn: bool = True) -> argparse.ArgumentParser:
    """The ``trnfft`` parser, with the commands plugins add (``warn``: print why a plugin could not)."""
    parser = argparse.ArgumentParser(prog="trnfft", description="FFTs for AWS Trainium: backends and checks")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("info", help="list backends, their availability and capabilities")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("which", help="say which backend a call would use here",
                       description="Say which backend trnfft.<function> on an input of this shape "
                                   "and dtype would run on here, chosen by what, and which listed "
                                   "backends were skipped.")
    p.add_argument("function", nargs="?", default="fft", choices=sorted(FUNCTIONS), metavar="FUNCTION",
                   help=f"the trnfft function, one of {', '.join(sorted(FUNCTIONS))} (default: fft)")
    p.add_argument("--shape", type=cli_args.shape, default="1024",
                   help="the input's shape (for c2r functions: the real output's), comma-separated, "
                        "e.g. 128,1024 (default: 1024)")
    p.add_argument("--dtype", default=None,
                   help="the input's dtype: float32/complex64 (single) or float64/complex128 "
                        "(double) (default: float32 for rfft/rfft2/rfftn/ihfft*, else complex64)")
    p.add_argument("--axes", type=cli_args.axes, default=None,
                   help="transformed axes, comma-separated, e.g. --axes=-2,-1 (default: the function's "
                        "own: -1 for 1-D, -2,-1 for 2-D, all for n-D)")
    p.add_argument("--norm", default=None, choices=["backward", "ortho", "forward"],
                   help="normalisation (default: backward)")
    p.add_argument("--backend", default=None,
                   help="a backend or a comma-separated list, as backend= takes (default: the "
                        "current selection: use_backend, set_backend, TRNFFT_BACKEND, else auto)")
    p.add_argument("--array", default=NUMPY,
                   help="where the input lives: numpy, or torch:<device> (torch:cpu, torch:cuda, "
                        "torch:meta, ...), prefixed split: for a SplitComplex pair (split:numpy); the "
                        "answer says which conversion the call pays, and auto's planner chooses per "
                        "kind (default: numpy)")
    p.add_argument("--workers", type=int, default=None, help="threads, as workers= takes (-1: all cores; default: "
                                                             "TRNFFT_WORKERS, else 1)")
    forget = p.add_mutually_exclusive_group()
    forget.add_argument("--forget", action="store_true",
                        help="first forget auto's remembered choice for this problem and input kind, so "
                             "that it is measured again now (e.g. after a busy moment skewed it; default: keep it)")
    forget.add_argument("--forget-all", action="store_true",
                        help="first forget every choice auto remembers on this machine, then answer (default: keep them)")
    p.add_argument("--json", action="store_true", help="machine-readable output (default: a sentence)")
    p.set_defaults(func=cmd_which)

    p = sub.add_parser("check", help="cross-check every backend against float64 and each other",
                       description="Cross-check backends against a high-precision reference and each other. "
                                   "Exit status: 0 all passed; 1 a problem failed, or a backend named in "
                                   "--backends ran no problem (NOT RUN); 2 bad options or settings.")
    p.add_argument("--backends", default=None, help="comma-separated (default: all available)")
    p.add_argument("--sizes", default=None, help="comma-separated 1-D sizes (default: a mixed set)")
    p.add_argument("--dtypes", default="complex64,complex128",
                   help="precisions to test, as complex64/complex128 or single/double")
    p.add_argument("--kinds", default=",".join(KINDS),
                   help=f"comma-separated transform kinds to test, of {', '.join(KINDS)} (default: all)")
    p.add_argument("--c", type=cli_args.positive_float, default=None,
                   help="tolerance factor in c*eps*log2(N)")
    p.add_argument("--json", metavar="FILE", default=None, help="write the full report here ('-' for stdout)")
    p.add_argument("--plot", metavar="FILE.png", default=None, help="draw error against N per backend")
    p.add_argument("--no-progress", action="store_true",
                   help="hide the progress bar (default: shown while the sweep runs)")
    p.set_defaults(func=cmd_check)

    from ..core.registry import REGISTRY
    errors = REGISTRY.register_commands(sub)  # plugins' own commands, e.g. `trnfft cost`
    parser.set_defaults(plugin_command_errors=errors)
    if warn:
        for error in errors:
            print(f"warning: {error}", file=sys.stderr)
    return parser


def _missing_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> str:
    """Why the command ``argv`` names is not here ("" when it is, or when none is named).

    A plugin's command can be missing because the plugin could not add it (its
    error says why) or is not loaded (``TRNFFT_LOAD_BACKENDS``): argparse alone
    would only list the commands that are here."""
    command = next((a for a in argv if not a.startswith("-")), None)
    commands: dict[str, argparse.ArgumentParser] = parser._subparsers._group_actions[0].choices  # type: ignore
    if command is None or command in commands:
        return ""
    from ..core.registry import REGISTRY
    reasons = list(parser.get_default("plugin_command_errors") or [])
    reasons += REGISTRY.left_out_commands(command)
    why = ("; ".join(reasons) if reasons else
           "no command of that name is built in or added by a loaded plugin")
    return f"trnfft: {command!r} is not available here ({', '.join(commands)} are): {why}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(warn=False)
    missing = _missing_command(parser, argv)
    if missing:
        parser.print_usage(sys.stderr)
        print(missing, file=sys.stderr)
        return 2
    for error in parser.get_default("plugin_command_errors") or []:
        print(f"warning: {error}", file=sys.stderr)
    args = parser.parse_args(argv)
    from ..core.errors import TrnfftError
    try:
        return int(args.func(args))
    except TrnfftError as exc:
        _console().print(f"[red]error:[/] {exc}")
        return 2
    except BrokenPipeError:  # `trnfft info --json | head`: the reader left, which is fine
        _silence_stdout()
        return 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured in tests)
        pass


