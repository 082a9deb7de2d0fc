"""Reading what happened: response times and SLA attainment, the daily digest, the queue at a glance, Prometheus
metrics."""
