-- Quiver materialization of default.user_activity_metrics:v3
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
--  `_event_time` TIMESTAMP(3) NOT NULL,
--  `_event_ms` BIGINT NOT NULL,
--  `_seq` BIGINT NOT NULL,
--  `_partition` INT NOT NULL,
--  `_ingested_at` TIMESTAMP_LTZ(3) NOT NULL,
--  `_proc` AS PROCTIME()
-- ) WITH (...);
-- (`_event_time` as TIMESTAMP(3), UTC wall time: batch group windows take a TIMESTAMP.)
-- The offline table exists once quiver materialize or quiver backfill has run
-- (its day partitioning has no Flink DDL). With `events` defined, this text runs as is
-- in quiver sql (batch mode).

SET 'table.local-time-zone' = 'UTC';

CREATE TEMPORARY TABLE `online_rows` (
  `user_id` STRING,
  `_event_ms` BIGINT,
  `_seq` BIGINT,
  `user_7d_txn_count` BIGINT,
  `user_total_spend_usd` DOUBLE
) WITH (
  'connector' = 'quiver-online',
  'view' = 'default.user_activity_metrics',
  'version' = '3',
  'kind' = 'rows',
  'key-columns' = 'user_id:STRING',
  'features' = 'user_7d_txn_count:INT64;user_total_spend_usd:FLOAT64',
  'ttl-ms' = '604800000',
  'tile-size-ms' = '300000',
  'store.online.type' = 'embedded'
);

CREATE CATALOG IF NOT EXISTS `quiver_offline` WITH (
  'type' = 'iceberg',
  'catalog-type' = 'hadoop',
  'warehouse' = 'file:/tmp/w'
);

CREATE TEMPORARY VIEW `projected` AS
-- from transformations[0] of default.user_activity_metrics: one row per entity and closed INTERVAL '1' DAY window, at the window's end
-- (run with table.local-time-zone = UTC)
SELECT
  CAST(user_id AS STRING) AS `user_id`,
  TO_TIMESTAMP_LTZ((MAX(`transactions`.`_event_ms`) - MOD(MAX(`transactions`.`_event_ms`), 86400000) + 86400000), 3) AS `_event_time`,
  (MAX(`transactions`.`_event_ms`) - MOD(MAX(`transactions`.`_event_ms`), 86400000) + 86400000) AS `_event_ms`,
  MAX(`transactions`.`_seq`) AS `_seq`,
  MAX(`transactions`.`_ingested_at`) AS `_ingested_at`,
  CAST(COUNT(*) FILTER (WHERE event_time >= CURRENT_TIMESTAMP - INTERVAL '7' DAY) AS BIGINT) AS `user_7d_txn_count`,
  CAST(SUM(amount_usd) AS DOUBLE) AS `user_total_spend_usd`
FROM `events` AS `transactions`
GROUP BY user_id, TUMBLE(`transactions`.`_event_time`, INTERVAL '1' DAY);

EXECUTE STATEMENT SET
BEGIN
INSERT INTO `online_rows`
SELECT `user_id`, `_event_ms`, `_seq`, `user_7d_txn_count`, `user_total_spend_usd`
FROM `projected`;
INSERT INTO `quiver_offline`.`default`.`user_activity_metrics_v3`
SELECT `user_id`, `_event_time` AS `event_time`, `user_7d_txn_count`, `user_total_spend_usd`, `_seq`, `_ingested_at`
FROM `projected`;
END;
