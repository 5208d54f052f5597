/* Demo shop behaviour: a localStorage cart and the pixel calls a real store would make. */
(function () {
  'use strict';
  var KEY = 'demo_cart', DISCOUNT = 'demo_discount', CURRENCY = 'USD';
  function track() { if (window.rebound) window.rebound.apply(null, arguments); }
  function load() { try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; } }
  function save(cart) { localStorage.setItem(KEY, JSON.stringify(cart)); badge(cart); }
  function total(cart) { return Math.round(cart.reduce(function (s, l) { return s + l.price * l.quantity; }, 0) * 100) / 100; }
  function money(v) { return '$' + v.toFixed(2); }
  function contents(lines) { return lines.map(function (l) { return { id: l.id, quantity: l.quantity, item_price: l.price }; }); }
  function badge(cart) {
    var n = cart.reduce(function (s, l) { return s + l.quantity; }, 0);
    document.querySelectorAll('[data-testid=cart-count]').forEach(function (b) { b.textContent = n; });
  }
  function el(tag, text, attrs) {
    var e = document.createElement(tag); if (text != null) e.textContent = text;
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }

  function addToCart(btn) {
    var cart = load(), id = btn.dataset.id, price = parseFloat(btn.dataset.price), line = null;
    cart.forEach(function (l) { if (l.id === id) line = l; });
    if (line) line.quantity++; else cart.push(line = { id: id, name: btn.dataset.name, price: price, category: btn.dataset.category, quantity: 1 });
    save(cart);
    track('track', 'AddToCart', { content_ids: [id], content_type: 'product', content_name: line.name,
      content_category: line.category, contents: [{ id: id, quantity: 1, item_price: price }], value: price, currency: CURRENCY });
    var status = document.querySelector('[data-testid=cart-status]');
    if (status) status.textContent = line.name + ' added to your cart (' + line.quantity + ' in cart).';
  }

  function restore(view) {
    // A cart link (Rebound's recovery links land here): its lines replace the cart, its code is applied.
    save(JSON.parse(view.dataset.restore));
    if (view.dataset.discount) localStorage.setItem(DISCOUNT, view.dataset.discount); else localStorage.removeItem(DISCOUNT);
    if (window.history && history.replaceState) history.replaceState(null, '', '/shop/cart');
  }

  function renderCart(view) {
    var cart = load(), body = view.querySelector('[data-cart-lines]'), code = localStorage.getItem(DISCOUNT),
      discount = view.querySelector('[data-cart-discount]');
    discount.hidden = !code || cart.length === 0;
    discount.textContent = code ? 'Discount code ' + code + ' applied.' : '';
    body.textContent = '';
    view.querySelector('.empty').hidden = cart.length > 0;
    view.querySelector('table').hidden = cart.length === 0;
    view.querySelector('[data-cart-actions]').hidden = cart.length === 0;
    cart.forEach(function (l) {
      var tr = el('tr', null, { 'data-testid': 'cart-line-' + l.id }), name = el('td'), rm = el('button', 'Remove', {
        type: 'button', 'class': 'link-button', 'data-testid': 'remove-' + l.id, 'aria-label': 'Remove ' + l.name });
      name.appendChild(el('a', l.name, { href: '/shop/products/' + encodeURIComponent(l.id) }));
      tr.appendChild(name); tr.appendChild(el('td', String(l.quantity))); tr.appendChild(el('td', money(l.price * l.quantity)));
      var td = el('td'); td.appendChild(rm); tr.appendChild(td); body.appendChild(tr);
      rm.addEventListener('click', function () {
        save(load().filter(function (x) { return x.id !== l.id; }));
        track('track', 'RemoveFromCart', { content_ids: [l.id], content_type: 'product',
          contents: [{ id: l.id, quantity: l.quantity, item_price: l.price }], value: total([l]), currency: CURRENCY });
        renderCart(view);
        var next = view.querySelector('button') || view.querySelector('a'); if (next) next.focus();
      });
    });
    view.querySelector('[data-cart-total]').textContent = money(total(cart));
  }

  function checkout(box) {
    var cart = load(), list = box.querySelector('[data-summary-lines]'), form = box.querySelector('form');
    box.querySelector('.empty').hidden = cart.length > 0;
    cart.forEach(function (l) { list.appendChild(el('li', l.quantity + ' × ' + l.name + ' — ' + money(l.price * l.quantity))); });
    box.querySelector('[data-cart-total]').textContent = money(total(cart));
    form.querySelector('button').disabled = cart.length === 0;
    if (cart.length) {
      track('track', 'InitiateCheckout', { content_ids: cart.map(function (l) { return l.id; }), content_type: 'product',
        contents: contents(cart), num_items: cart.reduce(function (s, l) { return s + l.quantity; }, 0), value: total(cart), currency: CURRENCY });
    }
    form.addEventListener('submit', function (ev) {
      var email = form.email.value.trim(), err = box.querySelector('[data-testid=email-error]');
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        ev.preventDefault(); err.textContent = 'Please enter an email address like jane@example.com.';
        form.email.setAttribute('aria-invalid', 'true'); form.email.focus(); return;
      }
      err.textContent = ''; form.email.removeAttribute('aria-invalid');
      form.items.value = load().map(function (l) { return l.id + ':' + l.quantity; }).join(',');
      track('identify', { email: email });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (document.querySelector('[data-clear-cart]')) { localStorage.removeItem(KEY); localStorage.removeItem(DISCOUNT); }
    badge(load());
    document.querySelectorAll('[data-add-to-cart]').forEach(function (b) { b.addEventListener('click', function () { addToCart(b); }); });
    var view = document.querySelector('[data-cart-view]');
    if (view && view.dataset.restore) restore(view);
    if (view) renderCart(view);
    var box = document.querySelector('[data-checkout]'); if (box) checkout(box);
  });
})();
