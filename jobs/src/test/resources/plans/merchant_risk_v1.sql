-- Quiver materialization of default.merchant_risk:v1
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
  `merchant_id` STRING,
  `_event_ms` BIGINT,
  `_seq` BIGINT,
  `merchant_last_channel` STRING,
  `merchant_last_card_not_present` BOOLEAN,
  `merchant_last_txn_usd` DOUBLE
) WITH (
  'connector' = 'quiver-online',
  'view' = 'default.merchant_risk',
  'version' = '1',
  'kind' = 'rows',
  'key-columns' = 'merchant_id:STRING',
  'features' = 'merchant_txn_count_1h:INT64:count:*:0:3600000ms;merchant_txn_count_1d:INT64:count:*:0:86400000ms;merchant_txn_count_7d:INT64:count:*:0:604800000ms;merchant_gmv_usd_1h:FLOAT64:sum:amount_usd:0:3600000ms;merchant_gmv_usd_1d:FLOAT64:sum:amount_usd:0:86400000ms;merchant_gmv_usd_7d:FLOAT64:sum:amount_usd:0:604800000ms;merchant_avg_ticket_usd_1d:FLOAT64:avg:amount_usd:0:86400000ms;merchant_avg_ticket_usd_7d:FLOAT64:avg:amount_usd:0:604800000ms;merchant_ticket_stddev_usd_1d:FLOAT64:stddev:amount_usd:0:86400000ms;merchant_ticket_stddev_usd_7d:FLOAT64:stddev:amount_usd:0:604800000ms;merchant_max_ticket_usd:FLOAT64:max:amount_usd:0:86400000ms;merchant_unique_users_1h:INT64:count_distinct:user_id:0:3600000ms;merchant_unique_users_1d:INT64:count_distinct:user_id:0:86400000ms;merchant_unique_users_7d:INT64:count_distinct:user_id:0:604800000ms;merchant_unique_countries_7d:INT64:count_distinct:country:0:604800000ms;merchant_recent_amounts_usd:ARRAY<FLOAT64>:last_n:amount_usd:10:86400000ms;merchant_first_seen_country_7d:STRING:first:country:0:604800000ms;merchant_last_channel:STRING;merchant_last_card_not_present:BOOL;merchant_last_txn_usd:FLOAT64',
  'ttl-ms' = '691200000',
  'tile-size-ms' = '300000',
  'store.online.type' = 'embedded'
);

CREATE TEMPORARY FUNCTION IF NOT EXISTS QUIVER_TILES AS 'dev.quiver.udfs.TileBundleAggregate';

CREATE TEMPORARY TABLE `online_tiles` (
  `merchant_id` STRING NOT NULL,
  `_tile_res` BIGINT NOT NULL,
  `_tile_start` BIGINT NOT NULL,
  `_max_event_ms` BIGINT,
  `_tiles` BYTES,
  PRIMARY KEY (`merchant_id`, `_tile_res`, `_tile_start`) NOT ENFORCED
) WITH (
  'connector' = 'quiver-online',
  'view' = 'default.merchant_risk',
  'version' = '1',
  'kind' = 'tiles',
  'key-columns' = 'merchant_id:STRING',
  'features' = 'merchant_txn_count_1h:INT64:count:*:0:3600000ms;merchant_txn_count_1d:INT64:count:*:0:86400000ms;merchant_txn_count_7d:INT64:count:*:0:604800000ms;merchant_gmv_usd_1h:FLOAT64:sum:amount_usd:0:3600000ms;merchant_gmv_usd_1d:FLOAT64:sum:amount_usd:0:86400000ms;merchant_gmv_usd_7d:FLOAT64:sum:amount_usd:0:604800000ms;merchant_avg_ticket_usd_1d:FLOAT64:avg:amount_usd:0:86400000ms;merchant_avg_ticket_usd_7d:FLOAT64:avg:amount_usd:0:604800000ms;merchant_ticket_stddev_usd_1d:FLOAT64:stddev:amount_usd:0:86400000ms;merchant_ticket_stddev_usd_7d:FLOAT64:stddev:amount_usd:0:604800000ms;merchant_max_ticket_usd:FLOAT64:max:amount_usd:0:86400000ms;merchant_unique_users_1h:INT64:count_distinct:user_id:0:3600000ms;merchant_unique_users_1d:INT64:count_distinct:user_id:0:86400000ms;merchant_unique_users_7d:INT64:count_distinct:user_id:0:604800000ms;merchant_unique_countries_7d:INT64:count_distinct:country:0:604800000ms;merchant_recent_amounts_usd:ARRAY<FLOAT64>:last_n:amount_usd:10:86400000ms;merchant_first_seen_country_7d:STRING:first:country:0:604800000ms;merchant_last_channel:STRING;merchant_last_card_not_present:BOOL;merchant_last_txn_usd:FLOAT64',
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
  `merchant_id`,
  `_event_time`,
  `_event_ms`,
  `_seq`,
  `_ingested_at`,
  CAST(channel AS STRING) AS `merchant_last_channel`,
  CAST(NOT card_present AS BOOLEAN) AS `merchant_last_card_not_present`,
  CAST(amount_usd AS DOUBLE) AS `merchant_last_txn_usd`,
  CAST(`amount_usd` AS DOUBLE) AS `_in_amount_usd`,
  CAST(`user_id` AS STRING) AS `_in_user_id`,
  CAST(`country` AS STRING) AS `_in_country`
FROM `events`;

EXECUTE STATEMENT SET
BEGIN
INSERT INTO `online_rows`
SELECT `merchant_id`, `_event_ms`, `_seq`, `merchant_last_channel`, `merchant_last_card_not_present`, `merchant_last_txn_usd`
FROM `projected`;
INSERT INTO `online_tiles`
SELECT `merchant_id`,
  `_tile_res`,
  `_tile_start`,
  MAX(`_event_ms`) AS `_max_event_ms`,
  QUIVER_TILES('count|*|0|INT64;sum|amount_usd|0|FLOAT64;avg|amount_usd|0|FLOAT64;stddev|amount_usd|0|FLOAT64;max|amount_usd|0|FLOAT64;count_distinct|user_id|0|INT64;count_distinct|country|0|INT64;last_n|amount_usd|10|ARRAY<FLOAT64>;first|country|0|STRING', `_event_ms`, `_seq`, 1, CAST(`_in_amount_usd` AS DOUBLE), CAST(`_in_amount_usd` AS DOUBLE), CAST(`_in_amount_usd` AS DOUBLE), CAST(`_in_amount_usd` AS DOUBLE), `_in_user_id`, `_in_country`, CAST(`_in_amount_usd` AS DOUBLE), CAST(`_in_country` AS STRING)) AS `_tiles`
FROM (
  SELECT `merchant_id`, `_event_ms`, `_seq`, `_in_amount_usd`, `_in_user_id`, `_in_country`, CAST(300000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 300000) AS `_tile_start` FROM `projected`
  UNION ALL
  SELECT `merchant_id`, `_event_ms`, `_seq`, `_in_amount_usd`, `_in_user_id`, `_in_country`, CAST(3600000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 3600000) AS `_tile_start` FROM `projected`
  UNION ALL
  SELECT `merchant_id`, `_event_ms`, `_seq`, `_in_amount_usd`, `_in_user_id`, `_in_country`, CAST(86400000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 86400000) AS `_tile_start` FROM `projected`
)
GROUP BY `merchant_id`, `_tile_res`, `_tile_start`;
INSERT INTO `quiver_offline`.`default`.`merchant_risk_v1`
SELECT `merchant_id`, `_event_time` AS `event_time`, `merchant_last_channel`, `merchant_last_card_not_present`, `merchant_last_txn_usd`, `_in_amount_usd`, `_in_user_id`, `_in_country`, `_seq`, `_ingested_at`
FROM `projected`;
END;
