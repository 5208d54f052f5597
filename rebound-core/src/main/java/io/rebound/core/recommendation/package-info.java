/**
 * The pure rules of product recommendations: which products a person's events put in their product
 * set ({@link io.rebound.core.recommendation.ProductSet}), which candidates follow from it
 * ({@link io.rebound.core.recommendation.Recommender}) and the store's merchant rules
 * ({@link io.rebound.core.recommendation.MerchantRules}). No I/O: the caller reads the person's
 * events, the catalog and the complements, and passes them in.
 */
package io.rebound.core.recommendation;
