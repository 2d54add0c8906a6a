"""Metrics: collectors that read the store's change stream and turn it into a run summary."""

from simulator.metrics.collector import MetricsCollector as MetricsCollector

__all__ = ["MetricsCollector"]
