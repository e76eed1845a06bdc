"""The `fundbook` command line: wires the core and the adapters together."""
