package dev.quiver.serving;

/**
 * One key's answer from one view: values aligned with the view read's features (null = no current
 * value), and whether they are last-known-good values served because the store failed.
 */
record KeyResult(FeatureValue[] values, boolean stale) {}
