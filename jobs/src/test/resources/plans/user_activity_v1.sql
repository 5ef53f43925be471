-- Quiver materialization of default.user_activity:v1
-- `events` holds the accepted events. Streaming: Kafka -> EventGate (decoding,
-- per-partition watermark, lateness cut, dead letters) -> dedup on the dedup key
-- (keyed by entity, state TTL) registers it as a view.
-- Batch (backfill): a bounded table with these columns:
-- CREATE TABLE `events` (
--  `txn_id` STRING,
--  `user_id` STRING,
--  `merchant_id` STRING,
--  `amount_usd` DOUBLE,
--  `currency` STRING,
--  `country` STRING,
--  `channel` STRING,
--  `card_present` BOOLEAN,
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
  `user_last_currency` STRING,
  `user_last_txn_usd` DOUBLE
) WITH (
  'connector' = 'quiver-online',
  'view' = 'default.user_activity',
  'version' = '1',
  'kind' = 'rows',
  'key-columns' = 'user_id:STRING',
  'features' = 'user_txn_count_1h:INT64:count:*:0:3600000ms;user_txn_count_1d:INT64:count:*:0:86400000ms;user_txn_count_7d:INT64:count:*:0:604800000ms;user_spend_usd_1h:FLOAT64:sum:amount_usd:0:3600000ms;user_spend_usd_1d:FLOAT64:sum:amount_usd:0:86400000ms;user_spend_usd_7d:FLOAT64:sum:amount_usd:0:604800000ms;user_spend_usd_30d:FLOAT64:sum:amount_usd:0:2592000000ms;user_avg_txn_usd_1d:FLOAT64:avg:amount_usd:0:86400000ms;user_avg_txn_usd_7d:FLOAT64:avg:amount_usd:0:604800000ms;user_txn_usd_stddev:FLOAT64:stddev:amount_usd:0:604800000ms;user_distinct_merchants_1d:INT64:count_distinct:merchant_id:0:86400000ms;user_distinct_merchants_7d:INT64:count_distinct:merchant_id:0:604800000ms;user_recent_countries:ARRAY<STRING>:last_n:country:5:604800000ms;user_last_currency:STRING;user_last_txn_usd:FLOAT64',
  'ttl-ms' = '2592000000',
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
  'view' = 'default.user_activity',
  'version' = '1',
  'kind' = 'tiles',
  'key-columns' = 'user_id:STRING',
  'features' = 'user_txn_count_1h:INT64:count:*:0:3600000ms;user_txn_count_1d:INT64:count:*:0:86400000ms;user_txn_count_7d:INT64:count:*:0:604800000ms;user_spend_usd_1h:FLOAT64:sum:amount_usd:0:3600000ms;user_spend_usd_1d:FLOAT64:sum:amount_usd:0:86400000ms;user_spend_usd_7d:FLOAT64:sum:amount_usd:0:604800000ms;user_spend_usd_30d:FLOAT64:sum:amount_usd:0:2592000000ms;user_avg_txn_usd_1d:FLOAT64:avg:amount_usd:0:86400000ms;user_avg_txn_usd_7d:FLOAT64:avg:amount_usd:0:604800000ms;user_txn_usd_stddev:FLOAT64:stddev:amount_usd:0:604800000ms;user_distinct_merchants_1d:INT64:count_distinct:merchant_id:0:86400000ms;user_distinct_merchants_7d:INT64:count_distinct:merchant_id:0:604800000ms;user_recent_countries:ARRAY<STRING>:last_n:country:5:604800000ms;user_last_currency:STRING;user_last_txn_usd:FLOAT64',
  'ttl-ms' = '2592000000',
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
  CAST(currency AS STRING) AS `user_last_currency`,
  CAST(amount_usd AS DOUBLE) AS `user_last_txn_usd`,
  CAST(`amount_usd` AS DOUBLE) AS `_in_amount_usd`,
  CAST(`merchant_id` AS STRING) AS `_in_merchant_id`,
  CAST(`country` AS STRING) AS `_in_country`
FROM `events`;

EXECUTE STATEMENT SET
BEGIN
INSERT INTO `online_rows`
SELECT `user_id`, `_event_ms`, `_seq`, `user_last_currency`, `user_last_txn_usd`
FROM `projected`;
INSERT INTO `online_tiles`
SELECT `user_id`,
  `_tile_res`,
  `_tile_start`,
  MAX(`_event_ms`) AS `_max_event_ms`,
  QUIVER_TILES('count|*|0|INT64;sum|amount_usd|0|FLOAT64;avg|amount_usd|0|FLOAT64;stddev|amount_usd|0|FLOAT64;count_distinct|merchant_id|0|INT64;last_n|country|5|ARRAY<STRING>', `_event_ms`, `_seq`, 1, CAST(`_in_amount_usd` AS DOUBLE), CAST(`_in_amount_usd` AS DOUBLE), CAST(`_in_amount_usd` AS DOUBLE), `_in_merchant_id`, CAST(`_in_country` AS STRING)) AS `_tiles`
FROM (
  SELECT `user_id`, `_event_ms`, `_seq`, `_in_amount_usd`, `_in_merchant_id`, `_in_country`, CAST(300000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 300000) AS `_tile_start` FROM `projected`
  UNION ALL
  SELECT `user_id`, `_event_ms`, `_seq`, `_in_amount_usd`, `_in_merchant_id`, `_in_country`, CAST(3600000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 3600000) AS `_tile_start` FROM `projected`
  UNION ALL
  SELECT `user_id`, `_event_ms`, `_seq`, `_in_amount_usd`, `_in_merchant_id`, `_in_country`, CAST(86400000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 86400000) AS `_tile_start` FROM `projected`
)
GROUP BY `user_id`, `_tile_res`, `_tile_start`;
INSERT INTO `quiver_offline`.`default`.`user_activity_v1`
SELECT `user_id`, `_event_time` AS `event_time`, `user_last_currency`, `user_last_txn_usd`, `_in_amount_usd`, `_in_merchant_id`, `_in_country`, `_seq`, `_ingested_at`
FROM `projected`;
END;
