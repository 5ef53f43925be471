package dev.quiver.catalog;

import java.util.List;
import org.apache.flink.table.catalog.AbstractCatalog;
import org.apache.flink.table.catalog.CatalogFunction;
import org.apache.flink.table.catalog.CatalogPartition;
import org.apache.flink.table.catalog.CatalogPartitionSpec;
import org.apache.flink.table.catalog.ObjectPath;
import org.apache.flink.table.catalog.exceptions.CatalogException;
import org.apache.flink.table.catalog.exceptions.FunctionNotExistException;
import org.apache.flink.table.catalog.exceptions.PartitionNotExistException;
import org.apache.flink.table.catalog.exceptions.TableNotPartitionedException;
import org.apache.flink.table.catalog.stats.CatalogColumnStatistics;
import org.apache.flink.table.catalog.stats.CatalogTableStatistics;
import org.apache.flink.table.expressions.Expression;

/**
 * What a feature-view catalog does not have: SQL views, functions, partitions and statistics. Reads
 * answer "none"; writes fail with a message that says where the thing belongs instead. Kept apart
 * so that {@link QuiverCatalog} holds only the registry mapping.
 */
abstract class FeatureViewCatalogBase extends AbstractCatalog {

  FeatureViewCatalogBase(String name, String defaultDatabase) {
    super(name, defaultDatabase);
  }

  private static CatalogException unsupported(String what, String instead) {
    return new CatalogException(what + " is not supported by the Quiver catalog; " + instead);
  }

  // ---- SQL views: feature views are tables here; a SQL view belongs in another catalog.

  @Override
  public List<String> listViews(String databaseName) {
    return List.of();
  }

  // ---- functions

  @Override
  public List<String> listFunctions(String dbName) {
    return List.of();
  }

  @Override
  public CatalogFunction getFunction(ObjectPath functionPath) throws FunctionNotExistException {
    throw new FunctionNotExistException(getName(), functionPath);
  }

  @Override
  public boolean functionExists(ObjectPath functionPath) {
    return false;
  }

  @Override
  public void createFunction(ObjectPath path, CatalogFunction function, boolean ignoreIfExists) {
    throw unsupported(
        "CREATE FUNCTION",
        "register functions in the default_catalog or as CREATE TEMPORARY SYSTEM FUNCTION");
  }

  @Override
  public void alterFunction(ObjectPath path, CatalogFunction function, boolean ignoreIfNotExists) {
    throw unsupported("ALTER FUNCTION", "the catalog holds no functions");
  }

  @Override
  public void dropFunction(ObjectPath path, boolean ignoreIfNotExists)
      throws FunctionNotExistException {
    if (!ignoreIfNotExists) {
      throw new FunctionNotExistException(getName(), path);
    }
  }

  // ---- partitions: feature view tables are not partitioned.

  @Override
  public List<CatalogPartitionSpec> listPartitions(ObjectPath tablePath)
      throws TableNotPartitionedException {
    throw new TableNotPartitionedException(getName(), tablePath);
  }

  @Override
  public List<CatalogPartitionSpec> listPartitions(
      ObjectPath tablePath, CatalogPartitionSpec partitionSpec)
      throws TableNotPartitionedException {
    throw new TableNotPartitionedException(getName(), tablePath);
  }

  @Override
  public List<CatalogPartitionSpec> listPartitionsByFilter(
      ObjectPath tablePath, List<Expression> filters) throws TableNotPartitionedException {
    throw new TableNotPartitionedException(getName(), tablePath);
  }

  @Override
  public CatalogPartition getPartition(ObjectPath tablePath, CatalogPartitionSpec spec)
      throws PartitionNotExistException {
    throw new PartitionNotExistException(getName(), tablePath, spec);
  }

  @Override
  public boolean partitionExists(ObjectPath tablePath, CatalogPartitionSpec spec) {
    return false;
  }

  @Override
  public void createPartition(
      ObjectPath tablePath,
      CatalogPartitionSpec spec,
      CatalogPartition partition,
      boolean ignoreIfExists)
      throws TableNotPartitionedException {
    throw new TableNotPartitionedException(getName(), tablePath);
  }

  @Override
  public void dropPartition(ObjectPath tablePath, CatalogPartitionSpec spec, boolean ignore)
      throws PartitionNotExistException {
    throw new PartitionNotExistException(getName(), tablePath, spec);
  }

  @Override
  public void alterPartition(
      ObjectPath tablePath,
      CatalogPartitionSpec spec,
      CatalogPartition newPartition,
      boolean ignoreIfNotExists)
      throws PartitionNotExistException {
    throw new PartitionNotExistException(getName(), tablePath, spec);
  }

  // ---- statistics: unknown; the planner then uses its defaults.

  @Override
  public CatalogTableStatistics getTableStatistics(ObjectPath tablePath) {
    return CatalogTableStatistics.UNKNOWN;
  }

  @Override
  public CatalogColumnStatistics getTableColumnStatistics(ObjectPath tablePath) {
    return CatalogColumnStatistics.UNKNOWN;
  }

  @Override
  public CatalogTableStatistics getPartitionStatistics(
      ObjectPath tablePath, CatalogPartitionSpec spec) {
    return CatalogTableStatistics.UNKNOWN;
  }

  @Override
  public CatalogColumnStatistics getPartitionColumnStatistics(
      ObjectPath tablePath, CatalogPartitionSpec spec) {
    return CatalogColumnStatistics.UNKNOWN;
  }

  @Override
  public void alterTableStatistics(
      ObjectPath tablePath, CatalogTableStatistics stats, boolean ignoreIfNotExists) {
    throw unsupported("ANALYZE TABLE", "feature view statistics are not stored");
  }

  @Override
  public void alterTableColumnStatistics(
      ObjectPath tablePath, CatalogColumnStatistics stats, boolean ignoreIfNotExists) {
    throw unsupported("ANALYZE TABLE", "feature view statistics are not stored");
  }

  @Override
  public void alterPartitionStatistics(
      ObjectPath tablePath,
      CatalogPartitionSpec spec,
      CatalogTableStatistics stats,
      boolean ignoreIfNotExists) {
    throw unsupported("ANALYZE TABLE", "feature view statistics are not stored");
  }

  @Override
  public void alterPartitionColumnStatistics(
      ObjectPath tablePath,
      CatalogPartitionSpec spec,
      CatalogColumnStatistics stats,
      boolean ignoreIfNotExists) {
    throw unsupported("ANALYZE TABLE", "feature view statistics are not stored");
  }
}
