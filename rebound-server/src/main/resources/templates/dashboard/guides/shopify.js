const REBOUND = 'https://rebound.example.com';
const WRITE_KEY = 'WRITE_KEY';

let privacy = init.customerPrivacy;
customerPrivacy.subscribe('visitorConsentCollected', (event) => { privacy = event.customerPrivacy; });

async function sha256(text) {
  const bytes = new TextEncoder().encode(text.trim().toLowerCase());
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function consent() {
  const m = privacy && privacy.marketingAllowed ? 'granted' : 'denied';
  return {ad_storage: m, ad_user_data: m, ad_personalization: m,
          analytics_storage: privacy && privacy.analyticsProcessingAllowed ? 'granted' : 'denied'};
}

function send(event, message) {
  const loc = event.context.document.location;
  const url = new URL(loc.href);
  const q = (k) => url.searchParams.get(k) || undefined;
  const identifiers = privacy && privacy.marketingAllowed && privacy.saleOfDataAllowed !== false;
  message.messageId = event.id;
  message.anonymousId = event.clientId;
  message.timestamp = event.timestamp;
  message.context = {
    page: {url: loc.href, path: loc.pathname, title: event.context.document.title,
           referrer: event.context.document.referrer},
    campaign: {source: q('utm_source'), medium: q('utm_medium'), name: q('utm_campaign'),
               term: q('utm_term'), content: q('utm_content')},
    clickIds: identifiers ? {fbclid: q('fbclid'), gclid: q('gclid'), ttclid: q('ttclid'), epik: q('epik')} : {},
    consent: consent(), gpc: false, library: {name: 'rebound-shopify', version: '1'}
  };
  if (!identifiers) { delete message.userId; delete message.traits; }
  fetch(REBOUND + '/v1/collect', {method: 'POST', keepalive: true,
    body: JSON.stringify({writeKey: WRITE_KEY, sentAt: new Date().toISOString(), batch: [message]})});
}

function line(variant, quantity) {
  return {id: String(variant.id), quantity: quantity, item_price: Number(variant.price.amount)};
}

function checkoutProps(checkout) {
  const contents = checkout.lineItems.map((l) => line(l.variant, l.quantity));
  return {content_ids: contents.map((c) => c.id), content_type: 'product', contents: contents,
          num_items: contents.reduce((n, c) => n + c.quantity, 0),
          value: Number(checkout.totalPrice.amount), currency: checkout.currencyCode};
}

analytics.subscribe('page_viewed', (event) => send(event, {type: 'page', event: 'PageView'}));

analytics.subscribe('product_viewed', (event) => {
  const v = event.data.productVariant;
  send(event, {type: 'track', event: 'ViewContent', properties: {
    content_ids: [String(v.id)], content_type: 'product', content_name: v.product.title,
    content_category: v.product.type, contents: [line(v, 1)],
    value: Number(v.price.amount), currency: v.price.currencyCode}});
});

analytics.subscribe('product_added_to_cart', (event) => {
  const l = event.data.cartLine;
  send(event, {type: 'track', event: 'AddToCart', properties: {
    content_ids: [String(l.merchandise.id)], content_type: 'product',
    contents: [line(l.merchandise, l.quantity)],
    value: Number(l.cost.totalAmount.amount), currency: l.cost.totalAmount.currencyCode}});
});

analytics.subscribe('product_removed_from_cart', (event) => {
  const l = event.data.cartLine;
  send(event, {type: 'track', event: 'RemoveFromCart', properties: {
    content_ids: [String(l.merchandise.id)], contents: [line(l.merchandise, l.quantity)],
    value: Number(l.cost.totalAmount.amount), currency: l.cost.totalAmount.currencyCode}});
});

analytics.subscribe('checkout_started', (event) => {
  send(event, {type: 'track', event: 'InitiateCheckout', properties: checkoutProps(event.data.checkout)});
});

analytics.subscribe('checkout_completed', async (event) => {
  const checkout = event.data.checkout;
  if (checkout.email) {
    send(event, {type: 'identify', traits: {email_sha256: await sha256(checkout.email)}});
  }
  const order = checkout.order && checkout.order.id ? String(checkout.order.id) : checkout.token;
  // The order id as message id: the same purchase sent again (reload, server webhook) counts once.
  send(Object.assign({}, event, {id: 'order-' + order}),
       {type: 'track', event: 'Purchase', properties: Object.assign(checkoutProps(checkout), {order_id: order})});
});
