"""HTTP outputs: /metrics, /healthz, /readyz, /api/kpis and the status page."""
