"""darter's version, read by the build backend and by ``darter.__version__``."""

__title__ = "darter"
__description__ = "A fast, httpx-compatible HTTP client for Python."
__version__ = "0.1.0"
