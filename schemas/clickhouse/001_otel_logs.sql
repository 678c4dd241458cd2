-- Log records (everything except session replays), in the ClickStack layout or, with JSON attributes,
-- in the layout the exporter creates with `json: true`.
-- Tokens: {{db}} {{on_cluster}} {{engine:<table>[:<MergeTree family engine>]}} {{ttl:<signal>:<time expression>}}
-- {{dedup_settings}}; blocks {{#fulltext}}...{{/fulltext}} (ClickHouse >= 26.2: text indexes on the
-- *AttributeItems aliases) and {{#compat}}...{{/compat}} (older servers: bloom_filter / tokenbf_v1);
-- {{#map:<table>}}...{{/map:<table>}} and {{#json:<table>}}...{{/json:<table>}}: the attribute layout of
-- <table> (Map columns, ClickStack's default, or the JSON columns of the exporter's `json: true`).
{{#map:otel_logs}}
CREATE TABLE IF NOT EXISTS {{db}}.otel_logs {{on_cluster}}
(
    Timestamp DateTime64(9) COMMENT 'Time of the event (the observed time when the record has none), ns' CODEC(Delta(8), ZSTD(1)),
    TraceId String COMMENT 'Lowercase hex trace id, empty when absent' CODEC(ZSTD(1)),
    SpanId String COMMENT 'Lowercase hex span id, empty when absent' CODEC(ZSTD(1)),
    TraceFlags UInt8 COMMENT 'W3C trace flags',
    SeverityText LowCardinality(String) COMMENT 'Severity as the source wrote it' CODEC(ZSTD(1)),
    SeverityNumber UInt8 COMMENT 'OTLP severity number 0-24',
    ServiceName LowCardinality(String) COMMENT 'Resource attribute service.name' CODEC(ZSTD(1)),
    Body String COMMENT 'Body as text; maps and arrays as JSON' CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) COMMENT 'Schema URL of the resource' CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) COMMENT 'Resource attributes as text' CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) COMMENT 'Schema URL of the instrumentation scope' CODEC(ZSTD(1)),
    ScopeName String COMMENT 'Instrumentation scope name' CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) COMMENT 'Instrumentation scope version' CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) COMMENT 'Instrumentation scope attributes as text' CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) COMMENT 'Attributes of the log record as text' CODEC(ZSTD(1)),
    EventName String COMMENT 'OTLP event name of the record, empty for plain logs' CODEC(ZSTD(1)),
    `__hdx_materialized_k8s.cluster.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.cluster.name'] COMMENT 'Copy of a resource attribute for fast filters' CODEC(ZSTD(1)),
    `__hdx_materialized_k8s.container.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.container.name'] COMMENT 'Copy of a resource attribute for fast filters' CODEC(ZSTD(1)),
    `__hdx_materialized_k8s.deployment.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.deployment.name'] COMMENT 'Copy of a resource attribute for fast filters' CODEC(ZSTD(1)),
    `__hdx_materialized_k8s.namespace.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.namespace.name'] COMMENT 'Copy of a resource attribute for fast filters' CODEC(ZSTD(1)),
    `__hdx_materialized_k8s.node.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.node.name'] COMMENT 'Copy of a resource attribute for fast filters' CODEC(ZSTD(1)),
    `__hdx_materialized_k8s.pod.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.pod.name'] COMMENT 'Copy of a resource attribute for fast filters' CODEC(ZSTD(1)),
    `__hdx_materialized_k8s.pod.uid` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.pod.uid'] COMMENT 'Copy of a resource attribute for fast filters' CODEC(ZSTD(1)),
    `__hdx_materialized_deployment.environment.name` LowCardinality(String) MATERIALIZED ResourceAttributes['deployment.environment.name'] COMMENT 'Copy of a resource attribute for fast filters' CODEC(ZSTD(1)),
{{#fulltext}}
    ResourceAttributeItems Array(String) ALIAS arrayMap((k, v) -> concat(k, '=', v), mapKeys(ResourceAttributes), mapValues(ResourceAttributes)) COMMENT 'Resource attributes as key=value strings',
    ScopeAttributeItems Array(String) ALIAS arrayMap((k, v) -> concat(k, '=', v), mapKeys(ScopeAttributes), mapValues(ScopeAttributes)) COMMENT 'Scope attributes as key=value strings',
    LogAttributeItems Array(String) ALIAS arrayMap((k, v) -> concat(k, '=', v), mapKeys(LogAttributes), mapValues(LogAttributes)) COMMENT 'Log attributes as key=value strings',
    INDEX idx_trace_id TraceId TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_items ResourceAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_scope_attr_items ScopeAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_log_attr_items LogAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_lower_body lower(Body) TYPE text(tokenizer = 'splitByNonAlpha')
{{/fulltext}}
{{#compat}}
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_lower_body lower(Body) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
{{/compat}}
)
ENGINE = {{engine:otel_logs}}
PARTITION BY toDate(Timestamp)
ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)
{{ttl:logs:toDateTime(Timestamp)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, enable_block_number_column = 1, enable_block_offset_column = 1,
    {{dedup_settings}}
{{/map:otel_logs}}
{{#json:otel_logs}}
CREATE TABLE IF NOT EXISTS {{db}}.otel_logs {{on_cluster}}
(
    Timestamp DateTime64(9) COMMENT 'Time of the event (the observed time when the record has none), ns' CODEC(Delta(8), ZSTD(1)),
    TraceId String COMMENT 'Lowercase hex trace id, empty when absent' CODEC(ZSTD(1)),
    SpanId String COMMENT 'Lowercase hex span id, empty when absent' CODEC(ZSTD(1)),
    TraceFlags UInt8 COMMENT 'W3C trace flags',
    SeverityText LowCardinality(String) COMMENT 'Severity as the source wrote it' CODEC(ZSTD(1)),
    SeverityNumber UInt8 COMMENT 'OTLP severity number 0-24',
    ServiceName LowCardinality(String) COMMENT 'Resource attribute service.name' CODEC(ZSTD(1)),
    Body String COMMENT 'Body as text; maps and arrays as JSON' CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) COMMENT 'Schema URL of the resource' CODEC(ZSTD(1)),
    ResourceAttributes JSON COMMENT 'Resource attributes, typed paths' CODEC(ZSTD(1)),
    ResourceAttributesKeys Array(LowCardinality(String)) COMMENT 'Paths of ResourceAttributes, sorted' CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) COMMENT 'Schema URL of the instrumentation scope' CODEC(ZSTD(1)),
    ScopeName String COMMENT 'Instrumentation scope name' CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) COMMENT 'Instrumentation scope version' CODEC(ZSTD(1)),
    ScopeAttributes JSON COMMENT 'Instrumentation scope attributes, typed paths' CODEC(ZSTD(1)),
    ScopeAttributesKeys Array(LowCardinality(String)) COMMENT 'Paths of ScopeAttributes, sorted' CODEC(ZSTD(1)),
    LogAttributes JSON COMMENT 'Attributes of the log record, typed paths' CODEC(ZSTD(1)),
    LogAttributesKeys Array(LowCardinality(String)) COMMENT 'Paths of LogAttributes, sorted' CODEC(ZSTD(1)),
    EventName String COMMENT 'OTLP event name of the record, empty for plain logs' CODEC(ZSTD(1)),
    INDEX idx_res_attr_keys ResourceAttributesKeys TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_keys ScopeAttributesKeys TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_keys LogAttributesKeys TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
)
ENGINE = {{engine:otel_logs}}
PARTITION BY toDate(Timestamp)
PRIMARY KEY (toStartOfFiveMinutes(Timestamp), ServiceName)
ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)
{{ttl:logs:toDateTime(Timestamp)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}}
{{/json:otel_logs}}
