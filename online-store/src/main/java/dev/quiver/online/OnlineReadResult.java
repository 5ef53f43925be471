package dev.quiver.online;

import java.util.Map;

/**
 * The answer to one {@link OnlineRead}: the cells found (qualifier → newest version in range;
 * absent qualifiers were not found), or the failure of that key alone.
 *
 * @param cells never null; empty when nothing matched or on error
 * @param error null on success
 */
public record OnlineReadResult(Map<String, OnlineCell> cells, Throwable error) {
  public OnlineReadResult {
    cells = cells == null ? Map.of() : cells;
  }

  public static OnlineReadResult found(Map<String, OnlineCell> cells) {
    return new OnlineReadResult(cells, null);
  }

  public static OnlineReadResult failed(Throwable error) {
    return new OnlineReadResult(Map.of(), error);
  }

  public boolean ok() {
    return error == null;
  }
}
