// "Add to cart" button
button.addEventListener('click', function () {
  rebound('track', 'AddToCart', {content_ids: ['yoga-mat'],
    contents: [{id: 'yoga-mat', quantity: 1, item_price: 68}], value: 68, currency: 'USD'});
});

// checkout page
rebound('track', 'InitiateCheckout', {content_ids: ['yoga-mat', 'yoga-block'],
  contents: [{id: 'yoga-mat', quantity: 1, item_price: 68}, {id: 'yoga-block', quantity: 1, item_price: 18}],
  num_items: 2, value: 86, currency: 'USD'});

// when the shopper gives an email (checkout, sign-up, login)
rebound('identify', {email: 'jane@example.com', user_id: 'cust_1042'});

// order confirmation page: the order id as eventID makes reloads and a server-side copy
// of the same purchase count once
rebound('track', 'Purchase', {content_ids: ['yoga-mat', 'yoga-block'],
  contents: [{id: 'yoga-mat', quantity: 1, item_price: 68}, {id: 'yoga-block', quantity: 1, item_price: 18}],
  value: 86, currency: 'USD'}, {eventID: 'ORDER-1042'});
