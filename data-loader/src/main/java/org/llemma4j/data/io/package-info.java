/**
 * File plumbing shared by readers and writers: atomic replacement of output files, and read-only memory maps of
 * files of any size (a single {@link java.nio.MappedByteBuffer} stops at 2 GiB).
 */
package org.llemma4j.data.io;
