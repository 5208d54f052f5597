// Rebound — Shopify custom pixel (Settings → Customer events → Add custom pixel).
// Maps Shopify's standard Web Pixels events to Rebound's and posts them to Rebound's collector in
// the pixel's own wire format. Set the two constants below; nothing else needs changing.
//
//   page_viewed            → PageView
//   product_viewed         → ViewContent       (content id: the variant id)
//   product_added_to_cart  → AddToCart         (content id: the variant id)
//   checkout_started       → InitiateCheckout  (event id: checkout-{token}, as the checkouts/create webhook's)
//   checkout_completed     → identify (email, hashed here, and Google's form of a Gmail address) + Purchase (event id: order-{order id}, as the orders/create webhook's)
//
// Shopify's clientId is the anonymous id; Shopify's event id is the message id; the visitor's
// customer-privacy choices become the consent signals (docs/pixel.md, rule 5).
const REBOUND = 'https://rebound.example.com';
const WRITE_KEY = 'WRITE_KEY';

let privacy = init.customerPrivacy;
customerPrivacy.subscribe('visitorConsentCollected', (event) => { privacy = event.customerPrivacy; });

async function sha256(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

// The traits of an email: its digest, and Google's form of a Gmail address (no dots, no +tag) where that
// differs, as Rebound's own pixel sends them (docs/decisions/0022).
async function emailTraits(raw) {
  const email = raw.trim().toLowerCase();
  const traits = {email_sha256: await sha256(email)};
  const m = email.match(/^([^@]+)(@g(oogle)?mail\.com)$/);
  const local = m ? m[1].split('+')[0].replace(/\./g, '') : '';
  if (local && local + m[2] !== email) {
    traits.email_google_sha256 = await sha256(local + m[2]);
  }
  return traits;
}

// Web Pixels ids are numbers as strings; a GraphQL id (gid://shopify/ProductVariant/123) keeps only its number,
// which is what the webhooks and the catalog use.
function plainId(id) {
  const s = String(id == null ? '' : id);
  const m = s.match(/^gid:\/\/shopify\/\w+\/(\d+)/);
  return m ? m[1] : s;
}

function consent() {
  const m = privacy && privacy.marketingAllowed ? 'granted' : 'denied';
  return {ad_storage: m, ad_user_data: m, ad_personalization: m,
          analytics_storage: privacy && privacy.analyticsProcessingAllowed ? 'granted' : 'denied'};
}

function send(event, message) {
  const doc = event.context && event.context.document ? event.context.document : {location: {href: '', pathname: ''}};
  const loc = doc.location;
  let url;
  try { url = new URL(loc.href); } catch (e) { url = new URL('https://invalid.example/'); }
  const q = (k) => url.searchParams.get(k) || undefined;
  const identifiers = privacy && privacy.marketingAllowed && privacy.saleOfDataAllowed !== false;
  message.messageId = message.messageId || event.id;
  message.anonymousId = event.clientId;
  message.timestamp = event.timestamp;
  message.context = {
    page: {url: loc.href, path: loc.pathname, title: doc.title, referrer: doc.referrer},
    campaign: {source: q('utm_source'), medium: q('utm_medium'), name: q('utm_campaign'),
               term: q('utm_term'), content: q('utm_content')},
    clickIds: identifiers ? {fbclid: q('fbclid'), gclid: q('gclid'), ttclid: q('ttclid'), epik: q('epik')} : {},
    consent: consent(), gpc: false, library: {name: 'rebound-shopify', version: '1'}
  };
  if (!identifiers) { delete message.userId; delete message.traits; }
  return fetch(REBOUND + '/v1/collect', {method: 'POST', keepalive: true,
    body: JSON.stringify({writeKey: WRITE_KEY, sentAt: new Date().toISOString(), batch: [message]})});
}

function line(variant, quantity) {
  return {id: plainId(variant.id), quantity: quantity, item_price: Number(variant.price.amount)};
}

function checkoutProps(checkout) {
  const contents = (checkout.lineItems || []).filter((l) => l.variant).map((l) => line(l.variant, l.quantity));
  return {content_ids: contents.map((c) => c.id), content_type: 'product', contents: contents,
          num_items: contents.reduce((n, c) => n + c.quantity, 0),
          value: Number(checkout.totalPrice.amount), currency: checkout.currencyCode};
}

analytics.subscribe('page_viewed', (event) => send(event, {type: 'page', event: 'PageView'}));

analytics.subscribe('product_viewed', (event) => {
  const v = event.data.productVariant;
  send(event, {type: 'track', event: 'ViewContent', properties: {
    content_ids: [plainId(v.id)], content_type: 'product', content_name: v.product.title,
    content_category: v.product.type || undefined, contents: [line(v, 1)],
    value: Number(v.price.amount), currency: v.price.currencyCode}});
});

analytics.subscribe('product_added_to_cart', (event) => {
  const l = event.data.cartLine;
  send(event, {type: 'track', event: 'AddToCart', properties: {
    content_ids: [plainId(l.merchandise.id)], content_type: 'product',
    contents: [line(l.merchandise, l.quantity)],
    value: Number(l.cost.totalAmount.amount), currency: l.cost.totalAmount.currencyCode}});
});

analytics.subscribe('checkout_started', (event) => {
  const checkout = event.data.checkout;
  // The checkout's token as event id: the checkouts/create webhook's InitiateCheckout is the same event.
  send(event, {type: 'track', event: 'InitiateCheckout', properties: checkoutProps(checkout),
               messageId: checkout.token ? 'checkout-' + checkout.token : event.id});
});

analytics.subscribe('checkout_completed', async (event) => {
  const checkout = event.data.checkout;
  if (checkout.email) {
    await send(event, {type: 'identify', traits: await emailTraits(checkout.email)});
  }
  const order = checkout.order && checkout.order.id ? plainId(checkout.order.id) : checkout.token;
  // The order id as event id: the same purchase sent again (reload, the orders/create webhook) counts once.
  send(event, {type: 'track', event: 'Purchase', messageId: 'order-' + order,
               properties: Object.assign(checkoutProps(checkout), {order_id: order})});
});
