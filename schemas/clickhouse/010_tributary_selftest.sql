-- The scratch table of the writer's start-up self-test (writer/delivery/self-test.ts): each writer
-- start inserts a 70,000-row body here with its real insert statement and settings, and checks it
-- lands as one block, a repeated token is deduplicated and the fence is executed. Runs are told apart
-- by Run; a day of them is kept.
CREATE TABLE IF NOT EXISTS {{db}}.tributary_selftest {{on_cluster}}
(
    Run String COMMENT 'One self-test run',
    N UInt32 COMMENT 'Row number in the run',
    At DateTime DEFAULT now()
)
ENGINE = {{engine:tributary_selftest}}
ORDER BY (Run, N)
TTL At + INTERVAL 1 DAY
SETTINGS index_granularity = 8192, {{dedup_settings}}
