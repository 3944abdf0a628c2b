package dev.vecrnn.nn;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Detects two threads inside one single-threaded object at once (a layer's pass, a stream's step),
 * which would corrupt its buffers, and fails the second with a message saying what to do instead.
 * One compare-and-set on entry and one release store on exit: cheap enough for every step.
 */
final class UseGuard {
    /** The thread inside, or null. */
    private final AtomicReference<Thread> user = new AtomicReference<>();

    /**
     * Claims the object for the calling thread.
     *
     * @throws IllegalStateException naming {@code method}, {@code owner}, the thread inside and
     *                               {@code advice}, if a thread (this one included) is inside
     */
    void enter(String method, Object owner, String advice) {
        Thread me = Thread.currentThread();
        if (!user.compareAndSet(null, me)) {
            Thread inside = user.get();
            throw new IllegalStateException(method + "(): " + owner + " is in use by "
                    + (inside == me ? "this thread (a call from inside a call)"
                    : "thread '" + (inside == null ? "?" : inside.getName()) + "'") + "; " + advice);
        }
    }

    /** Releases the object; called in a {@code finally} after every successful {@link #enter}. */
    void exit() {
        user.setRelease(null);
    }
}
