package io.rebound.server.collect;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static io.rebound.server.collect.Fixtures.one;
import static org.assertj.core.api.Assertions.assertThat;

class VocabularyMappingTest {

    private static final String IDS = "'anonymousId':'anon-1','messageId':'m-1'";

    @Test
    void metaGa4AndSegmentAddToCartBecomeTheSameCanonicalEvent() {
        Event meta = one("{'type':'track','event':'AddToCart'," + IDS + ",'properties':{"
                + "'content_ids':['yoga-mat','yoga-block'],'content_type':'product',"
                + "'contents':[{'id':'yoga-mat','quantity':1,'item_price':68},{'id':'yoga-block','quantity':2,'item_price':18.00}],"
                + "'content_category':'Mats','value':104,'currency':'usd'}}");
        Event ga4 = one("{'type':'track','event':'add_to_cart'," + IDS + ",'properties':{"
                + "'items':[{'item_id':'yoga-mat','item_name':'Yoga mat','price':68,'quantity':1,'item_category':'Mats'},"
                + "{'item_id':'yoga-block','price':'18','quantity':2,'item_category':'Mats'}],'value':104.0,'currency':'USD'}}");
        Event segment = one("{'type':'track','event':'Product Added'," + IDS + ",'properties':{"
                + "'products':[{'product_id':'yoga-mat','price':68,'quantity':1,'category':'Mats'},"
                + "{'sku':'yoga-block','price':18,'quantity':2,'category':'Mats'}],'revenue':104,'currency':'USD'}}");

        for (Event e : List.of(meta, ga4, segment)) {
            assertThat(e.type()).isEqualTo(EventType.ADD_TO_CART);
            assertThat(e.productIds()).containsExactly("yoga-mat", "yoga-block");
            assertThat(e.products()).containsExactly(
                    new Product("yoga-mat", "Mats", new BigDecimal("68"), 1),
                    new Product("yoga-block", "Mats", new BigDecimal("18"), 2));
            assertThat(e.value()).isEqualByComparingTo("104");
            assertThat(e.currency()).isEqualTo("USD");
        }
        assertThat(meta.name()).isEqualTo("AddToCart");
        assertThat(ga4.name()).isEqualTo("add_to_cart");
        assertThat(segment.name()).isEqualTo("Product Added");
        assertThat(meta.properties()).containsEntry("content_type", "product").doesNotContainKeys("contents", "value");
        assertThat(ga4.properties()).doesNotContainKey("items.0.item_id");
    }

    @Test
    void singleProductSegmentShapeAndMetaViewContentAgree() {
        Event segment = one("{'type':'track','event':'Product Viewed'," + IDS + ",'properties':{"
                + "'product_id':'yoga-mat','sku':'YM-1','name':'Yoga mat','price':68,'category':'Mats','currency':'USD'}}");
        Event meta = one("{'type':'track','event':'ViewContent'," + IDS + ",'properties':{"
                + "'content_ids':['yoga-mat'],'content_category':'Mats','value':68,'currency':'USD'}}");
        Event ga4 = one("{'type':'track','event':'view_item'," + IDS + ",'properties':{"
                + "'items':[{'item_id':'yoga-mat','price':68,'item_category':'Mats'}],'value':68,'currency':'USD'}}");

        for (Event e : List.of(segment, meta, ga4)) {
            assertThat(e.type()).isEqualTo(EventType.VIEW_CONTENT);
            assertThat(e.productIds()).containsExactly("yoga-mat");
            assertThat(e.products().get(0).category()).isEqualTo("Mats");
            assertThat(e.value()).as("value, derived from price when not sent").isEqualByComparingTo("68");
        }
        assertThat(segment.properties()).containsEntry("name", "Yoga mat").doesNotContainKeys("product_id", "price");
    }

    @Test
    void purchaseInEveryVocabulary() {
        Event meta = one("{'type':'track','event':'Purchase'," + IDS + ",'properties':{'content_ids':['yoga-mat'],'value':68,'currency':'EUR'}}");
        Event ga4 = one("{'type':'track','event':'purchase'," + IDS + ",'properties':{'transaction_id':'T1','items':[{'item_id':'yoga-mat'}],'value':68,'currency':'EUR'}}");
        Event segment = one("{'type':'track','event':'Order Completed'," + IDS + ",'properties':{'order_id':'T1','products':[{'product_id':'yoga-mat'}],'total':68,'currency':'EUR'}}");
        for (Event e : List.of(meta, ga4, segment)) {
            assertThat(e.type()).isEqualTo(EventType.PURCHASE);
            assertThat(e.productIds()).containsExactly("yoga-mat");
            assertThat(e.value()).isEqualByComparingTo("68");
            assertThat(e.currency()).isEqualTo("EUR");
        }
    }

    @Test
    void revenueIsPreferredToTotalAndValueToBoth() {
        assertThat(one("{'type':'track','event':'Order Completed'," + IDS + ",'properties':{'revenue':60,'total':70}}").value())
                .isEqualByComparingTo("60");
        assertThat(one("{'type':'track','event':'Order Completed'," + IDS + ",'properties':{'value':'55.5','revenue':60}}").value())
                .isEqualByComparingTo("55.5");
    }

    @Test
    void purchaseWithoutCurrencyIsAllowed() {
        Event e = one("{'type':'track','event':'Purchase'," + IDS + ",'properties':{'value':68}}");
        assertThat(e.currency()).isNull();
        assertThat(e.value()).isEqualByComparingTo("68");
    }

    @Test
    void unknownNamesAreCustomEventsKeepingTheirName() {
        Event e = one("{'type':'track','event':'Quiz Finished'," + IDS + ",'properties':{'score':7}}");
        assertThat(e.type()).isEqualTo(EventType.CUSTOM);
        assertThat(e.name()).isEqualTo("Quiz Finished");
        assertThat(e.properties()).containsEntry("score", 7);
    }

    @Test
    void pageScreenIdentifyAliasAndGroupMap() {
        Event page = one("{'type':'page','name':'Home'," + IDS + ",'properties':{'url':'https://shop.test/?a=1','referrer':'https://google.com/','title':'Home','path':'/'}}");
        assertThat(page.type()).isEqualTo(EventType.PAGE_VIEW);
        assertThat(page.pageUrl()).isEqualTo("https://shop.test/?a=1");
        assertThat(page.referrer()).isEqualTo("https://google.com/");
        assertThat(page.properties()).containsEntry("name", "Home").containsEntry("title", "Home")
                .containsEntry("path", "/").doesNotContainKeys("url", "referrer");

        assertThat(one("{'type':'screen','name':'Cart'," + IDS + "}").type()).isEqualTo(EventType.PAGE_VIEW);

        Event identify = one("{'type':'identify','userId':'cust-9'," + IDS + ",'traits':{'plan':'pro','email':'A@B.com'}}");
        assertThat(identify.type()).isEqualTo(EventType.IDENTIFY);
        assertThat(identify.userId()).isEqualTo("cust-9");
        assertThat(identify.properties()).containsEntry("traits.plan", "pro").doesNotContainKey("traits.email");

        Event alias = one("{'type':'alias','previousId':'anon-7','userId':'cust-9','messageId':'m-a'}");
        assertThat(alias.type()).isEqualTo(EventType.IDENTIFY);
        assertThat(alias.name()).isEqualTo("Alias");
        assertThat(alias.anonymousId()).isEqualTo("anon-7");
        assertThat(alias.userId()).isEqualTo("cust-9");
        assertThat(alias.properties()).containsEntry("previous_id", "anon-7");

        Event group = one("{'type':'group','groupId':'acme'," + IDS + ",'traits':{'industry':'yoga'}}");
        assertThat(group.type()).isEqualTo(EventType.CUSTOM);
        assertThat(group.name()).isEqualTo("group");
        assertThat(group.properties()).containsEntry("group_id", "acme").containsEntry("traits.industry", "yoga");
    }

    @Test
    void trackPageViewByNameIsAPageView() {
        assertThat(one("{'type':'track','event':'PageView'," + IDS + "}").type()).isEqualTo(EventType.PAGE_VIEW);
        assertThat(one("{'type':'track','event':'page_view'," + IDS + "}").type()).isEqualTo(EventType.PAGE_VIEW);
    }

    @Test
    void refundMayCarryANegativeValue() {
        Event e = one("{'type':'track','event':'Order Refunded'," + IDS + ",'properties':{'value':-68,'currency':'USD'}}");
        assertThat(e.type()).isEqualTo(EventType.REFUND);
        assertThat(e.value()).isEqualByComparingTo("-68");
    }
}
