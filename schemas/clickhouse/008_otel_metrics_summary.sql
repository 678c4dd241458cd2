-- Summary data points, one row per data point (ClickStack layout: second-precision TimeUnix).
CREATE TABLE IF NOT EXISTS {{db}}.otel_metrics_summary {{on_cluster}}
(
    {{metrics_common_columns}},
    Count UInt64 COMMENT 'Number of observations' CODEC(Delta(8), ZSTD(1)),
    Sum Float64 COMMENT 'Sum of observations' CODEC(ZSTD(1)),
    ValueAtQuantiles Nested
    (
        Quantile Float64,
        Value Float64
    ) COMMENT 'Quantile values' CODEC(ZSTD(1)),
    Flags UInt32 COMMENT 'OTLP data point flags' CODEC(ZSTD(1)),
    {{metrics_common_indexes}}
)
ENGINE = {{engine:otel_metrics_summary}}
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
{{ttl:metrics:toDateTime(TimeUnix)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}}
