-- Distinct values of the low-cardinality span columns per 15 minutes, with their counts (as
-- otel_logs_kv_rollup_15m); readers take sum(count).
CREATE TABLE IF NOT EXISTS {{db}}.otel_traces_kv_rollup_15m {{on_cluster}}
(
    Timestamp DateTime COMMENT 'Start of the 15-minute bucket',
    ColumnIdentifier LowCardinality(String) COMMENT 'NativeColumn: Key names a column of otel_traces',
    Key LowCardinality(String) COMMENT 'Column name',
    Value String COMMENT 'Column value as text',
    count UInt64 COMMENT 'Rows with this value in the bucket (sum it)',
    INDEX idx_count_minmax count TYPE minmax GRANULARITY 1,
    INDEX idx_timestamp_minmax Timestamp TYPE minmax GRANULARITY 1
)
ENGINE = {{engine:otel_traces_kv_rollup_15m:SummingMergeTree}}
PARTITION BY toDate(Timestamp)
ORDER BY (ColumnIdentifier, Key, Timestamp, Value)
{{ttl:traces:Timestamp}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.otel_traces_kv_rollup_15m_mv {{on_cluster}}
TO {{db}}.otel_traces_kv_rollup_15m
AS SELECT
    toStartOfFifteenMinutes(Timestamp) AS Timestamp,
    'NativeColumn' AS ColumnIdentifier,
    column.1 AS Key,
    column.2 AS Value,
    count() AS count
FROM {{db}}.otel_traces
ARRAY JOIN [
    ('ServiceName', toString(ServiceName)),
    ('SpanName', toString(SpanName)),
    ('SpanKind', toString(SpanKind)),
    ('StatusCode', toString(StatusCode)),
    ('ScopeName', toString(ScopeName)),
    ('ScopeVersion', toString(ScopeVersion))
] AS column
GROUP BY Timestamp, ColumnIdentifier, Key, Value
