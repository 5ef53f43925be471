-- Quiver materialization of default.user_txn:v1
-- `events` holds the accepted events. Streaming: Kafka -> EventGate (decoding,
-- per-partition watermark, lateness cut, dead letters) -> dedup on the dedup key
-- (keyed by entity, state TTL) registers it as a view.
-- Batch (backfill): a bounded table with these columns:
-- CREATE TABLE `events` (
--  `txn_id` STRING,
--  `user_id` STRING,
--  `merchant` STRING,
--  `amount` DOUBLE,
--  `ts` TIMESTAMP_LTZ(3),
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
  `last_merchant` STRING,
  `last_amount` DOUBLE,
  `amount_x100` BIGINT
) WITH (
  'connector' = 'quiver-online',
  'view' = 'default.user_txn',
  'version' = '1',
  'kind' = 'rows',
  'key-columns' = 'user_id:STRING',
  'features' = 'last_merchant:STRING;last_amount:FLOAT64;amount_x100:INT64;txn_count_5m:INT64:count:*:0:300000ms;txn_count_1h:INT64:count:*:0:3600000ms;txn_count_7d:INT64:count:*:0:604800000ms;amount_sum_10m:FLOAT64:sum:amount:0:600000ms;amount_avg_10m:FLOAT64:avg:amount:0:600000ms;amount_min_10m:FLOAT64:min:amount:0:600000ms;amount_max_10m:FLOAT64:max:amount:0:600000ms;amount_std_10m:FLOAT64:stddev:amount:0:600000ms;merchant_last3_10m:ARRAY<STRING>:last_n:merchant:3:600000ms;merchant_distinct_1h:INT64:count_distinct:merchant:0:3600000ms',
  'ttl-ms' = '2592000000',
  'tile-size-ms' = '60000',
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
  'view' = 'default.user_txn',
  'version' = '1',
  'kind' = 'tiles',
  'key-columns' = 'user_id:STRING',
  'features' = 'last_merchant:STRING;last_amount:FLOAT64;amount_x100:INT64;txn_count_5m:INT64:count:*:0:300000ms;txn_count_1h:INT64:count:*:0:3600000ms;txn_count_7d:INT64:count:*:0:604800000ms;amount_sum_10m:FLOAT64:sum:amount:0:600000ms;amount_avg_10m:FLOAT64:avg:amount:0:600000ms;amount_min_10m:FLOAT64:min:amount:0:600000ms;amount_max_10m:FLOAT64:max:amount:0:600000ms;amount_std_10m:FLOAT64:stddev:amount:0:600000ms;merchant_last3_10m:ARRAY<STRING>:last_n:merchant:3:600000ms;merchant_distinct_1h:INT64:count_distinct:merchant:0:3600000ms',
  'ttl-ms' = '2592000000',
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
  `user_id`,
  `_event_time`,
  `_event_ms`,
  `_seq`,
  `_ingested_at`,
  CAST(merchant AS STRING) AS `last_merchant`,
  CAST(amount AS DOUBLE) AS `last_amount`,
  CAST(TRY_CAST(amount * 100 AS BIGINT) AS BIGINT) AS `amount_x100`,
  CAST(`amount` AS DOUBLE) AS `_in_amount`,
  CAST(`merchant` AS STRING) AS `_in_merchant`
FROM `events`;

EXECUTE STATEMENT SET
BEGIN
INSERT INTO `online_rows`
SELECT `user_id`, `_event_ms`, `_seq`, `last_merchant`, `last_amount`, `amount_x100`
FROM `projected`;
INSERT INTO `online_tiles`
SELECT `user_id`,
  `_tile_res`,
  `_tile_start`,
  MAX(`_event_ms`) AS `_max_event_ms`,
  QUIVER_TILES('count|*|0|INT64;sum|amount|0|FLOAT64;avg|amount|0|FLOAT64;min|amount|0|FLOAT64;max|amount|0|FLOAT64;stddev|amount|0|FLOAT64;last_n|merchant|3|ARRAY<STRING>;count_distinct|merchant|0|INT64', `_event_ms`, `_seq`, 1, CAST(`_in_amount` AS DOUBLE), CAST(`_in_amount` AS DOUBLE), CAST(`_in_amount` AS DOUBLE), CAST(`_in_amount` AS DOUBLE), CAST(`_in_amount` AS DOUBLE), CAST(`_in_merchant` AS STRING), `_in_merchant`) AS `_tiles`
FROM (
  SELECT `user_id`, `_event_ms`, `_seq`, `_in_amount`, `_in_merchant`, CAST(60000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 60000) AS `_tile_start` FROM `projected`
  UNION ALL
  SELECT `user_id`, `_event_ms`, `_seq`, `_in_amount`, `_in_merchant`, CAST(3600000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 3600000) AS `_tile_start` FROM `projected`
  UNION ALL
  SELECT `user_id`, `_event_ms`, `_seq`, `_in_amount`, `_in_merchant`, CAST(86400000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 86400000) AS `_tile_start` FROM `projected`
)
GROUP BY `user_id`, `_tile_res`, `_tile_start`;
INSERT INTO `quiver_offline`.`default`.`user_txn_v1`
SELECT `user_id`, `_event_time` AS `event_time`, `last_merchant`, `last_amount`, `amount_x100`, `_in_amount`, `_in_merchant`, `_seq`, `_ingested_at`
FROM `projected`;
END;
