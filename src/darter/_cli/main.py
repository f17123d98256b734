"""The ``darter`` command: ``darter URL [ITEMS...] [options]``, and ``darter demo``.

The options are httpx's command line options; the items after the URL are
HTTPie's shortcuts (see ``items``). Any HTTP response exits with status 0; a
request that fails (connection, TLS, timeout, invalid URL, unsupported scheme...)
prints one ``error: ...`` line on stderr and exits with status 1, and invalid usage
exits with status 2. No traceback is ever printed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import click
from rich.console import Console

import darter

from .bodies import require_pygments
from .items import BodyError, ItemError, build_body, parse_items
from .render import Renderer, make_console
from .request import ASYNC_BACKENDS, RequestSpec, perform

# pygments is part of the cli extra too: without it, the entry point's install hint.
require_pygments()

__all__ = [
    "Overrides",
    "build_spec",
    "demo_command",
    "describe_error",
    "main",
    "request_command",
]

#: ``-h`` is ``--headers``, as in httpx: help is ``--help`` only.
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["--help"], "max_content_width": 100}

#: Exit status of a request that failed (click uses 2 for invalid usage).
EXIT_ERROR = 1

REQUEST_HELP = """Send an HTTP request to URL and print the response.

\b
ITEMS after the URL are shortcuts, as in HTTPie:
  Name:Value      a request header        (like -h Name Value)
  name==value     a query parameter       (like -p name value)
  field=value     a JSON string field     (a form field with -d, -f or field@path)
  field:=json     a raw JSON field        n:=3  ok:=true  tags:='["a", "b"]'
  field@path      a file to upload        (like -f field path, multipart)
A backslash escapes a separator in a name: 'a\\:b=c' is the field 'a:b'.

With a body (fields, -c, -d, -f or -j) and no -m the method is POST, else GET.
Any HTTP response exits with status 0; a failed request exits with status 1.

Run 'darter demo' for a tour against a server started on 127.0.0.1.
"""


@dataclass
class Overrides:
    """What an embedder (or a test) may replace: the console and the network.

    Pass it as click's ``obj``: ``request_command.main(args, obj=Overrides(...))``.
    """

    console: Console | None = None
    transport: Any = None


def describe_error(exc: BaseException) -> str:
    """One line about an exception: ``"ConnectError: Could not connect to ..."``."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, darter.DarterError):
        text = f"{type(exc).__name__}: {text}"
    elif isinstance(exc, OSError):
        if exc.strerror:
            text = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    elif not isinstance(exc, (ImportError, ValueError)):
        text = f"unexpected {type(exc).__name__}: {text} (please report this bug)"
    return " ".join(text.split())


def fail(message: str, status: int = EXIT_ERROR) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``status``."""
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(status)


def _overrides() -> Overrides:
    obj = click.get_current_context().obj
    return obj if isinstance(obj, Overrides) else Overrides()


@click.command(
    context_settings=CONTEXT_SETTINGS, help=REQUEST_HELP, epilog="Also: darter demo [--help]"
)
@click.argument("url")
@click.argument("items", nargs=-1)
@click.option("-m", "--method", help="Request method: GET, POST, PUT, PATCH, DELETE, HEAD...")
@click.option(
    "-p", "--params", type=(str, str), multiple=True, metavar="NAME VALUE", help="Query parameter."
)
@click.option("-c", "--content", help="Raw request body.")
@click.option(
    "-d", "--data", type=(str, str), multiple=True, metavar="NAME VALUE", help="Form field."
)
@click.option(
    "-f",
    "--files",
    type=(str, click.Path(exists=True, dir_okay=False)),
    multiple=True,
    metavar="NAME FILE",
    help="File to upload as multipart/form-data.",
)
@click.option("-j", "--json", "json_text", metavar="TEXT", help="JSON request body.")
@click.option(
    "-h", "--headers", type=(str, str), multiple=True, metavar="NAME VALUE", help="Request header."
)
@click.option("--cookies", type=(str, str), multiple=True, metavar="NAME VALUE", help="Cookie.")
@click.option("--auth", type=(str, str), metavar="USER PASS", help="Basic authentication.")
@click.option("--proxy", metavar="URL", help="Proxy: http://, https://, socks5:// or socks5h://.")
@click.option(
    "--timeout",
    type=float,
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="Timeout for connecting, reading and writing.",
)
@click.option("--follow-redirects", is_flag=True, help="Follow redirects, showing each one.")
@click.option("--no-verify", is_flag=True, help="Do not verify the server's TLS certificate.")
@click.option("--http2", is_flag=True, help="Offer HTTP/2 (needs darter[http2]).")
@click.option("--download", metavar="FILE", help="Save the body to FILE, with a progress bar.")
@click.option(
    "-v", "--verbose", is_flag=True, help="Show the connection and the request sent too."
)
@click.option(
    "--backend",
    type=click.Choice(ASYNC_BACKENDS),
    help="Send with AsyncClient(backend=...) instead of the sync Client.",
)
@click.version_option(
    darter.__version__, "--version", prog_name="darter", message="%(prog)s %(version)s"
)
@click.pass_context
def request_command(ctx: click.Context, /, **options: Any) -> None:
    """The command's callback: the options are read from ``ctx.params``."""
    spec = build_spec(ctx.params)
    overrides = _overrides()
    renderer = Renderer(overrides.console or make_console(), verbose=bool(ctx.params["verbose"]))
    run(spec, renderer, overrides.transport)


def build_spec(params: Mapping[str, Any]) -> RequestSpec:
    """The request that parsed command line options ask for; raises ``click.UsageError``."""
    try:
        items = parse_items(params["items"])
        body = build_body(
            items,
            content=params["content"],
            json_text=params["json_text"],
            data=params["data"],
            files=params["files"],
        )
    except (ItemError, BodyError) as exc:
        raise click.UsageError(str(exc)) from None
    for _, path in items.files:
        if not os.path.isfile(path):
            raise click.UsageError(f"file {path!r} (from a field@path item) does not exist")
    timeout: float = params["timeout"]
    return RequestSpec(
        method=(params["method"] or ("GET" if body.empty else "POST")).upper(),
        url=params["url"],
        params=[*params["params"], *items.params],
        headers=[*params["headers"], *items.headers],
        cookies=list(params["cookies"]),
        body=body,
        auth=params["auth"],
        proxy=params["proxy"],
        timeout=timeout if timeout > 0 else None,
        follow_redirects=params["follow_redirects"],
        verify=not params["no_verify"],
        http2=params["http2"],
        backend=params["backend"],
        download=params["download"],
    )


def run(spec: RequestSpec, renderer: Renderer, transport: Any = None) -> None:
    """Perform ``spec``; any failure becomes one ``error:`` line and exit status 1."""
    try:
        perform(spec, renderer, transport=transport)
    except BrokenPipeError:
        raise  # click quiets a closed stdout (``darter URL | head``)
    except Exception as exc:
        fail(describe_error(exc))


@click.command(context_settings=CONTEXT_SETTINGS)
def demo_command() -> None:
    """Take a tour of darter against a demo server started on 127.0.0.1.

    The server speaks HTTP/1.1, and HTTP/2 over TLS with a throwaway certificate
    when h2 is installed. Needs no network beyond loopback.
    """
    from .demo import run_demo

    try:
        run_demo(_overrides().console or make_console())
    except BrokenPipeError:
        raise
    except Exception as exc:
        fail(describe_error(exc))


def main(argv: list[str] | None = None) -> None:
    """Run the command on ``argv`` (``sys.argv[1:]`` by default); exits the process."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["demo"]:
        demo_command.main(args[1:], prog_name="darter demo")
    else:
        request_command.main(args, prog_name="darter")
