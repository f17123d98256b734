"""darter's benchmark suite: HTTP clients measured against a local nginx.

Run it with ``python -m benchmarks run --scenario sync-sequential`` (see ``README.md``
beside this file). Every module here has one job:

- ``scenarios``: the table of scenarios and the peers each one measures;
- ``clients``: one small adapter per client library and workload;
- ``workloads``: the measured loops, run inside a runner process;
- ``runner``: the subprocess entry point that measures one client once;
- ``resources``: the paths and body sizes the server serves;
- ``server``: the nginx the suite starts, configures and stops;
- ``cpus``: which cores the server and the clients are pinned to;
- ``wrk``: the C reference (``wrk``), when installed;
- ``stats``: medians, ranges and percentiles;
- ``report``: Markdown tables, ratios, results files and their comparison;
- ``suite``: the interleaved repetitions of a whole run;
- ``profiling``: cProfile and py-spy around one runner;
- ``cli``: the command line.

This package imports nothing outside the standard library at import time, so a runner
process loads only the client it measures.
"""
