package org.llemma4j.parallel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;

/**
 * Rank 0 serves a c10d {@code TCPStore} on {@code MASTER_ADDR:MASTER_PORT}; every rank (rank 0 included) joins it
 * as a client and checks in. Process groups are then built over {@link #store()}.
 *
 * <p>Why a check-in on top of the store: {@code TCPStore}'s own {@code waitWorkers} only counts connections and,
 * when it times out, says neither how many arrived nor which ranks are missing. Here each rank claims its rank key
 * (a duplicate {@code RANK} is caught), agrees on the world size (a {@code WORLD_SIZE} that differs between ranks
 * is caught at once, and reported to the others through an error key so they fail fast instead of waiting), and
 * counts arrivals with a deadline, so every failure is a message naming host, port, rank, world size, waited
 * seconds and the ranks that arrived, never a hang.
 *
 * <p>Close it after the process groups built on it: rank 0's close waits (bounded) until every rank has left, as
 * the store lives in rank 0's process and the others still use it until their own close.
 */
public final class Rendezvous implements AutoCloseable {

    private static final String PREFIX = "llemma4j/rdzv/";
    private static final String WORLD_KEY = PREFIX + "world";
    private static final String ARRIVED_KEY = PREFIX + "arrived";
    private static final String DEPARTED_KEY = PREFIX + "departed";
    private static final String ERROR_KEY = PREFIX + "error";
    private static final String ERROR_SEEN_KEY = PREFIX + "error-seen";
    /** How long rank 0, which hosts the store, keeps it up after a failed check-in so the others can read why. */
    private static final long LINGER_NANOS = 3_000_000_000L;
    /** Poll period of the arrival counter: short enough to be invisible, long enough not to load the master. */
    private static final long POLL_MILLIS = 20;
    /**
     * The longest rank 0 waits in {@link #close()} for the others to leave (they normally close within moments of
     * each other).
     */
    private static final Duration MAX_DEPARTURE_WAIT = Duration.ofSeconds(15);

    private final String host;
    private final int port;
    private final int rank;
    private final int worldSize;
    private final Duration timeout;
    private TCPStore store;
    /** A reference-counted handle on the store for the process groups (see {@link #store()}). */
    private Store shared;

    private Rendezvous(String host, int port, int rank, int worldSize, Duration timeout, TCPStore store) {
        this.host = host;
        this.port = port;
        this.rank = rank;
        this.worldSize = worldSize;
        this.timeout = timeout;
        this.store = store;
    }

    /** Joins the rendezvous described by the environment. */
    public static Rendezvous join(DistEnv env, Duration timeout) {
        return join(env.masterAddr(), env.masterPort(), env.rank(), env.worldSize(), timeout);
    }

    /**
     * Serves (rank 0) or reaches the store, checks in and waits until all {@code worldSize} ranks did.
     *
     * @param timeout bound on connecting and on waiting for the other ranks
     * @throws DistributedException naming host, port, rank, world size and what was waited for
     */
    public static Rendezvous join(String host, int port, int rank, int worldSize, Duration timeout) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is outside world 0.." + (worldSize - 1));
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("rendezvous port " + port + " is outside 1..65535");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("rendezvous timeout " + timeout + " must be positive");
        }
        long start = System.nanoTime();
        TCPStore store = open(host, port, rank, worldSize, timeout, start);
        Rendezvous r = new Rendezvous(host, port, rank, worldSize, timeout, store);
        try {
            r.checkIn(start);
        } catch (RuntimeException e) {
            r.closeStore();
            throw e;
        }
        return r;
    }

    private static TCPStore open(String host, int port, int rank, int world, Duration timeout, long start) {
        if (rank != 0) {
            awaitMaster(host, port, rank, world, timeout, start);
        }
        TCPStoreOptions options = new TCPStoreOptions();
        SizeTPointer workers = new SizeTPointer(1).put(world);
        Milliseconds millis = new Milliseconds(timeout.toMillis());
        try {
            options.port((short) port); // a Java short carries the C++ uint16_t bits: 29500..65535 wrap and back
            options.isServer(rank == 0);
            options.numWorkers(workers);
            // We count arrivals ourselves (see the class comment), so the server must not block in its constructor.
            options.waitWorkers(false);
            options.useLibUV(false);
            options.timeout(millis);
            return new TCPStore(host, options);
        } catch (RuntimeException e) {
            String reason = DistributedException.nativeReason(e);
            String where = host + ":" + port;
            if (rank == 0) {
                String hint = reason.contains("Address already in use")
                        ? "port " + port + " is already in use (another job or a leftover process?): choose another "
                        + "MASTER_PORT, or 0 in the launcher to pick a free one"
                        : "could not serve the store";
                throw new DistributedException("rendezvous: rank 0 of " + world + " could not serve the TCPStore on "
                        + where + " after " + seconds(start) + " s: " + hint + " [" + reason + "]", e);
            }
            throw unreachable(host, port, rank, world, timeout, start, reason, e);
        } finally {
            millis.close();
            workers.close();
            options.close();
        }
    }

    /**
     * Waits until something accepts connections on {@code host:port}, trying every 100 ms until the rendezvous
     * deadline. Why not leave it to the {@code TCPStore} client: when its connect times out it retries once after a
     * random back-off as long as the timeout itself (measured here: a 60 s timeout, then a 64 s delay before the
     * second try), so a master that never comes up was reported only after up to twice the timeout. Once the master
     * answers, the client's own connect succeeds at once.
     */
    private static void awaitMaster(String host, int port, int rank, int world, Duration timeout, long start) {
        long deadline = start + timeout.toNanos();
        String reason = "nothing tried";
        while (true) {
            long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                throw unreachable(host, port, rank, world, timeout, start, reason, null);
            }
            try (Socket probe = new Socket()) {
                InetSocketAddress address = new InetSocketAddress(host, port);
                if (address.isUnresolved()) {
                    throw new UnknownHostException("unknown host " + host);
                }
                probe.connect(address, (int) Math.min(remainingMillis, 2_000));
                return;
            } catch (IOException e) {
                reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            }
            sleep(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
    }

    private static DistributedException unreachable(String host, int port, int rank, int world, Duration timeout,
                                                    long start, String reason, Throwable cause) {
        return new DistributedException("rendezvous: rank " + rank + " of " + world + " could not reach the master "
                + host + ":" + port + " within " + seconds(timeout) + " s (waited " + seconds(start) + " s): is "
                + "rank 0 running, and are MASTER_ADDR/MASTER_PORT the same for every rank? [" + reason + "]", cause);
    }

    private void checkIn(long start) {
        try {
            checkInOrThrow(start);
        } catch (DistributedException e) {
            throw e;
        } catch (RuntimeException e) {
            // A store operation failed: the server went away (rank 0 exited or failed first) or the network broke.
            throw new DistributedException("rendezvous at " + host + ":" + port + ": rank " + rank + " of " + worldSize
                    + " lost the store after " + seconds(start) + " s (did rank 0 exit?): "
                    + DistributedException.nativeReason(e), e);
        }
    }

    private void checkInOrThrow(long start) {
        String mine = Integer.toString(worldSize);
        String agreed = store.compareSet(WORLD_KEY, "", mine);
        if (!agreed.equals(mine)) {
            throw abort("rendezvous at " + host + ":" + port + " (rank " + rank + " of " + worldSize + ", after "
                    + seconds(start) + " s): rank " + rank + " has WORLD_SIZE " + worldSize + " but another rank "
                    + "already checked in with WORLD_SIZE " + agreed + ": every rank must be started with the same "
                    + "WORLD_SIZE");
        }
        String identity = ProcessHandle.current().pid() + "@" + Thread.currentThread().getName();
        String claimed = store.compareSet(rankKey(rank), "", identity);
        if (!claimed.equals(identity)) {
            throw abort("rendezvous at " + host + ":" + port + " (rank " + rank + " of " + worldSize + ", after "
                    + seconds(start) + " s): rank " + rank + " was claimed twice (first by " + claimed + ", now by "
                    + identity + "): every process needs its own RANK");
        }
        store.add(ARRIVED_KEY, 1);
        long deadline = start + timeout.toNanos();
        while (true) {
            long arrived = store.add(ARRIVED_KEY, 0);
            if (arrived == worldSize) {
                return;
            }
            checkPeerError();
            if (System.nanoTime() > deadline) {
                throw abort(String.format(Locale.ROOT,
                        "rendezvous at %s:%d: only %d of %d ranks arrived after %s s (rank %d waiting; arrived %s, "
                                + "missing %s): a rank failed to start, or WORLD_SIZE %d is larger than the number of "
                                + "processes launched", host, port, arrived, worldSize, seconds(start), rank,
                        present(true), present(false), worldSize));
            }
            sleep(POLL_MILLIS);
        }
    }

    /**
     * Records a fatal inconsistency for the other ranks and returns it for throwing here. Rank 0 hosts the store, so
     * it keeps it up (at most 3 s) until the ranks that arrived have read the error: otherwise they would only see
     * the connection drop, without the reason.
     */
    private DistributedException abort(String message) {
        try {
            store.compareSet(ERROR_KEY, "", message);
            if (rank != 0) {
                store.add(ERROR_SEEN_KEY, 1); // this rank knows the check-in failed: rank 0 need not wait for it
            } else {
                long deadline = System.nanoTime() + LINGER_NANOS;
                while (System.nanoTime() < deadline
                        && store.add(ERROR_SEEN_KEY, 0) < store.add(ARRIVED_KEY, 0) - 1) {
                    sleep(POLL_MILLIS);
                }
            }
        } catch (RuntimeException ignored) {
            // Reporting to the peers is a courtesy; the local error is what matters.
        }
        return new DistributedException(message);
    }

    private void checkPeerError() {
        try (StringVector key = new StringVector(ERROR_KEY)) {
            if (store.check(key)) {
                String reason = store.get_to_str(ERROR_KEY);
                store.add(ERROR_SEEN_KEY, 1);
                throw new DistributedException("rendezvous at " + host + ":" + port + " aborted for rank " + rank
                        + " of " + worldSize + " because another rank failed: " + reason);
            }
        }
    }

    /** The ranks that checked in ({@code true}) or did not ({@code false}). */
    private List<Integer> present(boolean arrived) {
        List<Integer> ranks = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
            try (StringVector key = new StringVector(rankKey(r))) {
                if (store.check(key) == arrived) {
                    ranks.add(r);
                }
            }
        }
        return ranks;
    }

    private static String rankKey(int r) {
        return PREFIX + "rank/" + r;
    }

    /**
     * The store, for building process groups (each under its own {@code PrefixStore}).
     *
     * <p>Why not the {@code TCPStore} we constructed: c10d takes stores as {@code c10::intrusive_ptr}, and the presets
     * turn a Java-constructed object into one by adopting its raw pointer, which works once and then trips c10's
     * "newly-created target had non-zero refcounts" assertion (aborting the JVM). {@code TCPStore.clone()} returns an
     * object that is already reference-counted (a second client of the same server), so it can be handed to any
     * number of {@code PrefixStore}s; closing it drops our reference only.
     */
    public synchronized Store store() {
        if (store == null) {
            throw new IllegalStateException("rendezvous at " + host + ":" + port + " is closed");
        }
        if (shared == null) {
            try {
                shared = store.clone();
            } catch (RuntimeException e) {
                throw new DistributedException("rank " + rank + " of " + worldSize + " could not open a second "
                        + "client of the store at " + host + ":" + port + ": " + DistributedException.nativeReason(e),
                        e);
            }
        }
        return shared;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int rank() {
        return rank;
    }

    public int worldSize() {
        return worldSize;
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * Leaves the rendezvous. Rank 0 first waits (at most 15 s, or the rendezvous timeout if shorter) until every
     * rank has left, because closing rank 0's store stops the server the others may still be talking to.
     */
    @Override
    public void close() {
        close(true);
    }

    /**
     * Leaves without waiting for the other ranks: for a job already broken (a collective failed, a peer is gone),
     * where they may never arrive and waiting would only delay the error.
     */
    public void abandon() {
        close(false);
    }

    private void close(boolean waitForOthers) {
        if (store == null) {
            return;
        }
        try {
            store.add(DEPARTED_KEY, 1);
            if (waitForOthers && rank == 0 && worldSize > 1) {
                long deadline = System.nanoTime() + Math.min(timeout.toNanos(), MAX_DEPARTURE_WAIT.toNanos());
                while (store.add(DEPARTED_KEY, 0) < worldSize && System.nanoTime() < deadline) {
                    sleep(POLL_MILLIS);
                }
            }
        } catch (RuntimeException ignored) {
            // The server may already be gone (rank 0 exited first): nothing left to wait for.
        } finally {
            closeStore();
        }
    }

    private synchronized void closeStore() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
        if (store != null) {
            store.close();
            store = null;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DistributedException("rendezvous interrupted");
        }
    }

    private static String seconds(long startNanos) {
        return String.format(Locale.ROOT, "%.1f", (System.nanoTime() - startNanos) / 1e9);
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f", d.toMillis() / 1e3);
    }

    @Override
    public String toString() {
        return "rendezvous " + host + ":" + port + " rank " + rank + " of " + worldSize;
    }
}
