/**
 * The Gloo backend (CPU collectives over TCP): the default everywhere, and the one every test uses.
 */
package org.llemma4j.parallel.gloo;
