package io.rebound.destinations.internal;

import io.rebound.core.activation.ConsentPolicy;
import io.rebound.core.activation.IdentifierRules;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.PlatformLimits;

import java.net.URI;
import java.util.Objects;

/** The checks every platform's settings and ids share; each failure is an exception naming the setting. */
public final class ConfigChecks {

    private ConfigChecks() {
    }

    /** {@code id} when it is 1 to {@code max} digits; otherwise an {@link IllegalArgumentException} of {@code message} and the id. */
    public static String digits(String id, int max, String message) {
        if (id == null || !id.matches("[0-9]{1," + max + "}")) {
            throw new IllegalArgumentException(message + id);
        }
        return id;
    }

    /** A base URL is given and {@code apiVersion} matches {@code pattern} (as {@code example} does). */
    public static void endpoint(URI baseUrl, String apiVersion, String pattern, String example) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        if (apiVersion == null || !apiVersion.matches(pattern)) {
            throw new IllegalArgumentException("apiVersion must look like " + example + ", got " + apiVersion);
        }
    }

    /** A consent policy, {@code platform}'s identifier rules (the platform called {@code name}) and limits are given. */
    public static void rules(ConsentPolicy policy, IdentifierRules rules, Platform platform, String name, PlatformLimits limits) {
        Objects.requireNonNull(policy, "policy");
        if (Objects.requireNonNull(rules, "rules").platform() != platform) {
            throw new IllegalArgumentException(name + " needs " + name + "'s identifier rules");
        }
        Objects.requireNonNull(limits, "limits");
    }
}
