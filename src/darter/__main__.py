"""``python -m darter``: the ``darter`` command line client (see ``darter._main``)."""

from __future__ import annotations

from darter._main import main

if __name__ == "__main__":
    main()
