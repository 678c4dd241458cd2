-- Sum data points (counters and up-down counters), one row per data point (ClickStack layout: second-precision TimeUnix).
CREATE TABLE IF NOT EXISTS {{db}}.otel_metrics_sum {{on_cluster}}
(
    {{metrics_common_columns}},
    Value Float64 COMMENT 'Point value (integers converted)' CODEC(ZSTD(1)),
    Flags UInt32 COMMENT 'OTLP data point flags' CODEC(ZSTD(1)),
    {{exemplars}},
    AggregationTemporality Int32 COMMENT '1 delta, 2 cumulative' CODEC(ZSTD(1)),
    IsMonotonic Bool COMMENT 'True for counters' CODEC(Delta(1), ZSTD(1)),
    {{metrics_common_indexes}}
)
ENGINE = {{engine:otel_metrics_sum}}
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
{{ttl:metrics:toDateTime(TimeUnix)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedup_settings}}
