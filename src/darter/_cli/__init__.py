"""The ``darter`` command line client and ``darter demo``.

Nothing here is imported by ``import darter``: the entry point in ``darter._main``
imports ``darter._cli.main`` when the command runs, and only this package imports
click, rich and pygments (the ``cli`` extra).

Modules, one job each:

- ``main``: the click commands, and turning their options into a request;
- ``items``: HTTPie-style request items (``Header:Value``, ``name==value``,
  ``field=value``, ``field:=json``, ``field@file``) and how they combine with the
  options into one request body;
- ``request``: the request to make (``RequestSpec``) and making it, with the sync
  client or an async client on a chosen backend, streaming downloads to a file;
- ``bodies``: what a body is (JSON, text of some language, binary) and its text;
- ``render``: everything printed about an exchange (connection, request, response
  head, body, download progress);
- ``demo``: the tour; ``demo_server`` and ``demo_h2``: the server it talks to
  (HTTP/1.1, and HTTP/2 over TLS); ``demo_tls``: that server's throwaway certificate.
"""
