-- Insert marks: each table the writer inserts into records, in the same INSERT, the token of every
-- insert that landed rows (getSetting reads the insert's own insert_deduplication_token). Inserts
-- without a token (other tools) leave no mark.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.tributary_mark_otel_logs {{on_cluster}} TO {{db}}.tributary_inserts
AS SELECT toString(getSetting('insert_deduplication_token')) AS Token, count() AS Rows
FROM {{db}}.otel_logs GROUP BY Token HAVING Token != '';
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.tributary_mark_otel_traces {{on_cluster}} TO {{db}}.tributary_inserts
AS SELECT toString(getSetting('insert_deduplication_token')) AS Token, count() AS Rows
FROM {{db}}.otel_traces GROUP BY Token HAVING Token != '';
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.tributary_mark_otel_metrics_gauge {{on_cluster}} TO {{db}}.tributary_inserts
AS SELECT toString(getSetting('insert_deduplication_token')) AS Token, count() AS Rows
FROM {{db}}.otel_metrics_gauge GROUP BY Token HAVING Token != '';
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.tributary_mark_otel_metrics_sum {{on_cluster}} TO {{db}}.tributary_inserts
AS SELECT toString(getSetting('insert_deduplication_token')) AS Token, count() AS Rows
FROM {{db}}.otel_metrics_sum GROUP BY Token HAVING Token != '';
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.tributary_mark_otel_metrics_histogram {{on_cluster}} TO {{db}}.tributary_inserts
AS SELECT toString(getSetting('insert_deduplication_token')) AS Token, count() AS Rows
FROM {{db}}.otel_metrics_histogram GROUP BY Token HAVING Token != '';
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.tributary_mark_otel_metrics_exponential_histogram {{on_cluster}} TO {{db}}.tributary_inserts
AS SELECT toString(getSetting('insert_deduplication_token')) AS Token, count() AS Rows
FROM {{db}}.otel_metrics_exponential_histogram GROUP BY Token HAVING Token != '';
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.tributary_mark_otel_metrics_summary {{on_cluster}} TO {{db}}.tributary_inserts
AS SELECT toString(getSetting('insert_deduplication_token')) AS Token, count() AS Rows
FROM {{db}}.otel_metrics_summary GROUP BY Token HAVING Token != '';
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.tributary_mark_hyperdx_sessions {{on_cluster}} TO {{db}}.tributary_inserts
AS SELECT toString(getSetting('insert_deduplication_token')) AS Token, count() AS Rows
FROM {{db}}.hyperdx_sessions GROUP BY Token HAVING Token != ''
