"""darter's benchmark suite: HTTP clients measured against a local nginx.

Run it with ``python -m benchmarks run --scenario async-c100`` (see ``README.md``
beside this file). Every module here has one job:

- ``scenarios``: the table of scenarios (and sweeps) and the peers each one measures;
- ``sessions``: what an adapter is and returns (client specs, open sessions);
- ``sync_clients``, ``async_clients``, ``http2_clients``, ``transfer_clients`` and
  ``transfer_peers``: one small adapter per client library (and event loop) and kind
  of workload; ``clients``: their tables by kind of workload;
- ``measure``: the parameters and raw figures every workload shares;
- ``workloads``, ``async_workloads``, ``thread_workloads``: the measured loops, run
  inside a runner process;
- ``runner``: the subprocess entry point that measures one client once;
- ``resources``: the paths and body sizes the server serves;
- ``server``: the nginx the suite starts, configures and stops;
- ``cpus``: which cores the server and the clients are pinned to;
- ``wrk``, ``h2load``, ``curl_cli``: the C references, when installed (``tools``
  runs them, ``references`` picks the one of a scenario);
- ``stats``: medians, ranges and percentiles;
- ``report``: Markdown tables, ratios, results files and their comparison;
- ``sweeps``: each client's figures along a sweep, for a table and a plot;
- ``plot``: the sweep plot (a PNG, drawn with matplotlib, imported only to draw);
- ``suite``: the interleaved repetitions of a whole run;
- ``profiling``: cProfile and py-spy around one runner;
- ``cli``: the command line.

This package imports nothing outside the standard library at import time, so a runner
process loads only the client it measures.
"""
