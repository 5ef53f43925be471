package dev.quiver.online;

/** A read or write named a view table that {@link OnlineStore#ensureTable} never created. */
public class UnknownTableException extends OnlineStoreException {
  private final ViewTableId table;

  public UnknownTableException(ViewTableId table) {
    super(
        "unknown online table "
            + table.familyName()
            + " (create it with ensureTable, e.g. by materializing the view)");
    this.table = table;
  }

  public ViewTableId table() {
    return table;
  }
}
