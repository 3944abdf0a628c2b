package dev.vecrnn.mem;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of worker threads that persists across calls, so a recurrent loop can split each
 * timestep's work over the same workers and meet them at one cheap {@link #barrier} per step,
 * instead of forking and joining per step (which costs more than a small step's work).
 *
 * <p>The calling thread takes part as worker 0; {@code size() - 1} daemon threads are the others.
 * {@link #run} is not re-entrant and a team runs one job at a time (calls are serialised).
 * {@link #close} stops the threads; a closed team rejects further jobs.
 *
 * <p>A team has at most {@link #maxThreads()} members: four per available processor (at least as
 * many as there are processors, and no more than {@value #HARD_CAP} beyond that).
 */
public final class ThreadTeam implements AutoCloseable {

    /** Work for one team member. */
    @FunctionalInterface
    public interface Job {
        /**
         * @param worker  this member's index, 0 (the caller) to {@code workers - 1}
         * @param workers the team size
         */
        void run(int worker, int workers);
    }

    /** System property that sets the default team size. */
    public static final String THREADS_PROPERTY = "vecrnn.threads";

    /** Members per available processor that {@link #maxThreads()} allows. */
    public static final int THREADS_PER_PROCESSOR = 4;

    /** The cap on {@link #maxThreads()}, except on a machine with more processors than this (then it is their count). */
    public static final int HARD_CAP = 1024;

    private static volatile ThreadTeam shared;
    private static final AtomicInteger TEAMS = new AtomicInteger();

    private final int size;
    /** Prefix of this team's thread names, unique per team (for thread dumps and profilers). */
    private final String name;
    private final Thread[] threads;
    /** Bumped once per job; workers wait for it to change. */
    private final AtomicInteger generation = new AtomicInteger();
    /** Workers (excluding the caller) still running the current job. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Barrier state: arrivals in the current phase and the phase number. */
    private final AtomicInteger arrived = new AtomicInteger();
    private final AtomicInteger phase = new AtomicInteger();
    /** Spinning beats parking only when every worker has a core of its own. */
    private final boolean spin;
    private final Object runLock = new Object();

    private volatile Job job;
    private volatile Throwable failure;
    private volatile boolean closed;
    private volatile Thread caller;

    /**
     * Creates a team of {@code threads} members (the caller counts as one).
     *
     * @throws IllegalArgumentException if {@code threads} is below 1 or above {@link #maxThreads()}
     */
    public ThreadTeam(int threads) {
        this(threads, ThreadTeam::daemon);
    }

    private static Thread daemon(Runnable body) {
        Thread t = new Thread(body);
        t.setDaemon(true);
        return t;
    }

    /**
     * A team whose workers {@code factory} makes (tests: a factory that fails part-way). If a
     * worker cannot be made or started (the operating system refused a thread), the workers
     * already running are stopped before the error propagates, so a failed constructor leaves no
     * thread parked forever.
     */
    ThreadTeam(int threads, java.util.concurrent.ThreadFactory factory) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (threads > maxThreads()) {
            throw new IllegalArgumentException("threads must be <= " + maxThreads() + " (" + maxThreadsRule()
                    + "), got " + threads);
        }
        this.size = threads;
        this.spin = threads <= Runtime.getRuntime().availableProcessors();
        this.threads = new Thread[threads - 1];
        this.name = "vecrnn-team-" + TEAMS.incrementAndGet();
        int started = 0;
        try {
            for (int w = 1; w < threads; w++) {
                final int worker = w;
                Thread t = factory.newThread(() -> workerLoop(worker));
                t.setName(name + "-worker-" + w);
                t.start();
                this.threads[w - 1] = t;
                started = w;
            }
        } catch (RuntimeException | Error e) {
            stopStarted(started);
            throw e;
        }
    }

    /** Stops the first {@code count} workers after a failed start and waits for them to end. */
    private void stopStarted(int count) {
        synchronized (runLock) {
            closed = true;
            for (int i = 0; i < count; i++) {
                LockSupport.unpark(threads[i]);
            }
        }
        for (int i = 0; i < count; i++) {
            try {
                threads[i].join(5_000);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The process-wide default team: {@code -Dvecrnn.threads} members if set, otherwise one per
     * available processor. Created on first use; its daemon threads never block JVM exit.
     */
    public static ThreadTeam shared() {
        ThreadTeam t = shared;
        if (t == null) {
            synchronized (ThreadTeam.class) {
                t = shared;
                if (t == null) {
                    t = new ThreadTeam(defaultThreads());
                    shared = t;
                }
            }
        }
        return t;
    }

    /**
     * The default team size: {@code -Dvecrnn.threads}, else the number of available processors.
     *
     * @throws IllegalArgumentException if {@code vecrnn.threads} is not an integer in
     *     {@code 1..}{@link #maxThreads()}
     */
    public static int defaultThreads() {
        String p = System.getProperty(THREADS_PROPERTY);
        if (p != null && !p.isBlank()) {
            int n = 0;
            try {
                n = Integer.parseInt(p.trim());
            } catch (NumberFormatException ignored) {
                // n stays 0: the error below
            }
            if (n >= 1 && n <= maxThreads()) {
                return n;
            }
            throw new IllegalArgumentException(THREADS_PROPERTY + " must be an integer from 1 to " + maxThreads()
                    + " (" + maxThreadsRule() + "), got '" + p + "'");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * The most members a team may have on this machine: {@value #THREADS_PER_PROCESSOR} per
     * available processor, capped at {@value #HARD_CAP} but never below the processor count (so the
     * default, one per processor, always fits).
     *
     * <p>Why a bound: every timestep ends at a {@link #barrier} that all members must reach, so a
     * member without a core holds up all the others, and beyond one member per processor each
     * extra one only adds waiting and context switches; thousands of members (a mistyped count)
     * bring the whole machine to a crawl while computing nothing faster. A few per processor are
     * still allowed, to measure oversubscription and for processors a container's quota hides.
     */
    public static int maxThreads() {
        int processors = Runtime.getRuntime().availableProcessors();
        return Math.max(processors, (int) Math.min((long) THREADS_PER_PROCESSOR * processors, HARD_CAP));
    }

    /** How {@link #maxThreads()} was reached, for error messages. */
    public static String maxThreadsRule() {
        int processors = Runtime.getRuntime().availableProcessors();
        return THREADS_PER_PROCESSOR + " per available processor, " + processors + " here"
                + ((long) THREADS_PER_PROCESSOR * processors > HARD_CAP ? ", at most " + HARD_CAP : "")
                + "; more only wait for each other at every step";
    }

    /** This team's name; its threads are called {@code <name>-worker-<index>}. */
    public String name() {
        return name;
    }

    /** Number of members, the caller included. */
    public int size() {
        return size;
    }

    /**
     * Runs {@code job} on every member and returns when all have finished. An exception thrown by
     * any member is rethrown here (the first one; others are attached as suppressed).
     */
    public void run(Job job) {
        if (closed) {
            throw new IllegalStateException("thread team is closed");
        }
        if (size == 1) {
            job.run(0, 1);
            return;
        }
        synchronized (runLock) {
            this.failure = null;
            this.job = job;
            this.caller = Thread.currentThread();
            arrived.set(0);
            pending.set(size - 1);
            generation.incrementAndGet();
            for (Thread t : threads) {
                LockSupport.unpark(t);
            }
            try {
                job.run(0, size);
            } catch (Throwable e) {
                recordFailure(e);
            }
            // wait for the others
            int spins = 0;
            while (pending.get() != 0) {
                if (spin && spins < 20_000) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 20_000);
                }
            }
            this.job = null;
            Throwable f = failure;
            if (f != null) {
                if (f instanceof RuntimeException re) {
                    throw re;
                }
                if (f instanceof Error err) {
                    throw err;
                }
                throw new RuntimeException(f);
            }
        }
    }

    /**
     * Waits until every member of the current job has reached this point. Must be called by all
     * members the same number of times within a job, or the job deadlocks. If another member has
     * failed, throws instead of waiting forever.
     */
    public void barrier() {
        if (size == 1) {
            return;
        }
        int myPhase = phase.get();
        if (arrived.incrementAndGet() == size) {
            arrived.set(0);
            phase.incrementAndGet();
            return;
        }
        int spins = 0;
        while (phase.get() == myPhase) {
            if (failure != null) {
                throw new IllegalStateException("another team member failed", failure);
            }
            if (spin && spins < 50_000) {
                spins++;
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private void recordFailure(Throwable e) {
        synchronized (this) {
            if (failure == null) {
                failure = e;
            } else if (failure != e) {
                failure.addSuppressed(e);
            }
        }
    }

    private void workerLoop(int worker) {
        int seen = 0;
        while (true) {
            int spins = 0;
            while (generation.get() == seen) {
                if (closed) {
                    return;
                }
                if (spin && spins < 2_000) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = generation.get();
            if (closed) {
                return;
            }
            Job j = job;
            try {
                j.run(worker, size);
            } catch (Throwable e) {
                recordFailure(e);
            } finally {
                if (pending.decrementAndGet() == 0) {
                    Thread c = caller;
                    if (c != null) {
                        LockSupport.unpark(c);
                    }
                }
            }
        }
    }

    /** Stops the worker threads and waits for them to end. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        synchronized (runLock) {
            closed = true;
            for (Thread t : threads) {
                LockSupport.unpark(t);
            }
        }
        for (Thread t : threads) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        synchronized (ThreadTeam.class) {
            if (shared == this) {
                shared = null;
            }
        }
    }

    /** True once {@link #close} has been called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * The start of worker {@code worker}'s share of {@code [0, n)} split into {@code workers}
     * contiguous parts whose boundaries are multiples of {@code granule} (the last part takes the
     * remainder). The part ends where the next one starts: {@code split(n, g, w + 1, workers)}.
     */
    public static int split(int n, int granule, int worker, int workers) {
        if (worker >= workers) {
            return n;
        }
        int units = (n + granule - 1) / granule;
        long start = (long) units * worker / workers * granule;
        return (int) Math.min(start, n);
    }
}
