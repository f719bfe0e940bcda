"""The HTTP API (``newsmon serve``): rule management now, search and dashboard next."""
