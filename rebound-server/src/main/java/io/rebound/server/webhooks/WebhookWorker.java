package io.rebound.server.webhooks;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the {@link WebhookProcessor} off the event loops: at once when a delivery is stored
 * ({@link #wake()}), again while rounds find work, and every second in any case (what a failed round
 * or a restart left waiting). Deployed once per server; undeploying it (the server closing) stops
 * the rounds and closes the inbox.
 */
public final class WebhookWorker extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookWorker.class);
    private static final long EVERY_MS = 1_000;

    private final WebhookProcessor processor;
    private final WebhookInbox inbox;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private volatile boolean stopped;

    WebhookWorker(WebhookProcessor processor, WebhookInbox inbox) {
        this.processor = processor;
        this.inbox = inbox;
    }

    @Override
    public Future<?> start() {
        vertx.setPeriodic(EVERY_MS, id -> wake());
        wake();
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        stopped = true;
        inbox.close();
        return Future.succeededFuture();
    }

    /** Runs a round now, or right after the one running. */
    public void wake() {
        if (stopped || vertx == null) {
            return;
        }
        again.set(true);
        if (!running.compareAndSet(false, true)) {
            return;
        }
        again.set(false);
        vertx.executeBlocking(processor::runOnce, false).onComplete(r -> {
            running.set(false);
            if (r.failed()) {
                LOG.warn("webhook deliveries wait to be processed: {}", r.cause().getMessage());
            } else if (r.result() > 0 || again.get()) {
                wake();
            }
        });
    }
}
