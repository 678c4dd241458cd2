-- First and last timestamp per trace id, filled from otel_traces by the view below; readers take
-- min(Start) and max(End) because each insert block adds its own row.
CREATE TABLE IF NOT EXISTS {{db}}.otel_traces_trace_id_ts {{on_cluster}}
(
    TraceId String COMMENT 'Lowercase hex trace id' CODEC(ZSTD(1)),
    Start DateTime COMMENT 'Earliest span start seen in one insert block' CODEC(Delta(4), ZSTD(1)),
    End DateTime COMMENT 'Latest span start seen in one insert block' CODEC(Delta(4), ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = {{engine:otel_traces_trace_id_ts}}
PARTITION BY toDate(Start)
ORDER BY (TraceId, Start)
{{ttl:traces:toDate(Start)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.otel_traces_trace_id_ts_mv {{on_cluster}}
TO {{db}}.otel_traces_trace_id_ts
AS SELECT
    TraceId,
    min(Timestamp) AS Start,
    max(Timestamp) AS End
FROM {{db}}.otel_traces
WHERE TraceId != ''
GROUP BY TraceId
