package io.rebound.server.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The body limits a 413 names, as the APIs wrote them by hand before {@link ApiRoutes.Mount} said them. */
class ApiRoutesSizeTest {

    @Test
    void limitsAreSaidInTheLargestWholeUnit() {
        assertThat(ApiRoutes.size(8 * 1024 * 1024)).isEqualTo("8 MB");
        assertThat(ApiRoutes.size(64 * 1024)).isEqualTo("64 KB");
        assertThat(ApiRoutes.size(16 * 1024)).isEqualTo("16 KB");
        assertThat(ApiRoutes.size(4096)).isEqualTo("4 KB");
        assertThat(ApiRoutes.size(1500)).isEqualTo("1500 bytes");
    }
}
