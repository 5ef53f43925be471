package dev.quiver.serving;

import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.encoding.StreamDecoder;
import com.linecorp.armeria.common.encoding.StreamDecoderFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.compression.JdkZlibDecoder;
import io.netty.handler.codec.compression.ZlibWrapper;
import java.util.ArrayList;
import java.util.List;

/**
 * The gzip and deflate request-body decoders of the server's {@code DecodingService}: Armeria's
 * (Netty's {@link JdkZlibDecoder} fed through an {@link EmbeddedChannel}, the decoded body held to
 * {@code server.max-request-length}), plus the one check they lack: a body must end where its
 * compressed stream ends. Armeria's decoder passed on whatever a truncated stream inflated to, a
 * prefix of the JSON, which was answered "malformed JSON: Unexpected end-of-input" (or, with only
 * the gzip trailer cut, read as if whole). A stream cut short, or bytes that are no such stream, is
 * a {@link BodyDecodingException} naming the coding, which {@link ApiErrors} answers 400. A gzip
 * body may hold several members one after the other (RFC 1952), each decoded in turn, as before.
 */
final class RequestBodyDecoder implements StreamDecoder {
  static final StreamDecoderFactory GZIP = factory("gzip", ZlibWrapper.GZIP);
  static final StreamDecoderFactory DEFLATE = factory("deflate", ZlibWrapper.ZLIB_OR_NONE);

  private final String coding;
  private final ZlibWrapper wrapper;
  private final int maxLength;
  private final EmbeddedChannel channel;
  private Member member;
  private boolean input;
  private long decodedLength;
  private boolean tooLarge;

  private RequestBodyDecoder(
      String coding, ZlibWrapper wrapper, ByteBufAllocator alloc, int maxLength) {
    this.coding = coding;
    this.wrapper = wrapper;
    this.maxLength = maxLength;
    this.member = new Member();
    this.channel = new EmbeddedChannel(false, member);
    channel.config().setAllocator(alloc);
  }

  private static StreamDecoderFactory factory(String coding, ZlibWrapper wrapper) {
    return new StreamDecoderFactory() {
      @Override
      public String encodingHeaderValue() {
        return coding;
      }

      @Override
      public StreamDecoder newDecoder(ByteBufAllocator alloc, int maxLength) {
        return new RequestBodyDecoder(coding, wrapper, alloc, maxLength);
      }
    };
  }

  @Override
  public HttpData decode(HttpData data) {
    input |= !data.isEmpty();
    write(data.byteBuf());
    return output();
  }

  @Override
  public HttpData finish() {
    if (tooLarge) {
      // called again as the request fails (Armeria closes the decoder on error): the 413 stands
      channel.finishAndReleaseAll();
      return HttpData.empty();
    }
    channel.finish();
    HttpData last = output();
    // no bytes at all (a GET that declares a coding) is an empty body, as before, not a cut one
    if (input && !member.isClosed()) {
      last.close();
      throw new BodyDecodingException(
          coding, "the body ended before its " + coding + " stream did: it is truncated");
    }
    return last;
  }

  @Override
  public int maxLength() {
    return maxLength;
  }

  private void write(ByteBuf in) {
    try {
      channel.writeInbound(in);
      // a gzip member ended and more bytes followed: the next member, in a fresh decoder
      while (member.next != null) {
        ByteBuf rest = member.next;
        Member ended = member;
        member = new Member();
        channel.pipeline().replace(ended, null, member);
        channel.writeInbound(rest);
      }
    } catch (DecompressionException e) {
      String message = e.getMessage();
      if (message != null && message.startsWith("Decompression buffer has reached maximum size:")) {
        throw ContentTooLargeException.builder().maxContentLength(maxLength).cause(e).build();
      }
      throw new BodyDecodingException(coding, message == null ? e.toString() : message);
    }
  }

  /**
   * The bytes decoded since the last call, as one piece. The limit holds for the whole decoded
   * body: Netty's decoder bounds only what one {@code decode} call inflates, and each gzip member
   * has its own decoder, so a body sent in several network chunks, or as several members, each
   * under the limit, was decoded in full (and pieces of one call merged past the limit failed as a
   * 500).
   */
  private HttpData output() {
    List<ByteBuf> bufs = new ArrayList<>();
    long length = 0;
    for (ByteBuf buf; (buf = channel.readInbound()) != null; ) {
      if (buf.isReadable()) {
        bufs.add(buf);
        length += buf.readableBytes();
      } else {
        buf.release();
      }
    }
    decodedLength += length;
    if (decodedLength > maxLength) {
      tooLarge = true;
      bufs.forEach(ByteBuf::release);
      throw ContentTooLargeException.builder()
          .maxContentLength(maxLength)
          .transferred(decodedLength)
          .build();
    }
    if (bufs.isEmpty()) {
      return HttpData.empty();
    }
    if (bufs.size() == 1) {
      return HttpData.wrap(bufs.get(0));
    }
    ByteBuf decoded = channel.alloc().buffer((int) length);
    try {
      for (ByteBuf buf : bufs) {
        decoded.writeBytes(buf);
      }
    } finally {
      bufs.forEach(ByteBuf::release);
    }
    return HttpData.wrap(decoded);
  }

  /**
   * One compressed stream. Netty's decoder, once its stream has ended, drops the bytes after it
   * silently; they are kept instead, for the next gzip member (or, after a deflate stream, dropped
   * as Armeria's decoder did).
   */
  private final class Member extends JdkZlibDecoder {
    ByteBuf next;

    Member() {
      super(wrapper, false, maxLength);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
        throws Exception {
      if (isClosed() && in.isReadable()) {
        if (wrapper == ZlibWrapper.GZIP) {
          next = in.readRetainedSlice(in.readableBytes());
        } else {
          in.skipBytes(in.readableBytes());
        }
        return;
      }
      super.decode(ctx, in, out);
    }
  }

  /** A request body that is not the complete compressed stream its content-encoding says. */
  static final class BodyDecodingException extends DecompressionException {
    private final String coding;

    BodyDecodingException(String coding, String message) {
      super(message);
      this.coding = coding;
    }

    /** The content-encoding the body did not match: {@code gzip} or {@code deflate}. */
    String coding() {
      return coding;
    }
  }
}
