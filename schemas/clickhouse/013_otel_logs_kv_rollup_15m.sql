-- Distinct values of the low-cardinality log columns per 15 minutes, with their counts: what the
-- ClickStack UI reads for filter suggestions. Every insert into otel_logs feeds the view, and
-- SummingMergeTree adds up `count` in merges, so readers take sum(count). Empty values count too.
-- On a JSON-attribute otel_logs (no __hdx_materialized_* columns) only the six plain columns.
CREATE TABLE IF NOT EXISTS {{db}}.otel_logs_kv_rollup_15m {{on_cluster}}
(
    Timestamp DateTime COMMENT 'Start of the 15-minute bucket',
    ColumnIdentifier LowCardinality(String) COMMENT 'NativeColumn: Key names a column of otel_logs',
    Key LowCardinality(String) COMMENT 'Column name',
    Value String COMMENT 'Column value as text',
    count UInt64 COMMENT 'Rows with this value in the bucket (sum it)',
    INDEX idx_count_minmax count TYPE minmax GRANULARITY 1,
    INDEX idx_timestamp_minmax Timestamp TYPE minmax GRANULARITY 1
)
ENGINE = {{engine:otel_logs_kv_rollup_15m:SummingMergeTree}}
PARTITION BY toDate(Timestamp)
ORDER BY (ColumnIdentifier, Key, Timestamp, Value)
{{ttl:logs:Timestamp}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.otel_logs_attr_kv_rollup_15m_mv {{on_cluster}}
TO {{db}}.otel_logs_kv_rollup_15m
AS SELECT
    toStartOfFifteenMinutes(Timestamp) AS Timestamp,
    'NativeColumn' AS ColumnIdentifier,
    column.1 AS Key,
    column.2 AS Value,
    count() AS count
FROM {{db}}.otel_logs
ARRAY JOIN [
    ('SeverityText', toString(SeverityText)),
    ('ServiceName', toString(ServiceName)),
    ('ScopeName', toString(ScopeName)),
    ('ScopeVersion', toString(ScopeVersion)),
    ('ResourceSchemaUrl', toString(ResourceSchemaUrl)),
    ('ScopeSchemaUrl', toString(ScopeSchemaUrl)){{#map:otel_logs}},
    ('__hdx_materialized_k8s.cluster.name', toString(`__hdx_materialized_k8s.cluster.name`)),
    ('__hdx_materialized_k8s.container.name', toString(`__hdx_materialized_k8s.container.name`)),
    ('__hdx_materialized_k8s.deployment.name', toString(`__hdx_materialized_k8s.deployment.name`)),
    ('__hdx_materialized_k8s.namespace.name', toString(`__hdx_materialized_k8s.namespace.name`)),
    ('__hdx_materialized_k8s.node.name', toString(`__hdx_materialized_k8s.node.name`)),
    ('__hdx_materialized_k8s.pod.name', toString(`__hdx_materialized_k8s.pod.name`)),
    ('__hdx_materialized_k8s.pod.uid', toString(`__hdx_materialized_k8s.pod.uid`)),
    ('__hdx_materialized_deployment.environment.name', toString(`__hdx_materialized_deployment.environment.name`)){{/map:otel_logs}}
] AS column
GROUP BY Timestamp, ColumnIdentifier, Key, Value
