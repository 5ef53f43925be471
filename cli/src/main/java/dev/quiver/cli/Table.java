package dev.quiver.cli;

import java.io.PrintWriter;
import java.util.List;

/** Left-aligned plain-text columns, two spaces apart. */
final class Table {
  private Table() {}

  static void print(PrintWriter out, List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] row : rows) {
      for (int i = 0; i < cols; i++) {
        width[i] = Math.max(width[i], row[i] == null ? 0 : row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        String cell = row[i] == null ? "" : row[i];
        sb.append(cell);
        if (i < cols - 1) {
          sb.append(" ".repeat(width[i] - cell.length() + 2));
        }
      }
      out.println(sb.toString().stripTrailing());
    }
  }
}
