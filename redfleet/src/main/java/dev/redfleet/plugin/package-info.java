/**
 * Internal: loading what the user names by setting (a handler, a source) from the class path and
 * the {@code plugins} directory, with one-line errors.
 */
package dev.redfleet.plugin;
