/**
 * Where this rank sits in a distributed run ({@link org.llemma4j.trainer.dist.ParallelContext}): its layout, its
 * tensor-parallel plan, its data-parallel group, and the few run-level collectives (agreeing on a step's facts,
 * barriers, the initial broadcast), with the time spent in them.
 */
package org.llemma4j.trainer.dist;
