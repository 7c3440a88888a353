"""Prometheus metrics, defined once."""
from __future__ import annotations

from prometheus_client import Counter, Histogram

POSTS_ACCEPTED = Counter("masthead_posts_accepted_total", "Posts accepted for the pipeline")
DECISIONS = Counter("masthead_decisions_total", "Pipeline decisions recorded", ["outcome"])
PIPELINE_FAILURES = Counter("masthead_pipeline_failures_total", "Posts whose stages raised and were retried or held")
PIPELINE_BATCH_SECONDS = Histogram("masthead_pipeline_batch_seconds", "Time to run the stages over one batch")
HTTP_REQUESTS = Counter("masthead_http_requests_total", "HTTP requests answered", ["method", "status"])
RESTRICTIONS_LIFTED = Counter("masthead_restrictions_lifted_total", "Time-limited restrictions that lifted themselves")
LIVE_HUB_READS = Counter("masthead_live_hub_reads_total",
                         "Database reads by the live hubs for new events (one per batch read, whatever the connections)")
LIVE_PAYLOAD_BATCHES = Counter("masthead_live_payload_batches_total",
                               "Batches of posts the live hubs delivered from a Redis ping's payload, without a read")
