-- Gauge data points, one row per data point (ClickStack layout: second-precision TimeUnix).
CREATE TABLE IF NOT EXISTS {{db}}.otel_metrics_gauge {{on_cluster}}
(
    {{metrics_common_columns}},
    Value Float64 COMMENT 'Point value (integers converted)' CODEC(ZSTD(1)),
    Flags UInt32 COMMENT 'OTLP data point flags' CODEC(ZSTD(1)),
    {{exemplars}},
    {{metrics_common_indexes}}
)
ENGINE = {{engine:otel_metrics_gauge}}
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
{{ttl:metrics:toDateTime(TimeUnix)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}}
