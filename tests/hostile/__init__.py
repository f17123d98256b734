"""Servers that misbehave on purpose, each paired with the outcome darter must show.

Every case runs on every client mode. A case passes only when the client ends with
the correct result or with a darter exception of the expected kind, within the
configured timeouts, with its pool still consistent and usable afterwards.
"""
