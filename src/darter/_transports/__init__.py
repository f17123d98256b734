"""Transports: the seam between a client and whatever answers its requests."""
