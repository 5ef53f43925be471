-- Quiver materialization of default.user_engagement:v1
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
  `user_id` STRING,
  `_event_ms` BIGINT,
  `_seq` BIGINT,
  `user_last_referrer` STRING
) WITH (
  'connector' = 'quiver-online',
  'view' = 'default.user_engagement',
  'version' = '1',
  'kind' = 'rows',
  'key-columns' = 'user_id:STRING',
  'features' = 'user_page_views_1h:INT64:count:*:0:3600000ms;user_page_views_1d:INT64:count:*:0:86400000ms;user_page_views_7d:INT64:count:*:0:604800000ms;user_sessions_1d:INT64:count_distinct:session_id:0:86400000ms;user_sessions_7d:INT64:count_distinct:session_id:0:604800000ms;user_avg_dwell_ms_1d:FLOAT64:avg:dwell_ms:0:86400000ms;user_avg_dwell_ms_7d:FLOAT64:avg:dwell_ms:0:604800000ms;user_dwell_ms_stddev_7d:FLOAT64:stddev:dwell_ms:0:604800000ms;user_last_referrer:STRING',
  'ttl-ms' = '691200000',
  'tile-size-ms' = '300000',
  'store.online.type' = 'embedded'
);

CREATE TEMPORARY FUNCTION IF NOT EXISTS QUIVER_TILES AS 'dev.quiver.udfs.TileBundleAggregate';

CREATE TEMPORARY TABLE `online_tiles` (
  `user_id` STRING NOT NULL,
  `_tile_res` BIGINT NOT NULL,
  `_tile_start` BIGINT NOT NULL,
  `_max_event_ms` BIGINT,
  `_tiles` BYTES,
  PRIMARY KEY (`user_id`, `_tile_res`, `_tile_start`) NOT ENFORCED
) WITH (
  'connector' = 'quiver-online',
  'view' = 'default.user_engagement',
  'version' = '1',
  'kind' = 'tiles',
  'key-columns' = 'user_id:STRING',
  'features' = 'user_page_views_1h:INT64:count:*:0:3600000ms;user_page_views_1d:INT64:count:*:0:86400000ms;user_page_views_7d:INT64:count:*:0:604800000ms;user_sessions_1d:INT64:count_distinct:session_id:0:86400000ms;user_sessions_7d:INT64:count_distinct:session_id:0:604800000ms;user_avg_dwell_ms_1d:FLOAT64:avg:dwell_ms:0:86400000ms;user_avg_dwell_ms_7d:FLOAT64:avg:dwell_ms:0:604800000ms;user_dwell_ms_stddev_7d:FLOAT64:stddev:dwell_ms:0:604800000ms;user_last_referrer:STRING',
  'ttl-ms' = '691200000',
  'tile-size-ms' = '300000',
  'store.online.type' = 'embedded'
);

CREATE CATALOG IF NOT EXISTS `quiver_offline` WITH (
  'type' = 'iceberg',
  'catalog-type' = 'hadoop',
  'warehouse' = 'file:/tmp/w'
);

CREATE TEMPORARY VIEW `projected` AS
SELECT
  `user_id`,
  `_event_time`,
  `_event_ms`,
  `_seq`,
  `_ingested_at`,
  CAST(referrer AS STRING) AS `user_last_referrer`,
  CAST(`session_id` AS STRING) AS `_in_session_id`,
  CAST(`dwell_ms` AS BIGINT) AS `_in_dwell_ms`
FROM `events`;

EXECUTE STATEMENT SET
BEGIN
INSERT INTO `online_rows`
SELECT `user_id`, `_event_ms`, `_seq`, `user_last_referrer`
FROM `projected`;
INSERT INTO `online_tiles`
SELECT `user_id`,
  `_tile_res`,
  `_tile_start`,
  MAX(`_event_ms`) AS `_max_event_ms`,
  QUIVER_TILES('count|*|0|INT64;count_distinct|session_id|0|INT64;avg|dwell_ms|0|FLOAT64;stddev|dwell_ms|0|FLOAT64', `_event_ms`, `_seq`, 1, `_in_session_id`, CAST(`_in_dwell_ms` AS DOUBLE), CAST(`_in_dwell_ms` AS DOUBLE)) AS `_tiles`
FROM (
  SELECT `user_id`, `_event_ms`, `_seq`, `_in_session_id`, `_in_dwell_ms`, CAST(300000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 300000) AS `_tile_start` FROM `projected`
  UNION ALL
  SELECT `user_id`, `_event_ms`, `_seq`, `_in_session_id`, `_in_dwell_ms`, CAST(3600000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 3600000) AS `_tile_start` FROM `projected`
  UNION ALL
  SELECT `user_id`, `_event_ms`, `_seq`, `_in_session_id`, `_in_dwell_ms`, CAST(86400000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 86400000) AS `_tile_start` FROM `projected`
)
GROUP BY `user_id`, `_tile_res`, `_tile_start`;
INSERT INTO `quiver_offline`.`default`.`user_engagement_v1`
SELECT `user_id`, `_event_time` AS `event_time`, `user_last_referrer`, `_in_session_id`, `_in_dwell_ms`, `_seq`, `_ingested_at`
FROM `projected`;
END;
