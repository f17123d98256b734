"""I/O shells: they drive the sans-I/O machines over a backend's streams."""
