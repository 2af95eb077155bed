/**
 * The local rank supervisor behind {@code launch train}: spawns one child JVM per local rank with the torchrun
 * environment contract, prefixes their output with the rank, and when any rank fails stops the others (process
 * trees included) and reports which rank failed, how, and its last lines; optionally restarts all ranks.
 *
 * <p>Entry point: {@link org.llemma4j.launch.supervisor.Supervisor}, configured by a
 * {@link org.llemma4j.launch.supervisor.LaunchSpec}.
 */
package org.llemma4j.launch.supervisor;
