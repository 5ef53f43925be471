package dev.quiver.serving;

/**
 * The status of one key in a lookup answer.
 *
 * <ul>
 *   <li>{@code OK}: every requested feature has a current value;
 *   <li>{@code PARTIAL}: some features have a value, the others are null (never written, or past
 *       their view's TTL);
 *   <li>{@code NOT_FOUND}: no requested feature has a current value for this key;
 *   <li>{@code STALE}: the online store was slow or down; the values are the last-known-good ones
 *       this server saw, with their true {@code ts} (possibly null when none was seen).
 * </ul>
 */
public enum KeyStatus {
  OK,
  PARTIAL,
  NOT_FOUND,
  STALE
}
