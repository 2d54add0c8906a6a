"""kubesim benchmarks (see README.md)."""
