package io.rebound.server.demo;

import io.rebound.server.http.Html;

/**
 * Draws the demo shop's product images as small SVGs, so the demo needs no external or binary
 * assets: a soft background, a shape for the category and the product name.
 */
final class ProductImages {

    private ProductImages() {
    }

    static String svg(DemoProduct p) {
        String c = p.color() == null || !p.color().matches("#[0-9a-fA-F]{6}") ? "#2f7d6d" : p.color();
        String shape = switch (p.category()) {
            case "mats" -> "<rect x=\"80\" y=\"115\" width=\"230\" height=\"70\" rx=\"35\" fill=\"url(#g)\"/>"
                    + "<circle cx=\"290\" cy=\"150\" r=\"40\" fill=\"" + c + "\"/>"
                    + "<circle cx=\"290\" cy=\"150\" r=\"22\" fill=\"#fff\" opacity=\".35\"/>";
            case "props" -> "<path d=\"M120 120 l40-30 h120 l-40 30z\" fill=\"" + c + "\" opacity=\".6\"/>"
                    + "<path d=\"M280 90 v90 l-40 30 v-90z\" fill=\"" + c + "\"/>"
                    + "<rect x=\"120\" y=\"120\" width=\"120\" height=\"90\" rx=\"6\" fill=\"url(#g)\"/>";
            case "apparel" -> "<path d=\"M165 70 l-60 30 20 40 25-12 v110 h100 v-110 l25 12 20-40 -60-30"
                    + " q-35 28-70 0z\" fill=\"url(#g)\"/>";
            default -> "<rect x=\"140\" y=\"90\" width=\"120\" height=\"130\" rx=\"24\" fill=\"url(#g)\"/>"
                    + "<path d=\"M170 92 v-22 a30 30 0 0 1 60 0 v22\" stroke=\"" + c + "\" stroke-width=\"10\" fill=\"none\"/>";
        };
        String name = Html.escape(p.name());
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 400 300\" role=\"img\" aria-label=\"" + name + "\">"
                + "<defs><linearGradient id=\"g\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"1\"><stop offset=\"0\" stop-color=\"" + c
                + "\"/><stop offset=\"1\" stop-color=\"" + c + "\" stop-opacity=\".72\"/></linearGradient></defs>"
                + "<rect width=\"400\" height=\"300\" fill=\"#f5f1ea\"/>" + shape
                + "<text x=\"200\" y=\"270\" text-anchor=\"middle\" font-family=\"system-ui,sans-serif\" font-size=\"22\""
                + " fill=\"#2b2b2b\">" + name + "</text></svg>";
    }
}
