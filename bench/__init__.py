"""Benchmarks and the synthetic directories they run on."""
