package dev.quiver.online;

/** A cell version read back: its timestamp (epoch millis) and value bytes. */
public record OnlineCell(long ts, byte[] value) {}
