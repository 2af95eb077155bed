/** Durable file-system operations: fsync of files and directories, atomic replacement of small files. */
package org.llemma4j.checkpoint.io;
