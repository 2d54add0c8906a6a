"""A zone outage with topology spread keeps a Service above its threshold when capacity allows (issue 4)."""

from __future__ import annotations

from tests.simhelpers import pool, scenario, sim_from

SPREAD_WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule,
           labelSelector: {matchLabels: {app: web}}}
      containers:
        - {name: web, image: "web:1", resources: {requests: {cpu: 500m, memory: 256Mi}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
"""

TRAFFIC = """  traffic:
    - {service: web, rps: 300, capacityPerPod: 100, minReadyEndpoints: 4}
"""


def test_zone_outage_with_spread_keeps_the_service_above_its_threshold():
    text = scenario(timeline="[{at: 10m, action: zoneOutage, zone: a, duration: 30m}]", duration="1h")
    text = text.replace("  timeline:", TRAFFIC + "  timeline:", 1)
    sim = sim_from(text + pool(count=6, cpu="4", zones="[a, b, c]") + SPREAD_WEB)
    sim.run(until=9 * 60)
    zones = sorted(
        sim.store.get("Node", "", p.node_name).labels["topology.kubernetes.io/zone"]
        for p in sim.store.list("Pod")
    )
    assert zones == ["a", "a", "b", "b", "c", "c"]  # maxSkew 1 over three zones
    sim.run(until=3600)
    (svc,) = sim.summary()["services"]
    # Startup aside (the first seconds before 4 pods are Ready), the outage never takes the Service below 4 ready
    # endpoints: zones b and c keep 4 pods, and the 2 evicted ones are replaced there.
    assert svc["seconds_below_threshold"] < 10
    assert svc["dropped"] < 300 * 10
    ready = [p for p in sim.store.list("Pod") if p.ready and p.deletion_timestamp is None]
    assert len(ready) == 6
