"""Sans-I/O protocol machines: bytes in, events out; no sockets, no event loops."""
