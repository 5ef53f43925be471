package dev.quiver.offline;

import com.github.luben.zstd.ZstdDecompressCtx;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.iceberg.shaded.org.apache.parquet.bytes.BytesInput;
import org.apache.iceberg.shaded.org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The codecs {@link ParquetPages} reads pages with: parquet-mr's, except that a zstd page (the
 * codec of Quiver's own tables) is decompressed in one call into an array of the page's size, with
 * one reused context. parquet-mr's zstd path decompresses through a stream into a growing buffer
 * and copies that out ({@code BytesInput.copy}), with a new stream per page: reading the bench's
 * event pages cost ~10% more thread CPU that way (session 18). The bytes are the same. Not
 * thread-safe (one per reader, as parquet-mr's).
 */
final class PageCodecs implements CompressionCodecFactory {
  private final CompressionCodecFactory base;
  private Zstd zstd;

  PageCodecs(CompressionCodecFactory base) {
    this.base = base;
  }

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return base.getCompressor(codec);
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    if (codec != CompressionCodecName.ZSTD) {
      return base.getDecompressor(codec);
    }
    if (zstd == null) {
      zstd = new Zstd(base);
    }
    return zstd;
  }

  @Override
  public void release() {
    if (zstd != null) {
      zstd.release();
      zstd = null;
    }
    base.release();
  }

  private static final class Zstd implements BytesInputDecompressor {
    private final CompressionCodecFactory base;
    private final ZstdDecompressCtx ctx = new ZstdDecompressCtx();

    Zstd(CompressionCodecFactory base) {
      this.base = base;
    }

    @Override
    public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
      ByteBuffer in = bytes.toByteBuffer();
      int len = in.remaining();
      byte[] src;
      int off;
      if (in.hasArray()) {
        src = in.array();
        off = in.arrayOffset() + in.position();
      } else {
        src = new byte[len];
        in.duplicate().get(src);
        off = 0;
      }
      byte[] out = new byte[uncompressedSize];
      int n = ctx.decompressByteArray(out, 0, uncompressedSize, src, off, len);
      if (n != uncompressedSize) {
        throw new IOException(
            "a zstd page decompressed to " + n + " bytes, its header says " + uncompressedSize);
      }
      return BytesInput.from(out);
    }

    @Override
    public void decompress(
        ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
        throws IOException {
      // buffers (off-heap reads, not ParquetPages'): parquet-mr's own
      base.getDecompressor(CompressionCodecName.ZSTD)
          .decompress(input, compressedSize, output, uncompressedSize);
    }

    @Override
    public void release() {
      ctx.close();
    }
  }
}
