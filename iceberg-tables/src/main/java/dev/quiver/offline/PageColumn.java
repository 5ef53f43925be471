package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.apache.iceberg.shaded.org.apache.parquet.bytes.BytesInput;
import org.apache.iceberg.shaded.org.apache.parquet.column.ColumnDescriptor;
import org.apache.iceberg.shaded.org.apache.parquet.column.Encoding;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.DataPage;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.DataPageV1;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.DataPageV2;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.DictionaryPage;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.PageReader;
import org.apache.iceberg.shaded.org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * One flat column chunk of a Parquet row group, decoded page by page straight into primitive arrays
 * ({@link #fill} hands over the next rows' values). Decodes what Iceberg's (and most) writers
 * produce for flat columns: data pages v1 and v2, RLE definition levels, PLAIN values and
 * dictionary ids (PLAIN_DICTIONARY / RLE_DICTIONARY) over a PLAIN dictionary page, for BINARY,
 * INT64, INT32, DOUBLE, FLOAT and BOOLEAN. A dictionary is decoded once per chunk. Anything else
 * throws {@link EventColumns.Unsupported} from the page that uses it (callers check the chunk's
 * encodings in the footer first, see {@link #decodable}).
 *
 * <p>Not thread-safe: one instance per column chunk read.
 */
final class PageColumn {
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private final PageReader pages;
  private final PrimitiveTypeName physical;
  private final int maxDef;
  private final int defWidth;

  // the dictionary, decoded once
  private long[] dictLongs;
  private byte[] dictBytes;
  private int[] dictOff;
  private int[] dictLen;

  // the current page: one entry per level (nulls included), values at defined entries only
  private int pageCount;
  private int pagePos;
  private int[] defs = new int[0];
  private long[] pageLongs = new long[0];
  private byte[] pageSrc;
  private int[] pageOff = new int[0];
  private int[] pageLen = new int[0];
  private int[] ids = new int[0];

  // the rows handed over by fill
  boolean[] present;
  long[] longs;
  byte[][] src;
  int[] off;
  int[] len;

  PageColumn(ColumnDescriptor d, PageReader pages, int chunkRows) {
    this.pages = pages;
    this.physical = d.getPrimitiveType().getPrimitiveTypeName();
    this.maxDef = d.getMaxDefinitionLevel();
    this.defWidth = 32 - Integer.numberOfLeadingZeros(maxDef);
    if (d.getMaxRepetitionLevel() != 0) {
      throw new EventColumns.Unsupported("column " + d + " is repeated");
    }
    present = new boolean[chunkRows];
    if (physical == PrimitiveTypeName.BINARY) {
      src = new byte[chunkRows][];
      off = new int[chunkRows];
      len = new int[chunkRows];
    } else {
      longs = new long[chunkRows];
    }
    DictionaryPage dict = pages.readDictionaryPage();
    if (dict != null) {
      readDictionary(dict);
    }
  }

  /** True when every encoding of a column chunk (from the footer) is one this class decodes. */
  static boolean decodable(Iterable<Encoding> encodings) {
    for (Encoding e : encodings) {
      switch (e) {
        case PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY, RLE, BIT_PACKED -> {}
        default -> {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Decodes the next {@code n} rows into {@link #present} and {@link #longs} (INT64 as is, INT32
   * sign-extended, DOUBLE and FLOAT as their raw bits, BOOLEAN as 0 or 1) or, for BINARY, {@link
   * #src}/{@link #off}/{@link #len} (views into a page or the dictionary, valid until the next
   * fill).
   */
  void fill(int n) {
    int done = 0;
    while (done < n) {
      if (pagePos == pageCount) {
        nextPage();
      }
      int take = Math.min(n - done, pageCount - pagePos);
      for (int i = 0; i < take; i++) {
        int p = pagePos + i;
        boolean def = defs[p] == maxDef;
        present[done + i] = def;
        if (src != null) {
          src[done + i] = pageSrc;
          off[done + i] = pageOff[p];
          len[done + i] = pageLen[p];
        } else {
          longs[done + i] = pageLongs[p];
        }
      }
      pagePos += take;
      done += take;
    }
  }

  private void nextPage() {
    DataPage page = pages.readPage();
    if (page == null) {
      throw new IllegalStateException("column chunk ended before the row group's row count");
    }
    int count = page.getValueCount();
    pageCount = count;
    pagePos = 0;
    if (defs.length < count) {
      int cap = Math.max(count, defs.length * 2);
      defs = new int[cap];
      ids = new int[cap];
      if (src != null) {
        pageOff = new int[cap];
        pageLen = new int[cap];
      } else {
        pageLongs = new long[cap];
      }
    }
    try {
      byte[] buf;
      int pos;
      Encoding values;
      if (page instanceof DataPageV1 v1) {
        buf = v1.getBytes().toByteArray();
        pos = 0;
        if (maxDef > 0) {
          if (v1.getDlEncoding() != Encoding.RLE) {
            throw new EventColumns.Unsupported("definition levels " + v1.getDlEncoding());
          }
          int length = (int) INT_LE.get(buf, pos);
          HybridRle.decode(buf, pos + 4, pos + 4 + length, defWidth, defs, count);
          pos += 4 + length;
        }
        values = v1.getValueEncoding();
      } else if (page instanceof DataPageV2 v2) {
        if (maxDef > 0) {
          byte[] levels = v2.getDefinitionLevels().toByteArray();
          HybridRle.decode(levels, 0, levels.length, defWidth, defs, count);
        }
        buf = v2.getData().toByteArray();
        pos = 0;
        values = v2.getDataEncoding();
      } else {
        throw new EventColumns.Unsupported("page " + page.getClass().getSimpleName());
      }
      if (maxDef == 0) {
        java.util.Arrays.fill(defs, 0, count, 0);
      }
      int defined = 0;
      for (int i = 0; i < count; i++) {
        if (defs[i] == maxDef) {
          defined++;
        }
      }
      switch (values) {
        case PLAIN -> plain(buf, pos, count, defined);
        case PLAIN_DICTIONARY, RLE_DICTIONARY -> dictionaryIds(buf, pos, count, defined);
        default -> throw new EventColumns.Unsupported("values encoded " + values);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading a Parquet page", e);
    }
  }

  /** PLAIN values of the defined entries, spread over the page's entries. */
  private void plain(byte[] buf, int pos, int count, int defined) {
    boolean dense = defined == count;
    int bit = 0;
    for (int i = 0; i < count; i++) {
      if (!dense && defs[i] != maxDef) {
        continue;
      }
      switch (physical) {
        case INT64, DOUBLE -> {
          pageLongs[i] = (long) LONG_LE.get(buf, pos);
          pos += 8;
        }
        case INT32, FLOAT -> {
          int v = (int) INT_LE.get(buf, pos);
          pageLongs[i] = physical == PrimitiveTypeName.INT32 ? v : v & 0xffffffffL;
          pos += 4;
        }
        case BOOLEAN -> {
          pageLongs[i] = (buf[pos + (bit >>> 3)] >>> (bit & 7)) & 1;
          bit++;
        }
        case BINARY -> {
          int l = (int) INT_LE.get(buf, pos);
          pageOff[i] = pos + 4;
          pageLen[i] = l;
          pos += 4 + l;
        }
        default -> throw new EventColumns.Unsupported("physical type " + physical);
      }
    }
    pageSrc = buf;
  }

  private void dictionaryIds(byte[] buf, int pos, int count, int defined) {
    if (dictOff == null && dictLongs == null) {
      throw new IllegalStateException("dictionary-encoded page without a dictionary page");
    }
    int width = buf[pos] & 0xff;
    HybridRle.decode(buf, pos + 1, buf.length, width, ids, defined);
    int k = 0;
    for (int i = 0; i < count; i++) {
      if (defs[i] != maxDef) {
        continue;
      }
      int id = ids[k++];
      if (src != null) {
        pageOff[i] = dictOff[id];
        pageLen[i] = dictLen[id];
      } else {
        pageLongs[i] = dictLongs[id];
      }
    }
    pageSrc = dictBytes;
  }

  private void readDictionary(DictionaryPage dict) {
    if (dict.getEncoding() != Encoding.PLAIN && dict.getEncoding() != Encoding.PLAIN_DICTIONARY) {
      throw new EventColumns.Unsupported("dictionary encoded " + dict.getEncoding());
    }
    byte[] buf;
    try {
      buf = BytesInput.copy(dict.getBytes()).toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("reading a Parquet dictionary page", e);
    }
    int size = dict.getDictionarySize();
    int pos = 0;
    if (physical == PrimitiveTypeName.BINARY) {
      dictBytes = buf;
      dictOff = new int[size];
      dictLen = new int[size];
      for (int i = 0; i < size; i++) {
        int l = (int) INT_LE.get(buf, pos);
        dictOff[i] = pos + 4;
        dictLen[i] = l;
        pos += 4 + l;
      }
    } else {
      dictLongs = new long[size];
      for (int i = 0; i < size; i++) {
        switch (physical) {
          case INT64, DOUBLE -> {
            dictLongs[i] = (long) LONG_LE.get(buf, pos);
            pos += 8;
          }
          case INT32, FLOAT -> {
            int v = (int) INT_LE.get(buf, pos);
            dictLongs[i] = physical == PrimitiveTypeName.INT32 ? v : v & 0xffffffffL;
            pos += 4;
          }
          default -> throw new EventColumns.Unsupported("dictionary of " + physical);
        }
      }
    }
  }
}
