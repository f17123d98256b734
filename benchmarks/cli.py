"""The command line: ``python -m benchmarks run | compare | plot | profile | list``.

Exit status: 0 on success, 1 when a measurement fails (the other measurements of a
run go on, and its results are still written, listing the failed runs), 2 when
something the run needs (nginx, a peer client) is not installed; the message says
how to install it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
from pathlib import Path
from typing import Any

from . import report
from .clients import find_spec
from .cpus import PIN_MODES, pin_current_process, plan_pinning
from .plot import PlotError, plot_results
from .profiling import cprofile_tables, find_py_spy, py_spy_tables, run_py_spy
from .references import TOOLS, ToolError, find_tools
from .scenarios import SCENARIOS, SWEEPS, select
from .server import INSTALL_HINT as NGINX_INSTALL_HINT
from .server import ServerError, find_nginx, running_nginx
from .suite import (
    MissingDependency,
    SuiteError,
    SuiteOptions,
    failed_runs,
    run_runner,
    run_suite,
    scenario_base_url,
)
from .workloads import WORKLOADS

EXIT_FAILED = 1
EXIT_MISSING = 2


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="darter's benchmark suite: HTTP clients against a local nginx.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="measure the clients of one or all scenarios")
    run.add_argument(
        "--scenario", default="all", help="a scenario or sweep name, or 'all' (default)"
    )
    run.add_argument("--quick", action="store_true", help="fewer requests and repetitions")
    run.add_argument(
        "--repetitions", type=int, help="runs per client (default: the scenario's, 5 or 3 quick)"
    )
    run.add_argument("--requests", type=int, help="measured requests per run")
    run.add_argument("--warmup", type=int, help="warm-up requests per run")
    run.add_argument("--clients", help="comma-separated subset of the scenario's peers")
    _add_common(run)
    run.add_argument(
        "--no-reference",
        "--no-wrk",
        dest="no_reference",
        action="store_true",
        help="skip the C references (wrk, h2load, curl)",
    )
    run.add_argument("--no-save", action="store_true", help="print only, write no file")

    compare = commands.add_parser("compare", help="compare two results files")
    compare.add_argument("a", type=Path, help="the earlier results JSON")
    compare.add_argument("b", type=Path, help="the later results JSON")

    plot = commands.add_parser("plot", help="draw the sweep plots of a results file")
    plot.add_argument("results", type=Path, help="a results JSON with a sweep")
    plot.add_argument(
        "--output-dir", type=Path, help="where the PNGs go (default: beside the results file)"
    )

    profile = commands.add_parser("profile", help="cProfile (and py-spy) one client")
    profile.add_argument("--scenario", default="sync-sequential", choices=sorted(SCENARIOS))
    profile.add_argument("--client", help="default: the scenario's first peer (darter)")
    profile.add_argument("--requests", type=int, default=20_000)
    profile.add_argument("--warmup", type=int, default=500)
    profile.add_argument("--top", type=int, default=25, help="rows per table")
    profile.add_argument(
        "--py-spy",
        choices=("auto", "on", "off"),
        default="auto",
        help="also sample with py-spy: when installed (auto), required (on), or not",
    )
    _add_common(profile)

    commands.add_parser("list", help="list the scenarios and their peers")
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pin",
        choices=PIN_MODES,
        default="split",
        help="server and clients on different cores (split, default), one core, or off",
    )
    parser.add_argument("--nginx", help="the nginx binary (default: found on PATH)")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=report.RESULTS_DIR,
        help="where results go (default: benchmarks/results/)",
    )


def _nginx_or_exit(explicit: str | None) -> str | None:
    binary = find_nginx(explicit)
    if binary is None:
        print(
            "error: nginx is required (the benchmarks' server) and was not found.\n"
            f"Install it with:\n    {NGINX_INSTALL_HINT}",
            file=sys.stderr,
        )
    return binary


def _command_run(args: argparse.Namespace, argv: list[str]) -> int:
    scenarios = select(args.scenario)
    clients = args.clients.split(",") if args.clients else None
    if clients is not None:
        # A scenario none of whose peers is named is not run at all.
        scenarios = [s for s in scenarios if set(s.peers_in(args.quick)) & set(clients)]
        if not scenarios:
            raise ValueError(f"no scenario of {args.scenario!r} measures {args.clients}")
    if args.repetitions is not None and args.repetitions < 1:
        raise ValueError("--repetitions must be at least 1")
    nginx = _nginx_or_exit(args.nginx)
    if nginx is None:
        return EXIT_MISSING
    references: dict[str, str] = {}
    if not args.no_reference:
        references, missing = find_tools(
            s.reference.tool for s in scenarios if s.reference is not None
        )
        for name in missing:
            _progress(
                f"{name} not found: no C reference for its scenarios this run "
                f"(install: {TOOLS[name].install_hint})"
            )
    options = SuiteOptions(
        scenarios=scenarios,
        nginx=nginx,
        pinning=plan_pinning(args.pin),
        selection=args.scenario,
        quick=args.quick,
        repetitions=args.repetitions,
        requests=args.requests,
        warmup=args.warmup,
        clients=clients,
        references=references,
        command=shlex.join(["python", "-m", "benchmarks", *argv]),
        progress=_progress,
    )
    results = report.add_summaries(run_suite(options))
    print(report.render_markdown(results))
    if not args.no_save:
        json_path, md_path = report.save(results, args.output_dir)
        _progress(f"results: {json_path}\nreport:  {md_path}")
        if results.get("sweeps"):
            _plot_saved_run(results, json_path)
    failed = failed_runs(results)
    if failed:
        _progress(f"error: {failed} run(s) failed; the report lists them (not counted)")
        return EXIT_FAILED
    return 0


def _plot_saved_run(results: dict[str, Any], json_path: Path) -> None:
    """Draw the sweeps of a run beside its results; without matplotlib, only say so."""
    try:
        for path in plot_results(results, json_path):
            _progress(f"plot:    {path}")
    except MissingDependency as exc:
        _progress(f"no plot: {exc}")


def _command_plot(args: argparse.Namespace) -> int:
    try:
        results = report.load(args.results)
    except OSError as exc:
        print(f"error: cannot read {args.results}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILED
    target = args.results
    if args.output_dir is not None:
        target = args.output_dir / args.results.name
    try:
        paths = plot_results(results, target)
    except PlotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for path in paths:
        print(path)
    return 0


def _command_compare(args: argparse.Namespace) -> int:
    a, b = report.load(args.a), report.load(args.b)
    print(report.render_comparison(a, b, args.a.name, args.b.name))
    return 0


def _command_profile(args: argparse.Namespace) -> int:
    scenario = SCENARIOS[args.scenario]
    args.client = args.client or scenario.peers[0]
    find_spec(WORKLOADS[scenario.workload].kind, args.client)
    nginx = _nginx_or_exit(args.nginx)
    if nginx is None:
        return EXIT_MISSING
    py_spy = None if args.py_spy == "off" else find_py_spy()
    if py_spy is None and args.py_spy == "on":
        print(
            "error: py-spy not found; install it with: python -m pip install py-spy",
            file=sys.stderr,
        )
        return EXIT_MISSING
    pinning = plan_pinning(args.pin)
    pin_current_process(pinning.client_cpu)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    stem = args.output_dir / f"{stamp}-profile-{args.client}-{scenario.name}"
    prof_path = stem.with_suffix(".prof")
    limit = scenario.time_limit(quick=False)
    sections = [
        f"# Profile of {args.client}, scenario {scenario.name}",
        "",
        f"{args.requests:,} measured requests after {args.warmup:,} warm-up"
        + (f", at concurrency {scenario.concurrency:,}" if scenario.concurrency > 1 else "")
        + (f", no new request after {limit:g} s" if limit is not None else "")
        + f"; {pinning.describe()}.",
        "",
    ]
    with running_nginx(
        nginx, cpu=pinning.server_cpu, large_size=scenario.large_size, tls=scenario.tls
    ) as server:
        base_url = scenario_base_url(scenario, server)
        ca_file = server.ca_file if scenario.tls else None
        record = run_runner(
            scenario,
            args.client,
            base_url,
            args.requests,
            args.warmup,
            pinning.client_cpu,
            profile=str(prof_path),
            time_limit_s=limit,
            ca_file=ca_file,
        )
        sections += ["## cProfile", "", cprofile_tables(prof_path, record["requests"], args.top)]
        if py_spy is None:
            sections += ["py-spy not used (install it with `python -m pip install py-spy`).", ""]
        else:
            raw_path = stem.with_suffix(".py-spy.txt")
            try:
                run_py_spy(
                    py_spy,
                    scenario,
                    args.client,
                    base_url,
                    args.requests,
                    args.warmup,
                    pinning.client_cpu,
                    raw_path,
                    time_limit_s=limit,
                    ca_file=ca_file,
                )
            except SuiteError as exc:
                if args.py_spy == "on":
                    raise
                sections += [f"py-spy could not run: {exc}", ""]
            else:
                sections += ["## py-spy", "", py_spy_tables(raw_path, args.top)]
    text = "\n".join(sections).rstrip() + "\n"
    print(text)
    md_path = stem.with_suffix(".md")
    md_path.write_text(text, encoding="utf-8")
    _progress(f"profile: {prof_path}\nreport:  {md_path}")
    return 0


def _command_list() -> int:
    for scenario in SCENARIOS.values():
        ceiling = scenario.reference
        reference = f"; reference {ceiling.label()}" if ceiling else ""
        print(f"{scenario.name}: {scenario.description}")
        print(f"    peers: {', '.join(scenario.peers)}{reference}")
        if scenario.quick_peers is not None:
            print(f"    peers with --quick: {', '.join(scenario.quick_peers)}")
    for name, members in SWEEPS.items():
        print(f"{name} (sweep): {', '.join(member.name for member in members)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process's exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return _command_run(args, argv)
        if args.command == "compare":
            return _command_compare(args)
        if args.command == "plot":
            return _command_plot(args)
        if args.command == "profile":
            return _command_profile(args)
        return _command_list()
    except MissingDependency as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MISSING
    except (KeyError, ValueError) as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_FAILED
    except (SuiteError, ServerError, ToolError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
