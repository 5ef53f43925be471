-- Quiver materialization of default.session_activity:v1
-- `events` holds the accepted events. Streaming: Kafka -> EventGate (decoding,
-- per-partition watermark, lateness cut, dead letters) -> dedup on the dedup key
-- (keyed by entity, state TTL) registers it as a view.
-- Batch (backfill): a bounded table with these columns:
-- CREATE TABLE `events` (
--  `event_id` STRING,
--  `user_id` STRING,
--  `session_id` STRING,
--  `page` STRING,
--  `referrer` STRING,
--  `device` STRING,
--  `dwell_ms` BIGINT,
--  `event_time` TIMESTAMP_LTZ(3),
--  `_event_time` TIMESTAMP_LTZ(3) NOT NULL,
--  `_event_ms` BIGINT NOT NULL,
--  `_seq` BIGINT NOT NULL,
--  `_partition` INT NOT NULL,
--  `_ingested_at` TIMESTAMP_LTZ(3) NOT NULL,
--  `_proc` AS PROCTIME()
-- ) WITH (...);
-- The offline table exists once quiver materialize or quiver backfill has run
-- (its day partitioning has no Flink DDL). With `events` defined, this text runs as is
-- in quiver sql (batch mode).

SET 'table.local-time-zone' = 'UTC';

CREATE TEMPORARY TABLE `online_rows` (
  `session_id` STRING,
  `_event_ms` BIGINT,
  `_seq` BIGINT,
  `session_last_page` STRING,
  `device` STRING
) WITH (
  'connector' = 'quiver-online',
  'view' = 'default.session_activity',
  'version' = '1',
  'kind' = 'rows',
  'key-columns' = 'session_id:STRING',
  'features' = 'session_page_views_5m:INT64:count:*:0:300000ms;session_page_views_1h:INT64:count:*:0:3600000ms;session_distinct_pages_1h:INT64:count_distinct:page:0:3600000ms;session_avg_dwell_ms_1h:FLOAT64:avg:dwell_ms:0:3600000ms;session_total_dwell_ms_1h:INT64:sum:dwell_ms:0:3600000ms;session_recent_pages:ARRAY<STRING>:last_n:page:10:3600000ms;session_last_page:STRING;device:STRING',
  'ttl-ms' = '86400000',
  'tile-size-ms' = '60000',
  'store.online.type' = 'embedded'
);

CREATE TEMPORARY FUNCTION IF NOT EXISTS QUIVER_TILES AS 'dev.quiver.udfs.TileBundleAggregate';

CREATE TEMPORARY TABLE `online_tiles` (
  `session_id` STRING NOT NULL,
  `_tile_res` BIGINT NOT NULL,
  `_tile_start` BIGINT NOT NULL,
  `_max_event_ms` BIGINT,
  `_tiles` BYTES,
  PRIMARY KEY (`session_id`, `_tile_res`, `_tile_start`) NOT ENFORCED
) WITH (
  'connector' = 'quiver-online',
  'view' = 'default.session_activity',
  'version' = '1',
  'kind' = 'tiles',
  'key-columns' = 'session_id:STRING',
  'features' = 'session_page_views_5m:INT64:count:*:0:300000ms;session_page_views_1h:INT64:count:*:0:3600000ms;session_distinct_pages_1h:INT64:count_distinct:page:0:3600000ms;session_avg_dwell_ms_1h:FLOAT64:avg:dwell_ms:0:3600000ms;session_total_dwell_ms_1h:INT64:sum:dwell_ms:0:3600000ms;session_recent_pages:ARRAY<STRING>:last_n:page:10:3600000ms;session_last_page:STRING;device:STRING',
  'ttl-ms' = '86400000',
  'tile-size-ms' = '60000',
  'store.online.type' = 'embedded'
);

CREATE CATALOG IF NOT EXISTS `quiver_offline` WITH (
  'type' = 'iceberg',
  'catalog-type' = 'hadoop',
  'warehouse' = 'file:/tmp/w'
);

CREATE TEMPORARY VIEW `projected` AS
SELECT
  `session_id`,
  `_event_time`,
  `_event_ms`,
  `_seq`,
  `_ingested_at`,
  CAST(page AS STRING) AS `session_last_page`,
  CAST(`device` AS STRING) AS `device`,
  CAST(`page` AS STRING) AS `_in_page`,
  CAST(`dwell_ms` AS BIGINT) AS `_in_dwell_ms`
FROM `events`;

EXECUTE STATEMENT SET
BEGIN
INSERT INTO `online_rows`
SELECT `session_id`, `_event_ms`, `_seq`, `session_last_page`, `device`
FROM `projected`;
INSERT INTO `online_tiles`
SELECT `session_id`,
  `_tile_res`,
  `_tile_start`,
  MAX(`_event_ms`) AS `_max_event_ms`,
  QUIVER_TILES('count|*|0|INT64;count_distinct|page|0|INT64;avg|dwell_ms|0|FLOAT64;sum|dwell_ms|0|INT64;last_n|page|10|ARRAY<STRING>', `_event_ms`, `_seq`, 1, `_in_page`, CAST(`_in_dwell_ms` AS DOUBLE), CAST(`_in_dwell_ms` AS BIGINT), CAST(`_in_page` AS STRING)) AS `_tiles`
FROM (
  SELECT `session_id`, `_event_ms`, `_seq`, `_in_page`, `_in_dwell_ms`, CAST(60000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 60000) AS `_tile_start` FROM `projected`
  UNION ALL
  SELECT `session_id`, `_event_ms`, `_seq`, `_in_page`, `_in_dwell_ms`, CAST(3600000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 3600000) AS `_tile_start` FROM `projected`
  UNION ALL
  SELECT `session_id`, `_event_ms`, `_seq`, `_in_page`, `_in_dwell_ms`, CAST(86400000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 86400000) AS `_tile_start` FROM `projected`
)
GROUP BY `session_id`, `_tile_res`, `_tile_start`;
INSERT INTO `quiver_offline`.`default`.`session_activity_v1`
SELECT `session_id`, `_event_time` AS `event_time`, `session_last_page`, `device`, `_in_page`, `_in_dwell_ms`, `_seq`, `_ingested_at`
FROM `projected`;
END;
