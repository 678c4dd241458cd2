-- Browser session-replay events (log records with the attribute rr-web.event), in the older logs
-- layout the ClickStack UI reads for sessions (TimestampTime, no EventName); with JSON attributes, the
-- exporter's JSON logs layout (ClickStack's JSON mode writes sessions with a `json: true` exporter).
{{#map:hyperdx_sessions}}
CREATE TABLE IF NOT EXISTS {{db}}.hyperdx_sessions {{on_cluster}}
(
    Timestamp DateTime64(9) COMMENT 'Time of the event, ns' CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp) COMMENT 'Timestamp at second precision, the sort key',
    TraceId String COMMENT 'Lowercase hex trace id, empty when absent' CODEC(ZSTD(1)),
    SpanId String COMMENT 'Lowercase hex span id, empty when absent' CODEC(ZSTD(1)),
    TraceFlags UInt8 COMMENT 'W3C trace flags',
    SeverityText LowCardinality(String) COMMENT 'Severity as the source wrote it' CODEC(ZSTD(1)),
    SeverityNumber UInt8 COMMENT 'OTLP severity number 0-24',
    ServiceName LowCardinality(String) COMMENT 'Resource attribute service.name' CODEC(ZSTD(1)),
    Body String COMMENT 'The rrweb event as JSON text' CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) COMMENT 'Schema URL of the resource' CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) COMMENT 'Resource attributes (rum.sessionId among them)' CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) COMMENT 'Schema URL of the instrumentation scope' CODEC(ZSTD(1)),
    ScopeName String COMMENT 'Instrumentation scope name' CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) COMMENT 'Instrumentation scope version' CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) COMMENT 'Instrumentation scope attributes' CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) COMMENT 'Attributes (rr-web.event, rr-web.chunk, rr-web.total-chunks)' CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_lower_body lower(Body) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
)
ENGINE = {{engine:hyperdx_sessions}}
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)
{{ttl:sessions:TimestampTime}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}}
{{/map:hyperdx_sessions}}
{{#json:hyperdx_sessions}}
CREATE TABLE IF NOT EXISTS {{db}}.hyperdx_sessions {{on_cluster}}
(
    Timestamp DateTime64(9) COMMENT 'Time of the event (the observed time when the record has none), ns' CODEC(Delta(8), ZSTD(1)),
    TraceId String COMMENT 'Lowercase hex trace id, empty when absent' CODEC(ZSTD(1)),
    SpanId String COMMENT 'Lowercase hex span id, empty when absent' CODEC(ZSTD(1)),
    TraceFlags UInt8 COMMENT 'W3C trace flags',
    SeverityText LowCardinality(String) COMMENT 'Severity as the source wrote it' CODEC(ZSTD(1)),
    SeverityNumber UInt8 COMMENT 'OTLP severity number 0-24',
    ServiceName LowCardinality(String) COMMENT 'Resource attribute service.name' CODEC(ZSTD(1)),
    Body String COMMENT 'The rrweb event as JSON text' CODEC(ZSTD(1)),
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
ENGINE = {{engine:hyperdx_sessions}}
PARTITION BY toDate(Timestamp)
PRIMARY KEY (toStartOfFiveMinutes(Timestamp), ServiceName)
ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)
{{ttl:sessions:toDateTime(Timestamp)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}}
{{/json:hyperdx_sessions}}
