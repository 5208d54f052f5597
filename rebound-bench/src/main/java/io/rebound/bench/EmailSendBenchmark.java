package io.rebound.bench;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.rebound.core.campaign.Creative;
import io.rebound.core.campaign.Flow;
import io.rebound.core.campaign.Touch;
import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.server.email.EmailContent;
import io.rebound.server.email.EmailSettings;
import io.rebound.server.email.OutgoingEmail;
import io.rebound.server.email.SmtpSender;

import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Email render + SMTP send throughput, as the flow worker does it: one thread, one SMTP connection
 * per message (Jakarta Mail's {@code Transport.send}), multipart/alternative with the RFC 8058
 * headers, into a local SMTP server (GreenMail in this JVM, which parses and stores every message).
 * <p>
 * Measured: render a touch's email (three catalog products with images and prices, an offer code)
 * and send it. Baseline, in the same run: send one pre-rendered email of the same size, nothing else:
 * what SMTP and the local server cost alone. Rounds after an uncounted warm-up; the spread is over
 * the rounds. Run by hand: {@code rebound-bench/email-bench.sh [emails=2000] [rounds=5]}.
 */
public final class EmailSendBenchmark {
    private EmailSendBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int emails = Args.intArg(args, 0, 2_000);
        int rounds = Args.intArg(args, 1, 5);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        GreenMail smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        SmtpSender sender = null;
        try {
            EmailSettings settings = new EmailSettings("127.0.0.1", port, null, null, false, "shop@bench.example",
                    Duration.ofHours(16), URI.create("https://rebound.bench.example"), Duration.ofSeconds(1));
            sender = new SmtpSender(settings);
            List<CatalogProduct> products = List.of(product("yoga-mat", "Yoga mat", "68.00"),
                    product("yoga-block", "Yoga block", "18.00"), product("yoga-strap", "Carry strap", "12.00"));
            Touch touch = new Touch(Duration.ofHours(72), new Creative(List.of("yoga-mat", "yoga-block", "yoga-strap"),
                    false, "10 % off your practice"), null);
            EmailContent.OfferCode code = new EmailContent.OfferCode("RB-7K2M9QX4B1HTV0ZP", 10, new BigDecimal("50"),
                    "USD", Instant.parse("2026-12-05T10:00:00Z"));
            OutgoingEmail fixed = render(touch, products, code, 0);

            run(sender, touch, products, code, fixed, emails, true);  // warm-up (JIT, GreenMail's mailboxes)
            run(sender, touch, products, code, fixed, emails, false);
            smtp.purgeEmailFromAllMailboxes();
            List<Double> measured = new ArrayList<>();
            List<Double> baseline = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                baseline.add(run(sender, touch, products, code, fixed, emails, false));
                measured.add(run(sender, touch, products, code, fixed, emails, true));
                if (smtp.getReceivedMessages().length != 2 * emails) {
                    throw new IllegalStateException("the server holds " + smtp.getReceivedMessages().length
                            + " messages, expected " + 2 * emails);
                }
                smtp.purgeEmailFromAllMailboxes();
                ratios.add(measured.get(r) / baseline.get(r));
                System.out.printf(Locale.ROOT, "round %d: render + send %.0f emails/s, send only %.0f emails/s, ratio %.2f%n",
                        r + 1, measured.get(r), baseline.get(r), measured.get(r) / baseline.get(r));
            }
            System.out.printf(Locale.ROOT, "%nrender + SMTP send: median %.0f emails/s (min %.0f, max %.0f) over %d rounds of %d%n",
                    median(measured), min(measured), max(measured), rounds, emails);
            System.out.printf(Locale.ROOT, "SMTP send only:     median %.0f emails/s (min %.0f, max %.0f)%n",
                    median(baseline), min(baseline), max(baseline));
            System.out.printf(Locale.ROOT, "ratio to baseline:  median %.2f (min %.2f, max %.2f) of the rounds' ratios "
                    + "(target: >= 200 emails/s)%n", median(ratios), min(ratios), max(ratios));
        } finally {
            if (sender != null) {
                sender.close(); // GreenMail's stop waits for open client connections
            }
            smtp.stop();
        }
    }

    /** Emails per second for {@code n} sends, rendering each one ({@code renderEach}) or sending {@code fixed}. */
    private static double run(SmtpSender sender, Touch touch, List<CatalogProduct> products, EmailContent.OfferCode code,
                              OutgoingEmail fixed, int n, boolean renderEach) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            sender.send(renderEach ? render(touch, products, code, i) : fixed);
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static OutgoingEmail render(Touch touch, List<CatalogProduct> products, EmailContent.OfferCode code, int i) {
        String url = "https://rebound.bench.example/email/unsubscribe?t=st_bench." + Integer.toHexString(i * 7919);
        EmailContent.Rendered r = EmailContent.render("Yoga", Flow.ABANDONED_CART, touch, products, code, url);
        return new OutgoingEmail("person" + (i % 100) + "@mail.example", r.subject(), r.text(), r.html(), url,
                "mailto:shop@bench.example?subject=unsubscribe", "<" + i + "-" + System.nanoTime() + "@rebound.email>");
    }

    private static CatalogProduct product(String id, String title, String price) {
        return CatalogProduct.builder(id).title(title).description(title).link("https://shop.example/p/" + id)
                .imageLink("https://shop.example/i/" + id + ".jpg").price(new BigDecimal(price), "USD")
                .availability(Availability.IN_STOCK).build();
    }

    private static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }

    private static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static double max(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
