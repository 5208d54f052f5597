package io.rebound.server.campaign;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.core.campaign.CampaignProducts;
import io.rebound.core.campaign.Creative;
import io.rebound.core.campaign.Decision;
import io.rebound.core.campaign.IssuedOffer;
import io.rebound.core.campaign.OfferSequencer;
import io.rebound.core.campaign.ProductPrice;
import io.rebound.core.campaign.Situation;
import io.rebound.core.campaign.Touch;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.engine.PersonState;
import io.rebound.core.recommendation.Recommendation;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.store.Store;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.api.BadRequest;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.commerce.Recommendations;
import io.rebound.server.json.Json;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.MemoryOnly;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The decision API (store secret key):
 * <pre>
 * GET /api/v1/stores/:store/decide?visitor=…&amp;placement=…
 * </pre>
 * For the visitor's person, each active campaign that serves the placement and whose segment the
 * person is in answers with the due touch's creative (products resolved against the catalog), its
 * offer with a code issued once per (campaign, person, touch), and the reason
 * ({@link OfferSequencer}). Every answer that shows something counts towards the campaign's daily
 * cap; every decision is counted for the stats.
 *
 * <p>Only the secret key is accepted: an answer tells segment membership and hands out discount
 * codes, so the public write key (in every page of the store) would let anyone enumerate visitor ids
 * and harvest codes. On-site use goes through the store's backend (docs/campaigns.md).
 */
public final class DecisionApi {
    private static final String PATH = "/api/v1/stores/:store/decide";
    private static final int MAX_PLACEMENT = 50;
    private static final int MAX_VISITOR_ID = 200;
    private static final JsonFactory FACTORY = Json.MAPPER.getFactory();

    private final JdbcCampaigns campaigns;
    private final JdbcOffers offers;
    private final io.rebound.server.commerce.ProductCache catalog;
    private final Audiences audiences;
    private final ApiAuth auth;
    private final Clock clock;
    private final Recommendations recommendations;
    /** Answer on the event loop from memory first ({@link MemoryOnly}): the embedded server's caches are exact. */
    private final boolean memoryFirst;

    public DecisionApi(JdbcCampaigns campaigns, JdbcOffers offers, JdbcCatalog catalog, Audiences audiences,
                       ApiAuth auth, Clock clock) {
        this(campaigns, offers, catalog, audiences, auth, clock, null);
    }

    /**
     * @param recommendations where a creative shows the segment's products and the segment names none,
     *                        the person's recommendations are shown instead; null: the headline alone
     */
    public DecisionApi(JdbcCampaigns campaigns, JdbcOffers offers, JdbcCatalog catalog, Audiences audiences,
                       ApiAuth auth, Clock clock, Recommendations recommendations) {
        this.campaigns = campaigns;
        this.offers = offers;
        this.catalog = new io.rebound.server.commerce.ProductCache(catalog);
        this.memoryFirst = Database.onlyWriter(catalog.dataSource());
        this.audiences = audiences;
        this.auth = auth;
        this.clock = clock;
        this.recommendations = recommendations;
    }

    public void mount(Router router) {
        if (memoryFirst) {
            router.get(PATH).handler(this::fromMemory);
        }
        CampaignApi.ROUTES.worker(router.get(PATH), this::decide);
    }

    /**
     * On the event loop: the answer when everything it needs is in memory (a known person, whose offers
     * and daily counts were read before, the campaigns and products cached), else on to the worker
     * route. Nothing is counted or written before the answer is complete, so a retry counts once.
     */
    private void fromMemory(RoutingContext ctx) {
        try {
            MemoryOnly.run(() -> {
                decide(ctx);
                return null;
            });
        } catch (MemoryOnly.Miss miss) {
            ctx.next();
        } catch (BadRequest e) {
            ApiErrors.send(ctx, 400, e.error(), e.getMessage(), e.field());
        } catch (RuntimeException e) {
            ApiErrors.exception(ctx, e);
        }
    }

    private void decide(RoutingContext ctx) {
        Optional<Store> store = auth.requireStore(ctx, ctx.pathParam("store"));
        if (store.isEmpty()) {
            return;
        }
        String storeId = store.get().id();
        String visitor = ctx.queryParams().get("visitor");
        if (visitor == null || visitor.isBlank() || visitor.length() > MAX_VISITOR_ID) {
            throw new BadRequest("visitor", "visitor is required: the visitor's anonymous id or user id, at most "
                    + MAX_VISITOR_ID + " characters");
        }
        String placement = ctx.queryParams().get("placement");
        if (!isPlacement(placement)) {
            throw new BadRequest("placement", "placement is required: 1 to 50 lower-case letters, digits, _ or -, "
                    + "e.g. home_banner");
        }
        Instant now = clock.instant();
        Optional<String> person = audiences.reader().personOf(storeId, visitor);
        if (person.isEmpty()) {
            send(ctx, storeId, visitor, placement, now, null, List.of());
            return;
        }
        String personId = person.get();
        Optional<PersonState> state = audiences.reader().person(storeId, personId);
        Map<String, Instant> memberships = state.map(PersonState::memberships).orElseGet(() -> {
            MemoryOnly.check();
            return audiences.reader().memberships(storeId, personId);
        });
        // Read from the state when the runtime keeps it; cluster mode reads the materialised events,
        // once and only when a campaign applies.
        Instant converted = state.isPresent() ? lastPurchase(state.get()) : null;
        boolean purchaseRead = state.isPresent();
        List<IssuedOffer> issued = null;
        LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
        List<Answer> answers = new ArrayList<>(); // counted after every campaign is decided: a retry elsewhere counts once
        for (CampaignRecord c : campaigns.active(storeId)) {
            Instant joined = memberships.get(c.definition().segmentId());
            if (joined == null || !c.definition().channels().servesPlacement(placement)) {
                continue;
            }
            if (issued == null) {
                issued = new ArrayList<>(offers.offersOf(storeId, personId));
            }
            if (!purchaseRead) {
                MemoryOnly.check();
                converted = audiences.reader().lastPurchase(storeId, personId).orElse(null);
                purchaseRead = true;
            }
            int shown = offers.shown(c.id(), personId, day);
            Situation s = new Situation(c.id(), c.definition(), personId, joined, converted, issued, List.of(), shown);
            Decision d = OfferSequencer.decide(s, now);
            List<CatalogProduct> products = List.of();
            List<String> ids = List.of();
            if (d.kind().shows()) {
                // The segment's definition is read only when its product set is shown.
                Creative creative = c.definition().touches().get(d.touch()).creative();
                if (creative.segmentProducts()) {
                    MemoryOnly.check();
                }
                SegmentDefinition segment = !creative.segmentProducts() ? null
                        : audiences.segment(storeId, c.definition().segmentId()).map(SegmentRecord::definition).orElse(null);
                ids = CampaignProducts.of(creative, segment);
                products = resolve(storeId, ids);
                if (ids.isEmpty() && creative.segmentProducts() && recommendations != null && state.isPresent()) {
                    // A segment that names no product (all cart abandoners): the person's own product set.
                    Recommendations.Picked picked = recommendations.forPerson(storeId, state.get(),
                            CampaignDefinitions.MAX_PRODUCTS);
                    ids = picked.items().stream().map(Recommendation::productId).toList();
                    products = ids.stream().map(picked.products()::get).toList();
                }
                if (d.kind() == Decision.Kind.NEW_OFFER) {
                    // Decided again with prices and costs: the margin guard needs them.
                    d = OfferSequencer.decide(new Situation(c.id(), c.definition(), personId, joined, converted, issued,
                            prices(products), shown), now);
                }
            }
            String code = d.code();
            Instant expires = d.expiresAt();
            if (d.kind() == Decision.Kind.NEW_OFFER) {
                IssuedOffer o = offers.issue(c.id(), storeId, personId, d.touch(), d.offer().percent(), now, d.expiresAt());
                code = o.code();
                expires = o.expiresAt();
                issued.add(o); // the next campaign of this answer sees it: offers do not stack
            }
            answers.add(new Answer(c, d, ids, products, code, expires));
        }
        for (Answer a : answers) {
            offers.recordAnswer(a.campaign().id(), personId, day, a.decision().kind().shows(), a.decision().touch(),
                    a.decision().reason());
        }
        send(ctx, storeId, visitor, placement, now, personId, answers);
    }

    /** 1 to {@value #MAX_PLACEMENT} of {@code a-z 0-9 _ -}: what a campaign's channels name. */
    private static boolean isPlacement(String s) {
        if (s == null || s.isEmpty() || s.length() > MAX_PLACEMENT) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** A campaign's decision in an answer, with what it shows. */
    private record Answer(CampaignRecord campaign, Decision decision, List<String> ids, List<CatalogProduct> products,
                          String code, Instant expires) {
    }

    /** The person's latest purchase among their kept events, or null: what the {@code converted} rule reads. */
    public static Instant lastPurchase(PersonState s) {
        return io.rebound.server.audience.AudienceView.lastPurchase(s);
    }

    /**
     * The creative's products, in the creative's order, from the node's product cache: a campaign shows
     * the same few products to everyone, and reading them on every answer was three of the answer's
     * database round trips. A price change shows at once on this node, within 5 s on others.
     */
    private List<CatalogProduct> resolve(String storeId, List<String> ids) {
        Map<String, CatalogProduct> found = catalog.products(storeId, ids);
        List<CatalogProduct> out = new ArrayList<>();
        for (String id : ids) {
            CatalogProduct p = found.get(id);
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    private static List<ProductPrice> prices(List<CatalogProduct> products) {
        return products.stream().map(p -> new ProductPrice(p.id(), p.currentPrice(), p.cost())).toList();
    }

    /**
     * Writes the answer with a JSON generator straight into the response's bytes: building a tree of
     * {@code JsonObject}s and encoding it was about a third of the answer's time on the event loop.
     * Fields, their order and their nulls are the tree's (DecisionApiTest pins them).
     */
    private static void send(RoutingContext ctx, String storeId, String visitor, String placement, Instant now,
                             String personId, List<Answer> answers) {
        if (ctx.response().ended()) {
            return;
        }
        Buffer body = Buffer.buffer(256 + answers.size() * 1024);
        try (JsonGenerator g = FACTORY.createGenerator(new BufferOutput(body))) {
            g.writeStartObject();
            g.writeStringField("store_id", storeId);
            g.writeStringField("visitor", visitor);
            g.writeStringField("placement", placement);
            g.writeStringField("at", now.toString());
            g.writeStringField("person_id", personId);
            if (personId == null) {
                g.writeStringField("reason", "unknown_visitor");
            }
            g.writeArrayFieldStart("decisions");
            for (Answer a : answers) {
                write(g, a);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ctx.response().setStatusCode(200)
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .end(body);
    }

    /** Jackson's generator buffers what it writes and hands it over in blocks: straight into the response's buffer. */
    private static final class BufferOutput extends OutputStream {
        private final Buffer buffer;

        BufferOutput(Buffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void write(int b) {
            buffer.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buffer.appendBytes(b, off, len);
        }
    }

    private static void write(JsonGenerator g, Answer a) throws IOException {
        CampaignRecord c = a.campaign();
        Decision d = a.decision();
        g.writeStartObject();
        g.writeStringField("campaign_id", c.id());
        g.writeStringField("campaign_name", c.definition().name());
        g.writeStringField("kind", d.kind().name().toLowerCase(java.util.Locale.ROOT));
        g.writeStringField("reason", d.reason());
        g.writeStringField("detail", d.detail());
        g.writeStringField("next_at", d.nextAt() == null ? null : d.nextAt().toString());
        if (!d.kind().shows()) {
            g.writeNullField("touch");
            g.writeEndObject();
            return;
        }
        Touch t = c.definition().touches().get(d.touch());
        g.writeNumberField("touch", d.touch());
        g.writeObjectFieldStart("creative");
        g.writeStringField("headline", t.creative().headline());
        g.writeArrayFieldStart("products");
        for (String id : a.ids()) {
            g.writeStartObject();
            g.writeStringField("id", id);
            for (CatalogProduct p : a.products()) {
                if (p.id().equals(id)) {
                    g.writeStringField("title", p.title());
                    g.writeStringField("price", p.currentPrice().toPlainString());
                    g.writeStringField("currency", p.currency());
                    g.writeStringField("link", p.link());
                    g.writeStringField("image_link", p.imageLink());
                    break;
                }
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
        if (d.offer() != null && a.code() != null) {
            g.writeObjectFieldStart("offer");
            g.writeStringField("code", a.code());
            g.writeNumberField("percent", d.offer().percent());
            g.writeStringField("expires_at", a.expires().toString());
            if (d.offer().minimumOrder() != null) {
                g.writeObjectFieldStart("minimum_order");
                g.writeStringField("amount", d.offer().minimumOrder().toPlainString());
                g.writeStringField("currency", d.offer().currency());
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }
}
