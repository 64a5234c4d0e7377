/**
 * Internal: what the elected generator emits. Resolves the {@code source} setting
 * ({@link dev.redfleet.source.SourceLoader}) into the built-in modes {@code simulated} and
 * {@code none}, or a {@link dev.redfleet.api.Source}: the built-in {@code lines} and
 * {@code schedule} sources, or a plug-in's. See docs/SOURCES.md.
 */
package dev.redfleet.source;
