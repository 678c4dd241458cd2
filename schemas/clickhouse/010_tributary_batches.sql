-- The writers' ledger of batches: the offset range of every batch is recorded here BEFORE its rows
-- are inserted, so a restarted writer, the next owner of a partition after a rebalance, or a
-- replay rebuilds exactly the same batches and their insert_deduplication_token matches.
CREATE TABLE IF NOT EXISTS {{db}}.tributary_batches {{on_cluster}}
(
    Topic LowCardinality(String) COMMENT 'Kafka topic',
    Partition UInt32 COMMENT 'Kafka partition',
    MinOffset UInt64 COMMENT 'First offset of the batch',
    MaxOffset UInt64 COMMENT 'Last offset of the batch',
    RecordedAt DateTime64(3) DEFAULT now64(3) COMMENT 'When the range was recorded'
)
ENGINE = {{engine:tributary_batches}}
ORDER BY (Topic, Partition, MinOffset)
TTL toDateTime(RecordedAt) + toIntervalDay(30)
SETTINGS index_granularity = 1024
