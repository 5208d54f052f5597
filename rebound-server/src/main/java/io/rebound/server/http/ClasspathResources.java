package io.rebound.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Files the server ships in its jar (the pixel, the install guides): a missing one is a broken build. */
public final class ClasspathResources {
    private ClasspathResources() {
    }

    /** The bytes of the classpath resource {@code name}; an {@link IllegalStateException} when there is none. */
    public static byte[] read(String name) {
        try (InputStream in = ClasspathResources.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
