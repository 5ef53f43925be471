-- Quiver feature registry schema. ONE set of migrations for both backends: PostgreSQL and the
-- embedded H2 database (MODE=PostgreSQL). Portable SQL only: ids are UUID text (VARCHAR(36)),
-- JSON documents are unbounded VARCHAR (TEXT in PostgreSQL; H2 would make TEXT a CLOB),
-- timestamps are TIMESTAMP WITH TIME ZONE, identity columns use the SQL standard syntax.

CREATE TABLE namespaces (
  name        VARCHAR(128) NOT NULL PRIMARY KEY,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE entities (
  id           VARCHAR(36)  NOT NULL PRIMARY KEY,
  namespace    VARCHAR(128) NOT NULL REFERENCES namespaces (name),
  name         VARCHAR(256) NOT NULL,
  join_keys    VARCHAR      NOT NULL,  -- JSON [{"name","type"}]
  description  VARCHAR      NOT NULL,
  owner        VARCHAR(256) NOT NULL,
  spec         VARCHAR      NOT NULL,  -- JSON of the Entity record
  created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_by   VARCHAR(256) NOT NULL,
  CONSTRAINT uq_entities_name UNIQUE (namespace, name)
);

CREATE TABLE sources (
  id               VARCHAR(36)  NOT NULL PRIMARY KEY,
  namespace        VARCHAR(128) NOT NULL REFERENCES namespaces (name),
  name             VARCHAR(256) NOT NULL,
  kind             VARCHAR(32)  NOT NULL,
  event_time_field VARCHAR(256) NOT NULL,
  spec             VARCHAR      NOT NULL,  -- JSON of the Source record
  spec_checksum    VARCHAR(64)  NOT NULL,
  created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at       TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_by       VARCHAR(256) NOT NULL,
  CONSTRAINT uq_sources_name UNIQUE (namespace, name)
);

-- The optimistic lock: one row per view name. Every write to the view (new version, status change)
-- runs UPDATE ... SET seq = seq + 1 WHERE seq = <the seq it read> in the same transaction.
CREATE TABLE view_heads (
  namespace   VARCHAR(128) NOT NULL REFERENCES namespaces (name),
  name        VARCHAR(256) NOT NULL,
  seq         BIGINT       NOT NULL,
  updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (namespace, name)
);

-- One row per version (major.revision) of a feature view.
CREATE TABLE feature_views (
  id            VARCHAR(36)  NOT NULL PRIMARY KEY,
  namespace     VARCHAR(128) NOT NULL,
  name          VARCHAR(256) NOT NULL,
  major         INTEGER      NOT NULL,
  revision      INTEGER      NOT NULL,
  status        VARCHAR(16)  NOT NULL,
  owner         VARCHAR(256) NOT NULL,
  description   VARCHAR      NOT NULL,
  tags          VARCHAR      NOT NULL,  -- JSON object, also exploded into view_tags for filtering
  search_text   VARCHAR      NOT NULL,  -- lower-case name, description and feature names
  spec          VARCHAR      NOT NULL,  -- JSON of the FeatureView record
  spec_checksum VARCHAR(64)  NOT NULL,
  sunset_at     TIMESTAMP WITH TIME ZONE,
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  created_by    VARCHAR(256) NOT NULL,
  CONSTRAINT uq_feature_views_version UNIQUE (namespace, name, major, revision),
  CONSTRAINT fk_feature_views_head FOREIGN KEY (namespace, name) REFERENCES view_heads (namespace, name)
);
CREATE INDEX ix_feature_views_status ON feature_views (status, namespace, name);
CREATE INDEX ix_feature_views_owner ON feature_views (owner);

CREATE TABLE features (
  view_id      VARCHAR(36)  NOT NULL REFERENCES feature_views (id),
  ordinal      INTEGER      NOT NULL,
  name         VARCHAR(256) NOT NULL,
  dtype        VARCHAR(64)  NOT NULL,
  description  VARCHAR      NOT NULL,
  expression   VARCHAR,
  aggregation  VARCHAR,  -- JSON {"column","function","window","n"} or null for row features
  PRIMARY KEY (view_id, name)
);

CREATE TABLE view_tags (
  view_id    VARCHAR(36)  NOT NULL REFERENCES feature_views (id),
  tag_key    VARCHAR(256) NOT NULL,
  tag_value  VARCHAR      NOT NULL,
  PRIMARY KEY (view_id, tag_key)
);
CREATE INDEX ix_view_tags_key ON view_tags (tag_key);

CREATE TABLE transformations (
  view_id   VARCHAR(36) NOT NULL REFERENCES feature_views (id),
  ordinal   INTEGER     NOT NULL,
  language  VARCHAR(32) NOT NULL,
  code      VARCHAR     NOT NULL,
  checksum  VARCHAR(64) NOT NULL,  -- whitespace-insensitive SHA-256 (Transformation.checksum)
  PRIMARY KEY (view_id, ordinal)
);

-- Upstream lineage of each version. Downstream lineage is feature_service_refs.
CREATE TABLE lineage (
  view_id        VARCHAR(36)  NOT NULL REFERENCES feature_views (id),
  ordinal        INTEGER      NOT NULL,
  upstream_kind  VARCHAR(32)  NOT NULL,
  upstream_name  VARCHAR(512) NOT NULL,
  detail         VARCHAR      NOT NULL,  -- JSON, e.g. {"kind":"kafka","topic":"transactions"}
  created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (view_id, ordinal)
);

CREATE TABLE feature_services (
  id           VARCHAR(36)  NOT NULL PRIMARY KEY,
  namespace    VARCHAR(128) NOT NULL REFERENCES namespaces (name),
  name         VARCHAR(256) NOT NULL,
  owner        VARCHAR(256) NOT NULL,
  description  VARCHAR      NOT NULL,
  spec         VARCHAR      NOT NULL,  -- JSON of the FeatureService record
  created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_by   VARCHAR(256) NOT NULL,
  CONSTRAINT uq_feature_services_name UNIQUE (namespace, name)
);

CREATE TABLE feature_service_refs (
  service_id      VARCHAR(36)  NOT NULL REFERENCES feature_services (id),
  ordinal         INTEGER      NOT NULL,
  view_namespace  VARCHAR(128) NOT NULL,
  view_name       VARCHAR(256) NOT NULL,
  version_ref     VARCHAR(32),  -- null = latest ACTIVE
  feature         VARCHAR(256) NOT NULL,
  PRIMARY KEY (service_id, ordinal)
);
CREATE INDEX ix_feature_service_refs_view ON feature_service_refs (view_namespace, view_name);

CREATE TABLE audit_log (
  id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  occurred_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  actor        VARCHAR(256) NOT NULL,
  action       VARCHAR(32)  NOT NULL,
  object_kind  VARCHAR(32)  NOT NULL,
  namespace    VARCHAR(128),
  name         VARCHAR(256),
  version      VARCHAR(32),
  detail       VARCHAR      NOT NULL  -- JSON
);
CREATE INDEX ix_audit_log_object ON audit_log (namespace, name, id);
