-- Insert marks: each table the writer inserts into records, in the same INSERT, the token of every
-- insert that landed rows (getSetting reads the insert's own insert_deduplication_token). Inserts
-- without a token (other tools) leave no mark. One view per table in schemas/ddl.ts MARKED_TABLES.
{{#each_marked_table}}
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.tributary_mark_{{table}} {{on_cluster}} TO {{db}}.tributary_inserts
AS SELECT toString(getSetting('insert_deduplication_token')) AS Token, count() AS Rows
FROM {{db}}.{{table}} GROUP BY Token HAVING Token != '';
{{/each_marked_table}}
