-- The writers' delivery state (see docs/operations.md, "Delivery"). No TTL on any of these: a replay
-- of any age must find what was done. A stream is one (Kafka cluster id, topic id, partition,
-- writer group); offsets are fetch positions, a range is [Start, End).

-- Plans: a batch's range, decided once. The first plan committed for a (Stream, Start) wins
-- (smallest _block_number, which the server assigns in commit order); everyone who builds that
-- batch again builds exactly [Start, End) with the same rule version, so its tokens repeat.
CREATE TABLE IF NOT EXISTS {{db}}.tributary_plans {{on_cluster}}
(
    Stream String COMMENT 'cluster id / topic id / partition / group',
    Start UInt64 COMMENT 'First fetch position of the batch',
    End UInt64 COMMENT 'Fetch position after the batch',
    RuleVersion LowCardinality(String) COMMENT 'Row rules the batch was planned under',
    Digest String COMMENT 'Hash of the records of the range',
    Writer String COMMENT 'Which process planned it (for operators)',
    PlannedAt DateTime64(3) DEFAULT now64(3)
)
ENGINE = {{engine:tributary_plans}}
ORDER BY (Stream, Start)
SETTINGS index_granularity = 1024, enable_block_number_column = 1, enable_block_offset_column = 1;

-- Done ranges: in every table the signal feeds (materialized-view targets included). Authoritative
-- over Kafka's committed offsets. Kind: done (written), lost (gone from Kafka before it was
-- written: retention ran out), seeded (taken over from an earlier writer version's commits).
CREATE TABLE IF NOT EXISTS {{db}}.tributary_done {{on_cluster}}
(
    Stream String,
    Start UInt64,
    End UInt64,
    Kind LowCardinality(String) DEFAULT 'done',
    Topic LowCardinality(String),
    Partition UInt32,
    Rows UInt64 DEFAULT 0,
    DoneAt DateTime64(3) DEFAULT now64(3)
)
ENGINE = {{engine:tributary_done}}
ORDER BY (Stream, Start)
SETTINGS index_granularity = 1024;

-- One row per insert that landed rows, written by the server itself in the same INSERT (through the
-- views below): the fence a late insert of the same token is checked against when it executes.
CREATE TABLE IF NOT EXISTS {{db}}.tributary_inserts {{on_cluster}}
(
    Token String,
    Rows UInt64,
    InsertedAt DateTime DEFAULT now()
)
ENGINE = {{engine:tributary_inserts}}
ORDER BY Token
SETTINGS index_granularity = 1024
