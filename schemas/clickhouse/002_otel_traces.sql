-- Spans, with events and links as parallel arrays (Nested), in the ClickStack layout (the
-- attribute-value indexes depend on the server version as in 001) or the exporter's JSON layout.
{{#map:otel_traces}}
CREATE TABLE IF NOT EXISTS {{db}}.otel_traces {{on_cluster}}
(
    Timestamp DateTime64(9) COMMENT 'Span start, ns' CODEC(Delta(8), ZSTD(1)),
    TraceId String COMMENT 'Lowercase hex trace id' CODEC(ZSTD(1)),
    SpanId String COMMENT 'Lowercase hex span id' CODEC(ZSTD(1)),
    ParentSpanId String COMMENT 'Lowercase hex id of the parent span, empty for a root' CODEC(ZSTD(1)),
    TraceState String COMMENT 'W3C tracestate as sent' CODEC(ZSTD(1)),
    SpanName LowCardinality(String) COMMENT 'Span name' CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) COMMENT 'Unspecified, Internal, Server, Client, Producer or Consumer' CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) COMMENT 'Resource attribute service.name' CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) COMMENT 'Resource attributes as text' CODEC(ZSTD(1)),
    ScopeName String COMMENT 'Instrumentation scope name' CODEC(ZSTD(1)),
    ScopeVersion String COMMENT 'Instrumentation scope version' CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) COMMENT 'Span attributes as text' CODEC(ZSTD(1)),
    Duration UInt64 COMMENT 'End minus start, ns' CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) COMMENT 'Unset, Ok or Error' CODEC(ZSTD(1)),
    StatusMessage String COMMENT 'Status description' CODEC(ZSTD(1)),
    Events Nested
    (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) COMMENT 'Span events' CODEC(ZSTD(1)),
    Links Nested
    (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) COMMENT 'Span links' CODEC(ZSTD(1)),
    `__hdx_materialized_rum.sessionId` String MATERIALIZED ResourceAttributes['rum.sessionId'] COMMENT 'Browser session id, joins spans to session replays' CODEC(ZSTD(1)),
    SampleRate UInt64 MATERIALIZED greatest(toUInt64OrZero(SpanAttributes['SampleRate']), 1) COMMENT 'Sampling rate from the SampleRate attribute, at least 1',
{{#fulltext}}
    ResourceAttributeItems Array(String) ALIAS arrayMap((k, v) -> concat(k, '=', v), mapKeys(ResourceAttributes), mapValues(ResourceAttributes)) COMMENT 'Resource attributes as key=value strings',
    SpanAttributeItems Array(String) ALIAS arrayMap((k, v) -> concat(k, '=', v), mapKeys(SpanAttributes), mapValues(SpanAttributes)) COMMENT 'Span attributes as key=value strings',
{{/fulltext}}
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_rum_session_id `__hdx_materialized_rum.sessionId` TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8,
{{#fulltext}}
    INDEX idx_res_attr_items ResourceAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_span_attr_items SpanAttributeItems TYPE text(tokenizer = 'array')
{{/fulltext}}
{{#compat}}
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1
{{/compat}}
)
ENGINE = {{engine:otel_traces}}
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
{{ttl:traces:toDate(Timestamp)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}}
{{/map:otel_traces}}
{{#json:otel_traces}}
CREATE TABLE IF NOT EXISTS {{db}}.otel_traces {{on_cluster}}
(
    Timestamp DateTime64(9) COMMENT 'Span start, ns' CODEC(Delta(8), ZSTD(1)),
    TraceId String COMMENT 'Lowercase hex trace id' CODEC(ZSTD(1)),
    SpanId String COMMENT 'Lowercase hex span id' CODEC(ZSTD(1)),
    ParentSpanId String COMMENT 'Lowercase hex id of the parent span, empty for a root' CODEC(ZSTD(1)),
    TraceState String COMMENT 'W3C tracestate as sent' CODEC(ZSTD(1)),
    SpanName LowCardinality(String) COMMENT 'Span name' CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) COMMENT 'Unspecified, Internal, Server, Client, Producer or Consumer' CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) COMMENT 'Resource attribute service.name' CODEC(ZSTD(1)),
    ResourceAttributes JSON COMMENT 'Resource attributes, typed paths' CODEC(ZSTD(1)),
    ResourceAttributesKeys Array(LowCardinality(String)) COMMENT 'Paths of ResourceAttributes, sorted' CODEC(ZSTD(1)),
    ScopeName String COMMENT 'Instrumentation scope name' CODEC(ZSTD(1)),
    ScopeVersion String COMMENT 'Instrumentation scope version' CODEC(ZSTD(1)),
    SpanAttributes JSON COMMENT 'Span attributes, typed paths' CODEC(ZSTD(1)),
    SpanAttributesKeys Array(LowCardinality(String)) COMMENT 'Paths of SpanAttributes, sorted' CODEC(ZSTD(1)),
    Duration UInt64 COMMENT 'End minus start, ns' CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) COMMENT 'Unset, Ok or Error' CODEC(ZSTD(1)),
    StatusMessage String COMMENT 'Status description' CODEC(ZSTD(1)),
    Events Nested
    (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes JSON
    ) COMMENT 'Span events' CODEC(ZSTD(1)),
    Links Nested
    (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes JSON
    ) COMMENT 'Span links' CODEC(ZSTD(1)),
    INDEX idx_res_attr_keys ResourceAttributesKeys TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_keys SpanAttributesKeys TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
)
ENGINE = {{engine:otel_traces}}
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
{{ttl:traces:toDateTime(Timestamp)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}}
{{/json:otel_traces}}
