-- Explicit-bucket histogram data points, one row per data point (ClickStack layout: second-precision TimeUnix).
CREATE TABLE IF NOT EXISTS {{db}}.otel_metrics_histogram {{on_cluster}}
(
    {{metrics_common_columns}},
    Count UInt64 COMMENT 'Number of observations' CODEC(Delta(8), ZSTD(1)),
    Sum Float64 COMMENT 'Sum of observations' CODEC(ZSTD(1)),
    BucketCounts Array(UInt64) COMMENT 'Count per bucket' CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) COMMENT 'Upper bounds of the buckets' CODEC(ZSTD(1)),
    {{exemplars}},
    Flags UInt32 COMMENT 'OTLP data point flags' CODEC(ZSTD(1)),
    Min Float64 COMMENT 'Smallest observation' CODEC(ZSTD(1)),
    Max Float64 COMMENT 'Largest observation' CODEC(ZSTD(1)),
    AggregationTemporality Int32 COMMENT '1 delta, 2 cumulative' CODEC(ZSTD(1)),
    {{metrics_common_indexes}}
)
ENGINE = {{engine:otel_metrics_histogram}}
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
{{ttl:metrics:toDateTime(TimeUnix)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}}
