-- Quiver materialization of default.user_session_history:v1
-- `events` holds the accepted events. The source 'sessions' (kind iceberg) is a table, not a stream:
-- no streaming job; quiver backfill user_session_history --from A --to B runs this SQL over its history.
-- Batch (backfill): a bounded table with these columns:
-- CREATE TABLE `events` (
--  `session_id` STRING,
--  `user_id` STRING,
--  `device` STRING,
--  `country` STRING,
--  `page_count` INT,
--  `duration_s` BIGINT,
--  `purchases` INT,
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
  CAST(`duration_s` AS BIGINT) AS `_in_duration_s`,
  CAST(`purchases` AS INT) AS `_in_purchases`
FROM `events`;

EXECUTE STATEMENT SET
BEGIN
INSERT INTO `quiver_offline`.`default`.`user_session_history_v1`
SELECT `user_id`, `_event_time` AS `event_time`, `_in_duration_s`, `_in_purchases`, `_seq`, `_ingested_at`
FROM `projected`;
END;
