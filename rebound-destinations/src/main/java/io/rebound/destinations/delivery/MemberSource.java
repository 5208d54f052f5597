package io.rebound.destinations.delivery;

import io.rebound.destinations.Member;

/**
 * A person's identifiers and advertising consent as a list {@link Member}; its contact is empty when
 * nothing is known of the person (anonymous, or erased).
 */
@FunctionalInterface
public interface MemberSource {

    Member member(String storeId, String personId);
}
