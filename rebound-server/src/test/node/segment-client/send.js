// Sends a small ecommerce journey through the official Segment Node client, pointed at Rebound
// only through its documented `host` option. Usage: node send.js <baseUrl> <writeKey> <anonymousId>
const { Analytics } = require('@segment/analytics-node');
const [base, writeKey, anonymousId] = process.argv.slice(2);
const analytics = new Analytics({ writeKey, host: base, maxEventsInBatch: 10, flushInterval: 200 });
let failed = 0;
analytics.on('error', (err) => { failed++; console.error('segment client error', err); });
analytics.page({ anonymousId, name: 'Home', properties: { url: 'https://shop.example/' } });
analytics.track({ anonymousId, event: 'Product Viewed', properties: { product_id: 'yoga-mat', price: 68, currency: 'USD' } });
analytics.track({ anonymousId, event: 'Product Added', properties: { product_id: 'yoga-mat', price: 68, quantity: 1 } });
analytics.identify({ anonymousId, userId: 'cust-42', traits: { email: 'Yogi@Example.com' } });
analytics.track({ anonymousId, userId: 'cust-42', event: 'Order Completed',
  properties: { order_id: 'o-1', revenue: 68, currency: 'USD', products: [{ product_id: 'yoga-mat', price: 68, quantity: 1 }] } });
analytics.closeAndFlush({ timeout: 10000 }).then(() => {
  console.log(failed === 0 ? 'sent' : 'failed');
  process.exit(failed === 0 ? 0 : 1);
});
